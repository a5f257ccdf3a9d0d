import { expect } from 'chai';
import supertest from 'supertest';
import { Cohort } from '../../src/cohorts/model.js';
import { createCohort, updateCohort } from '../../src/cohorts/service.js';
import { CounsellingSession } from '../../src/counselling/model.js';
import type { Actor } from '../../src/platform/permissions.js';
import { enrolledTrainee } from '../learning/helpers.js';
import { buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { cohortFields, makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

/** What one institution's staff can reach of another's: its programs, lessons and counselling notes. */
describe('between institutions', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  const tokenOf = async (account: { email: string; password: string }) =>
    (await supertest(app).post('/api/v1/auth/token').send({ email: account.email, password: account.password })).body
      .token as string;

  describe('a cohort runs only a program of its own institution', () => {
    it('refuses another institution’s program in the form, naming the field, and saves nothing', async () => {
      const mine = await makeCohortSetup();
      const theirs = await makeCohortSetup();
      const agent = await loggedInAgent(app, mine.coordinatorUser.email, mine.coordinatorUser.password);
      const before = await Cohort.countDocuments();
      const fields = cohortFields(theirs.program.id);
      const refused = await submitForm(agent, '/cohorts', {
        name: 'Angkatan Pinjaman',
        program: theirs.program.id,
        startsOn: fields.startsOn,
        endsOn: fields.endsOn,
        enrolmentOpens: fields.enrolmentOpens,
        enrolmentCloses: fields.enrolmentCloses,
        capacity: '10',
        mode: 'online',
        status: 'open',
      });
      expect(refused.status).to.equal(422);
      expect(refused.text).to.include('Program ini milik lembaga lain');
      expect(await Cohort.countDocuments(), 'no cohort saved').to.equal(before);
    });

    it('refuses it through the API, for a new cohort and for a change of an existing one', async () => {
      const mine = await makeCohortSetup();
      const theirs = await makeCohortSetup();
      const issued = await supertest(app)
        .post('/api/v1/auth/token')
        .send({ email: mine.coordinatorUser.email, password: mine.coordinatorUser.password, name: 'script' });
      const token = issued.body.token;
      const body = cohortFields(theirs.program.id);
      const created = await supertest(app)
        .post('/api/v1/cohorts')
        .set('Authorization', `Bearer ${token}`)
        .set('Accept-Language', 'en')
        .send(body);
      expect(created.status).to.equal(422);
      expect(JSON.stringify(created.body)).to.include('program').and.include('another institution');

      const changed = await supertest(app)
        .put(`/api/v1/cohorts/${mine.cohort}`)
        .set('Authorization', `Bearer ${token}`)
        .set('Accept-Language', 'en')
        .send(body);
      expect(changed.status).to.equal(422);
      const stored = await Cohort.findById(mine.cohort).lean();
      expect(String(stored?.program)).to.equal(mine.program.id);
    });

    it('lets an admin create a cohort only for the program’s own institution', async () => {
      const theirs = await makeCohortSetup();
      const other = await makeCohortSetup();
      const adminUser = await makeUser('admin', null);
      const admin: Actor = { id: adminUser.id, role: 'admin', institution: null };
      let refusal: unknown;
      await createCohort(admin, { ...cohortFields(theirs.program.id), institution: other.institution }).catch((error) => {
        refusal = error;
      });
      expect(refusal, 'a cohort at another institution').to.have.property('status', 422);
      const id = await createCohort(admin, { ...cohortFields(theirs.program.id), institution: theirs.institution });
      expect(String((await Cohort.findById(id).lean())?.institution)).to.equal(theirs.institution);
      // The same rule holds for a change: the program of another institution cannot be swapped in.
      let changeRefusal: unknown;
      await updateCohort(admin, id, cohortFields(other.program.id)).catch((error) => {
        changeRefusal = error;
      });
      expect(changeRefusal).to.have.property('status', 422);
    });
  });

  it('opens nothing of another institution’s program to a cohort made before the rule', async () => {
    const mine = await makeCohortSetup();
    const theirs = await makeCohortSetup();
    // What the old code let a coordinator save: mine's cohort pointed at theirs's program.
    await Cohort.updateOne({ _id: mine.cohort }, { $set: { program: theirs.program.id } });
    const trainee = await enrolledTrainee(app, mine);
    const lesson = await trainee.agent.get(`/learn/${mine.cohort}/lessons/${theirs.program.lessons[0]}`);
    expect(lesson.status).to.equal(403);
    expect(lesson.text).not.to.include('Isi materi');
    const api = await supertest(app)
      .get('/api/v1/learning')
      .set('Authorization', `Bearer ${await tokenOf(trainee.user)}`)
      .expect(200);
    expect(JSON.stringify(api.body), 'no progress or lessons of their program').not.to.include(theirs.program.lessons[0]!);
  });

  describe('counselling sessions belong to the institution that recorded them', () => {
    it('keeps B’s notes and counsellor from A’s coordinators after the applicant moves their intake to A', async () => {
      const a = await makeCohortSetup();
      const b = await makeCohortSetup();
      const counsellorB = await makeUser('coordinator', b.institution, { name: 'Konselor Rahasia B' });
      const applicant = await makeUser('trainee', null, { name: 'Pelamar Pindah' });
      const applicantAgent = await loggedInAgent(app, applicant.email, applicant.password);
      const intake = (institution: string) => ({
        institution,
        education: 'smk',
        experience: '',
        skills: '',
        certificates: '',
        accommodation: '',
        schedule: ['weekend'],
      });
      expect((await submitForm(applicantAgent, '/intake', intake(b.institution))).status).to.equal(303);

      const bAgent = await loggedInAgent(app, counsellorB.email, counsellorB.password);
      const form = await bAgent.get(`/counselling/${applicant.id}`).expect(200);
      const requestId = /name="requestId" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
      const recorded = await submitForm(bAgent, `/counselling/${applicant.id}/sessions`, {
        requestId,
        outcome: 'placement',
        notes: 'Catatan internal B: riwayat kesehatan keluarga.',
      });
      expect(recorded.status, recorded.text.slice(0, 300)).to.equal(303);
      expect(await CounsellingSession.countDocuments({ applicant: applicant.id })).to.equal(1);

      // The applicant now asks centre A instead.
      expect((await submitForm(applicantAgent, '/intake', intake(a.institution))).status).to.equal(303);
      const aAgent = await loggedInAgent(app, a.coordinatorUser.email, a.coordinatorUser.password);
      const seenByA = await aAgent.get(`/counselling/${applicant.id}`).expect(200);
      expect(seenByA.text).to.include('Pelamar Pindah');
      expect(seenByA.text).not.to.include('Catatan internal B');
      expect(seenByA.text).not.to.include('Konselor Rahasia B');
      // B's recent sessions still list it: the record stays with the centre that wrote it.
      const seenByB = await bAgent.get('/counselling').expect(200);
      expect(seenByB.text).to.include('Pelamar Pindah');
    });
  });
});
