import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import supertest from 'supertest';
import { Cohort } from '../../src/cohorts/model.js';
import { CounsellingSession, Intake } from '../../src/counselling/model.js';
import { Enrollment } from '../../src/enrolment/model.js';
import { type Agent, buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeSector, makeUser } from '../support/factories.js';

type Account = Awaited<ReturnType<typeof makeUser>>;

describe('career counselling: intake, sessions and routing', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let setup: Awaited<ReturnType<typeof makeCohortSetup>>;
  let cohortName: string;
  let otherInstitution: string;
  let coordinatorA: Agent;
  let coordinatorB: Account;

  before(async () => {
    app = buildTestApp();
    await makeSector('ict');
    await makeSector('pariwisata');
    setup = await makeCohortSetup();
    cohortName = (await Cohort.findById(setup.cohort).lean())!.name;
    otherInstitution = (await makeInstitution({ name: 'BLK Kupang', province: '53' })).id;
    coordinatorB = await makeUser('coordinator', otherInstitution);
    coordinatorA = await loggedInAgent(app, setup.coordinatorUser.email, setup.coordinatorUser.password);
  });

  const intakeForm = (overrides: Record<string, string | string[]> = {}) => ({
    institution: setup.institution,
    education: 'smk',
    experience: 'Dua tahun menjaga warnet di Cimahi.',
    skills: 'Merakit komputer, HTML dasar',
    sectors: ['ict'],
    certificates: '',
    schedule: ['weekdayEvening', 'weekend'],
    accommodation: 'Saya tuli; mohon materi video berteks.',
    ...overrides,
  });

  /** A trainee who has filled in an intake at institution A through the form. */
  async function applicant(name: string) {
    const account = await makeUser('trainee', null, { name });
    const agent = await loggedInAgent(app, account.email, account.password);
    const saved = await submitForm(agent, '/intake', intakeForm());
    expect(saved.status, saved.text.slice(0, 300)).to.equal(303);
    return { ...account, agent };
  }

  /** The counsellor's form for the applicant, with its one-time nonce. */
  async function openRecordForm(agent: Agent, applicantId: string) {
    const page = await agent.get(`/counselling/${applicantId}`);
    expect(page.status).to.equal(200);
    const requestId = /name="requestId" value="([^"]+)"/.exec(page.text)?.[1];
    expect(requestId).to.be.a('string');
    return { page, requestId: requestId! };
  }

  async function record(applicantId: string, fields: Record<string, string>) {
    const { requestId } = await openRecordForm(coordinatorA, applicantId);
    return submitForm(coordinatorA, `/counselling/${applicantId}/sessions`, { requestId, notes: '', ...fields });
  }

  describe('the intake form', () => {
    it('shows what is missing beside each field, in Indonesian and in English, keeping what was typed', async () => {
      const trainee = await makeUser('trainee');
      const agent = await loggedInAgent(app, trainee.email, trainee.password);
      const form = await agent.get('/intake');
      expect(form.status).to.equal(200);
      expect(form.text).to.contain('Formulir konseling karier');

      const refused = await submitForm(agent, '/intake', { institution: '', education: '', skills: 'Menjahit pakaian' });
      expect(refused.status).to.equal(422);
      expect(refused.text).to.contain('Ada isian yang perlu diperbaiki.');
      expect(refused.text).to.match(/id="f-education-error">Wajib diisi\./);
      expect(refused.text).to.match(/id="f-institution-error">Wajib diisi\./);
      expect(refused.text).to.contain('Menjahit pakaian</textarea>');
      const unknownCentre = await submitForm(agent, '/intake', intakeForm({ institution: '000000000000000000000000' }));
      expect(unknownCentre.status).to.equal(422);
      expect(unknownCentre.text).to.match(/id="f-institution-error">Pilih salah satu pilihan yang tersedia\./);
      expect(await Intake.exists({ _id: trainee.id })).to.equal(null);

      await submitForm(agent, '/language', { language: 'en' });
      const english = await submitForm(agent, '/intake', intakeForm({ schedule: [], education: 'university' }), 'en');
      expect(english.status).to.equal(422);
      expect(english.text).to.contain('Career counselling intake');
      expect(english.text).to.contain('Choose one of the options offered.'); // the education level
      expect(english.text).to.match(/<p class="error">Required\.<\/p>/); // no schedule ticked
      expect(english.text).to.contain('Dua tahun menjaga warnet di Cimahi.</textarea>');
      expect(await Intake.exists({ _id: trainee.id })).to.equal(null);
    });

    it('saves the intake, shows it waiting, and sends a trainee from an Apply button on to the application', async () => {
      const trainee = await makeUser('trainee');
      const agent = await loggedInAgent(app, trainee.email, trainee.password);
      const fromApply = await agent.get(`/intake?cohort=${setup.cohort}`);
      expect(fromApply.text).to.contain(`name="cohort" value="${setup.cohort}"`);
      const saved = await submitForm(agent, '/intake', intakeForm({ cohort: setup.cohort }));
      expect(saved.status).to.equal(303);
      expect(saved.headers.location).to.equal(`/cohorts/${setup.cohort}/apply`);

      const updated = await submitForm(agent, '/intake', intakeForm({ skills: 'Jaringan komputer', cohort: '//evil.example' }));
      expect(updated.headers.location).to.equal('/intake?saved=1');
      const page = await agent.get('/intake?saved=1');
      expect(page.text).to.contain('Formulir Anda tersimpan.');
      expect(page.text).to.contain('Menunggu konseling');
      expect(page.text).to.contain('Belum ada sesi konseling.');
      expect(page.text).to.contain('akan menghubungi Anda untuk sesi konseling');
      expect(page.text).to.contain('Jaringan komputer</textarea>');
      expect(page.text).to.match(/value="weekend" checked/);
    });

    it('is for trainees: staff are turned away', async () => {
      expect((await coordinatorA.get('/intake')).status).to.equal(403);
    });
  });

  describe('the counsellor', () => {
    it('sees the applicants waiting at their centre, oldest first; another centre sees none of them', async () => {
      const first = await applicant('Ani Lestari');
      const second = await applicant('Bayu Saputra');
      // Editing the intake keeps the applicant's place in the queue.
      await submitForm(first.agent, '/intake', intakeForm({ skills: 'Desain grafis' }));
      const queue = await coordinatorA.get('/counselling');
      expect(queue.status).to.equal(200);
      expect(queue.text.indexOf('Ani Lestari')).to.be.greaterThan(-1);
      expect(queue.text.indexOf('Ani Lestari')).to.be.lessThan(queue.text.indexOf('Bayu Saputra'));
      expect(queue.text).to.contain(`href="/counselling/${second.id}"`);

      const other = await loggedInAgent(app, coordinatorB.email, coordinatorB.password);
      const otherQueue = await other.get('/counselling');
      expect(otherQueue.status).to.equal(200);
      expect(otherQueue.text).not.to.contain('Ani Lestari');
      expect(otherQueue.text).to.contain('Tidak ada pelamar yang menunggu konseling.');
    });

    it('puts an applicant who asks another centre into that centre’s queue, out of the first one’s', async () => {
      const person = await applicant('Putri Handayani');
      await record(person.id, { outcome: 'placement' });
      const moved = await submitForm(person.agent, '/intake', intakeForm({ institution: otherInstitution }));
      expect(moved.status).to.equal(303);
      expect((await person.agent.get('/intake')).text).to.contain('Menunggu konseling');
      const other = await loggedInAgent(app, coordinatorB.email, coordinatorB.password);
      expect((await other.get('/counselling')).text).to.contain('Putri Handayani');
      expect((await other.get(`/counselling/${person.id}`)).status).to.equal(200);
      expect((await coordinatorA.get(`/counselling/${person.id}`)).status).to.equal(403);
    });

    it('reads the applicant in full: contact, intake and accommodation needs', async () => {
      const person = await applicant('Citra Dewi');
      const { page } = await openRecordForm(coordinatorA, person.id);
      expect(page.text).to.contain('Citra Dewi');
      expect(page.text).to.contain(person.email);
      expect(page.text).to.contain('Dua tahun menjaga warnet di Cimahi.');
      expect(page.text).to.contain('Saya tuli; mohon materi video berteks.');
      expect(page.text).to.contain('Hari kerja, malam, Akhir pekan');
      expect(page.text).to.contain(cohortName); // offered as a recommendation
      expect(page.text).to.contain('Pelamar ini belum pernah dikonseling.');
    });

    it('opens the application for the recommended cohort on a training outcome, and says so', async () => {
      const person = await applicant('Dedi Kurniawan');
      const response = await record(person.id, {
        outcome: 'training',
        cohort: setup.cohort,
        notes: 'Motivasi tinggi, perlu dasar pemrograman.',
      });
      expect(response.status, response.text.slice(0, 300)).to.equal(303);
      const page = await coordinatorA.get(response.headers.location!);
      expect(page.text).to.contain('Sesi konseling Dedi Kurniawan tercatat: Perlu pelatihan.');
      expect(page.text).to.contain(`Lamaran ke ${cohortName} sudah dibuka.`);
      expect(page.text).to.contain(`<a href="/cohorts/${setup.cohort}">Setujui di halaman angkatan</a>`);
      // The applicant left the waiting queue for the recently counselled.
      const recent = page.text.indexOf('<h2>Baru dikonseling');
      expect(page.text.slice(page.text.indexOf('<h2>Menunggu konseling'), recent)).not.to.contain('Dedi Kurniawan');
      expect(page.text.slice(recent)).to.contain('Dedi Kurniawan');

      const enrollment = await Enrollment.findOne({ cohort: setup.cohort, trainee: person.id }).lean();
      expect(enrollment?.status).to.equal('applied');
      expect(enrollment?.source).to.equal('counselling');
      const session = await CounsellingSession.findOne({ applicant: person.id }).lean();
      expect(String(enrollment?.counselling)).to.equal(String(session?._id));
      expect(String(session?.enrollment)).to.equal(String(enrollment?._id));

      // The applicant sees the outcome and the cohort, not the counsellor's notes.
      const own = await person.agent.get('/intake');
      expect(own.text).to.contain('Sudah dikonseling');
      expect(own.text).to.contain('Perlu pelatihan');
      expect(own.text).to.contain(`Anda direkomendasikan mengikuti pelatihan di ${cohortName}`);
      expect(own.text).to.contain('Status lamaran: menunggu persetujuan.');
      expect(own.text).not.to.contain('Motivasi tinggi');
      // The counsellor does see them on the applicant's page, where the intake is not marked as edited.
      const counsellorView = await coordinatorA.get(`/counselling/${person.id}`);
      expect(counsellorView.text).to.contain('Motivasi tinggi');
      expect(counsellorView.text).not.to.contain('diperbarui');
    });

    it('opens an application for entrepreneurship training too', async () => {
      const person = await applicant('Eka Putri');
      const response = await record(person.id, { outcome: 'entrepreneurship', cohort: setup.cohort });
      expect(response.status).to.equal(303);
      const enrollment = await Enrollment.findOne({ cohort: setup.cohort, trainee: person.id }).lean();
      expect(enrollment?.status).to.equal('applied');
      expect((await Intake.findById(person.id).lean())?.lastOutcome).to.equal('entrepreneurship');
    });

    it('records placement and certification with their next step, opening no application', async () => {
      const worker = await applicant('Fajar Nugroho');
      const placed = await record(worker.id, { outcome: 'placement', notes: 'Siap kerja sebagai teknisi.' });
      expect(placed.status).to.equal(303);
      const placedPage = await coordinatorA.get(placed.headers.location!);
      expect(placedPage.text).to.contain('Sesi konseling Fajar Nugroho tercatat: Siap kerja (penempatan).');
      expect(placedPage.text).to.contain('rujuk pelamar ke lowongan kerja');

      const expert = await applicant('Gita Permata');
      const certified = await record(expert.id, { outcome: 'certification' });
      const certifiedPage = await coordinatorA.get(certified.headers.location!);
      expect(certifiedPage.text).to.contain('asesmen RPL');
      expect(certifiedPage.text).to.contain('LSP');

      expect(await Enrollment.countDocuments({ trainee: { $in: [worker.id, expert.id] } })).to.equal(0);
      expect((await Intake.findById(worker.id).lean())?.status).to.equal('counselled');
      expect((await worker.agent.get('/intake')).text).to.contain('Anda dinilai siap bekerja.');
    });

    it('requires a cohort for training and refuses one for placement, recording nothing', async () => {
      const person = await applicant('Hendra Wijaya');
      const missing = await record(person.id, { outcome: 'training', notes: 'Catatan yang tidak boleh hilang' });
      expect(missing.status).to.equal(422);
      expect(missing.text).to.contain('Pilih angkatan yang direkomendasikan untuk hasil ini.');
      expect(missing.text).to.contain('Catatan yang tidak boleh hilang</textarea>');
      expect(missing.text).to.match(/value="training" checked/);

      const refused = await record(person.id, { outcome: 'placement', cohort: setup.cohort });
      expect(refused.status).to.equal(422);
      expect(refused.text).to.contain('kosongkan pilihan angkatan');

      const foreign = await record(person.id, { outcome: 'entrepreneurship', cohort: '000000000000000000000000' });
      expect(foreign.status).to.equal(422);
      expect(foreign.text).to.contain('Pilih salah satu pilihan yang tersedia.');

      expect(await CounsellingSession.countDocuments({ applicant: person.id })).to.equal(0);
      expect((await Intake.findById(person.id).lean())?.status).to.equal('waiting');
    });

    it('records one session when the same form is sent twice, one after the other or at once', async () => {
      const person = await applicant('Indah Sari');
      const { requestId } = await openRecordForm(coordinatorA, person.id);
      const fields = { requestId, outcome: 'training', cohort: setup.cohort, notes: 'Sekali saja' };
      const first = await submitForm(coordinatorA, `/counselling/${person.id}/sessions`, fields);
      const again = await submitForm(coordinatorA, `/counselling/${person.id}/sessions`, fields);
      expect(first.status).to.equal(303);
      expect(again.headers.location).to.equal(first.headers.location);

      const { requestId: nonce } = await openRecordForm(coordinatorA, person.id);
      const together = await Promise.all(
        [1, 2, 3].map(() =>
          submitForm(coordinatorA, `/counselling/${person.id}/sessions`, { requestId: nonce, outcome: 'placement' }),
        ),
      );
      expect(together.map((response) => response.status)).to.deep.equal([303, 303, 303]);
      expect(new Set(together.map((response) => response.headers.location)).size).to.equal(1);

      expect(await CounsellingSession.countDocuments({ applicant: person.id })).to.equal(2);
      expect(await Enrollment.countDocuments({ trainee: person.id })).to.equal(1);
      expect((await Intake.findById(person.id).lean())?.lastOutcome).to.equal('placement');
    });

    it('finishes a session whose request stopped before the application was opened', async () => {
      const person = await applicant('Joko Susilo');
      const requestId = randomUUID();
      // As if the server died right after writing the session: no application, the intake still waiting.
      await CounsellingSession.create({
        applicant: person.id,
        institution: setup.institution,
        counsellor: setup.coordinator.id,
        outcome: 'training',
        cohort: setup.cohort,
        requestId,
      });
      const page = await coordinatorA.get(`/counselling/${person.id}`);
      expect(page.text).to.contain('belum terbuka karena penyimpanan terputus');
      expect((await coordinatorA.get('/counselling')).text).to.contain('Joko Susilo'); // still in the queue

      // The browser sends the same form again: the first session is finished, not doubled.
      const retried = await submitForm(coordinatorA, `/counselling/${person.id}/sessions`, {
        requestId,
        outcome: 'training',
        cohort: setup.cohort,
      });
      expect(retried.status).to.equal(303);
      expect((await coordinatorA.get(retried.headers.location!)).text).to.contain(`Lamaran ke ${cohortName} sudah dibuka.`);
      expect(await CounsellingSession.countDocuments({ applicant: person.id })).to.equal(1);
      expect((await Enrollment.findOne({ trainee: person.id }).lean())?.source).to.equal('counselling');
      expect((await Intake.findById(person.id).lean())?.status).to.equal('counselled');

      // Or the counsellor presses the button on the applicant's page.
      const other = await applicant('Kartika Sari');
      const stuck = await CounsellingSession.create({
        applicant: other.id,
        institution: setup.institution,
        counsellor: setup.coordinator.id,
        outcome: 'training',
        cohort: setup.cohort,
        requestId: randomUUID(),
      });
      const finished = await submitForm(coordinatorA, `/counselling/sessions/${stuck._id}/finish`, {});
      expect(finished.status).to.equal(303);
      expect(await Enrollment.countDocuments({ trainee: other.id, cohort: setup.cohort })).to.equal(1);
    });
  });

  describe('who may see and record what', () => {
    it('keeps a coordinator of another centre out of the applicant and their sessions', async () => {
      const person = await applicant('Lina Marlina');
      const other = await loggedInAgent(app, coordinatorB.email, coordinatorB.password);
      const page = await other.get(`/counselling/${person.id}`);
      expect(page.status).to.equal(403);
      expect(page.text).not.to.contain('Lina Marlina');
      const posted = await submitForm(other, `/counselling/${person.id}/sessions`, {
        requestId: randomUUID(),
        outcome: 'placement',
      });
      expect(posted.status).to.equal(403);
      expect(await CounsellingSession.countDocuments({ applicant: person.id })).to.equal(0);
    });

    it("does not show a trainee another applicant's intake", async () => {
      const person = await applicant('Maya Anggraini');
      const nosy = await applicant('Nanda Pratama');
      const page = await nosy.agent.get(`/counselling/${person.id}`);
      expect(page.status).to.equal(403);
      expect(page.text).not.to.contain('Maya Anggraini');
      const own = await nosy.agent.get('/intake');
      expect(own.text).not.to.contain('Maya Anggraini');
      expect((await nosy.agent.get('/counselling')).status).to.equal(403);
      const instructor = await loggedInAgent(app, setup.instructorUser.email, setup.instructorUser.password);
      expect((await instructor.get(`/counselling/${person.id}`)).status).to.equal(403);
    });

    it('lets an admin counsel at any centre', async () => {
      const person = await applicant('Oki Setiawan');
      const admin = await makeUser('admin');
      const agent = await loggedInAgent(app, admin.email, admin.password);
      expect((await agent.get('/counselling')).text).to.contain('Oki Setiawan');
      const { requestId } = await openRecordForm(agent, person.id);
      const response = await submitForm(agent, `/counselling/${person.id}/sessions`, {
        requestId,
        outcome: 'training',
        cohort: setup.cohort,
      });
      expect(response.status).to.equal(303);
      expect((await Enrollment.findOne({ trainee: person.id }).lean())?.status).to.equal('applied');
    });
  });

  describe('the API', () => {
    const tokenOf = async (account: { email: string; password: string }) =>
      (await supertest(app).post('/api/v1/auth/token').send({ email: account.email, password: account.password })).body
        .token as string;

    it('fills in and reads the own intake, with problems in the asked language', async () => {
      const trainee = await makeUser('trainee', null, { name: 'Putu Ayu' });
      const token = await tokenOf(trainee);
      const api = () => supertest(app);
      expect((await api().get('/api/v1/intake').set('Authorization', `Bearer ${token}`)).status).to.equal(404);

      const bad = await api()
        .put('/api/v1/intake')
        .set('Authorization', `Bearer ${token}`)
        .set('Accept-Language', 'en')
        .send({ institution: setup.institution, education: 'smk', schedule: ['midnight'] });
      expect(bad.status).to.equal(422);
      expect(bad.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(bad.body.errors).to.deep.include({ field: 'schedule.0', message: 'Choose one of the options offered.' });

      const body = { institution: setup.institution, education: 'sma', sectors: ['ict'], schedule: ['flexible'] };
      const saved = await api().put('/api/v1/intake').set('Authorization', `Bearer ${token}`).send(body);
      expect(saved.status).to.equal(200);
      expect(saved.body).to.include({ applicant: trainee.id, status: 'waiting', education: 'sma' });
      const read = await api().get('/api/v1/intake').set('Authorization', `Bearer ${token}`);
      expect(read.body.history).to.deep.equal([]);
      expect(read.body.institutionName).to.be.a('string').and.not.equal('');

      const staff = await tokenOf(setup.coordinatorUser);
      expect((await api().get('/api/v1/intake').set('Authorization', `Bearer ${staff}`)).status).to.equal(403);
      expect((await api().put('/api/v1/intake').send(body)).status).to.equal(401);
    });

    it('lists the queue and records sessions: 201 with the enrolment for training, once per requestId', async () => {
      const person = await applicant('Rudi Hartono');
      const token = await tokenOf(setup.coordinatorUser);
      const api = () => supertest(app);
      const queue = await api().get('/api/v1/counselling/queue').set('Authorization', `Bearer ${token}`);
      expect(queue.status).to.equal(200);
      expect(queue.body.items.map((item: { applicant: string }) => item.applicant)).to.include(person.id);

      const invalid = await api()
        .post(`/api/v1/counselling/${person.id}/sessions`)
        .set('Authorization', `Bearer ${token}`)
        .send({ outcome: 'holiday' });
      expect(invalid.status).to.equal(422);
      expect(invalid.body.errors[0].field).to.equal('outcome');
      const noCohort = await api()
        .post(`/api/v1/counselling/${person.id}/sessions`)
        .set('Authorization', `Bearer ${token}`)
        .send({ outcome: 'training' });
      expect(noCohort.status).to.equal(422);
      expect(noCohort.body.errors).to.deep.equal([
        { field: 'cohort', message: 'Pilih angkatan yang direkomendasikan untuk hasil ini.' },
      ]);

      const requestId = randomUUID();
      const send = () =>
        api()
          .post(`/api/v1/counselling/${person.id}/sessions`)
          .set('Authorization', `Bearer ${token}`)
          .send({ outcome: 'training', cohort: setup.cohort, notes: 'Lewat API', requestId });
      const created = await send();
      expect(created.status).to.equal(201);
      expect(created.body.session).to.include({ outcome: 'training', applicant: person.id, notes: 'Lewat API' });
      expect(created.body.enrollment).to.include({ cohort: setup.cohort, status: 'applied', source: 'counselling' });
      const repeated = await send();
      expect(repeated.body.session.id).to.equal(created.body.session.id);
      expect(await CounsellingSession.countDocuments({ applicant: person.id })).to.equal(1);

      const placement = await api()
        .post(`/api/v1/counselling/${person.id}/sessions`)
        .set('Authorization', `Bearer ${token}`)
        .send({ outcome: 'placement' });
      expect(placement.status).to.equal(201);
      expect(placement.body).not.to.have.property('enrollment');

      const otherToken = await tokenOf(coordinatorB);
      const foreign = await api()
        .post(`/api/v1/counselling/${person.id}/sessions`)
        .set('Authorization', `Bearer ${otherToken}`)
        .send({ outcome: 'placement' });
      expect(foreign.status).to.equal(403);
      const otherQueue = await api().get('/api/v1/counselling/queue').set('Authorization', `Bearer ${otherToken}`);
      expect(otherQueue.status).to.equal(200);
      expect(otherQueue.body.items.map((item: { applicant: string }) => item.applicant)).not.to.include(person.id);
      const trainee = await api()
        .get('/api/v1/counselling/queue')
        .set('Authorization', `Bearer ${await tokenOf(person)}`);
      expect(trainee.status).to.equal(403);
    });
  });
});
