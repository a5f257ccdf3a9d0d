import { expect } from 'chai';
import supertest from 'supertest';
import { CompletionRecord } from '../../src/completion/model.js';
import { Enrollment } from '../../src/enrolment/model.js';
import { versionSnapshot } from '../../src/programs/publishing.js';
import { User } from '../../src/users/model.js';
import { buildTestApp, loggedInAgent, submitForm, visibleText } from '../support/app.js';
import { completionCohort, giveVerdicts } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

describe('completion: pages and API', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  it('a coordinator approves the proposed trainees together; the others wait for a reason; the trainee reads their record', async () => {
    const setup = await completionCohort({ trainees: 3 });
    const [ani, budi, citra] = setup.trainees;
    await giveVerdicts(setup, ani!.id);
    await giveVerdicts(setup, budi!.id);
    const coordinator = await loggedInAgent(app, setup.coordinator.email, setup.coordinator.password);

    const page = await coordinator.get(`/cohorts/${setup.cohort}/completion`);
    expect(page.status).to.equal(200);
    const text = visibleText(page.text);
    expect(text).to.include('Diusulkan lulus (2)');
    expect(text).to.include('Belum memenuhi aturan (1)');
    expect(text).to.include('Unit kompeten: 2 dari 2');
    expect(text).to.include('Unit kompeten: 0 dari 2');
    expect(text).to.include('Belum ada kelas langsung yang berlangsung');

    // Citra (no verdicts) cannot be slipped into the approval of the proposed.
    const slipped = await submitForm(coordinator, `/cohorts/${setup.cohort}/completion/approve`, {
      enrollments: [ani!.enrollment, citra!.enrollment],
    });
    expect(slipped.status).to.equal(422);
    expect(visibleText(slipped.text)).to.include('Hanya peserta yang diusulkan');
    expect(await CompletionRecord.countDocuments({ cohort: setup.cohort })).to.equal(0);

    const approved = await submitForm(coordinator, `/cohorts/${setup.cohort}/completion/approve`, {
      enrollments: [ani!.enrollment, budi!.enrollment],
    });
    expect(approved.status).to.equal(303);
    const after = visibleText((await coordinator.get(approved.headers.location!)).text);
    expect(after).to.include('2 catatan kelulusan disetujui.');
    expect(after).to.include('Catatan kelulusan (2)');
    expect(after).to.include('Diusulkan lulus (0)');
    expect(after, 'what comes next is one click away').to.include('Serahkan ke LSP');

    const trainee = await loggedInAgent(app, ani!.email, ani!.password);
    const mine = await trainee.get('/completion');
    expect(visibleText(mine.text)).to.include('Junior Web Programmer');
    const recordPath = /href="(\/completion-records\/[0-9a-f]{24})"/.exec(mine.text)![1]!;
    const record = visibleText((await trainee.get(recordPath)).text);
    expect(record).to.include('Catatan kelulusan Peserta Uji 1');
    expect(record).to.include('J.620100.004.02');
    expect(record).to.include('Kompeten (K)');
    expect(record).to.include('36 JP');
    expect(record).to.include('utuh');
    expect(record).not.to.include('Cabut catatan ini');
    const other = await loggedInAgent(app, budi!.email, budi!.password);
    expect((await other.get(recordPath)).status, "another trainee's record").to.equal(403);
  });

  it("recording completion by hand asks for a reason, in the reader's language, and keeps what was typed", async () => {
    const setup = await completionCohort({ trainees: 1 });
    const trainee = setup.trainees[0]!;
    const coordinator = await loggedInAgent(app, setup.coordinator.email, setup.coordinator.password);
    const form = visibleText((await coordinator.get(`/enrolments/${trainee.enrollment}/complete`)).text);
    expect(form).to.include('Belum semua aturan kelulusan terpenuhi.');
    expect(form).to.include('0 dari 3 materi selesai.');

    const refused = await submitForm(coordinator, `/enrolments/${trainee.enrollment}/complete`, { reason: 'ok' });
    expect(refused.status).to.equal(422);
    expect(visibleText(refused.text)).to.include('Tulis alasan (minimal 5 karakter)');
    // A coordinator who reads English (their saved choice) is told in English.
    await User.updateOne({ _id: setup.coordinator.id }, { $set: { language: 'en' } });
    const english = await submitForm(coordinator, `/enrolments/${trainee.enrollment}/complete`, { reason: '' });
    expect(visibleText(english.text)).to.include('Give a reason (at least 5 characters)');
    expect((await Enrollment.findById(trainee.enrollment).lean())!.status).to.equal('enrolled');
    await User.updateOne({ _id: setup.coordinator.id }, { $set: { language: 'id' } });

    const done = await submitForm(coordinator, `/enrolments/${trainee.enrollment}/complete`, {
      reason: 'Lulus uji kompetensi di industri',
    });
    expect(done.status).to.equal(303);
    const record = visibleText((await coordinator.get(done.headers.location!)).text);
    expect(record).to.include('dicatat dengan alasan');
    expect(record).to.include('Lulus uji kompetensi di industri');
  });

  it('revokes from the record page with a reason and issues the replacement; the revoked record says so', async () => {
    const setup = await completionCohort({ trainees: 1 });
    const trainee = setup.trainees[0]!;
    await giveVerdicts(setup, trainee.id);
    const coordinator = await loggedInAgent(app, setup.coordinator.email, setup.coordinator.password);
    const approved = await submitForm(coordinator, `/enrolments/${trainee.enrollment}/complete`, {});
    const recordPath = approved.headers.location!.split('?')[0]!;
    expect(visibleText((await coordinator.get(recordPath)).text)).to.include('Cabut catatan ini');
    const noReason = await submitForm(coordinator, `${recordPath}/revoke`, { reason: '', reissue: 'true' });
    expect(noReason.status).to.equal(422);
    expect(visibleText(noReason.text)).to.include('Tulis alasan pencabutan');

    const revoked = await submitForm(coordinator, `${recordPath}/revoke`, {
      reason: 'Nama peserta salah ketik',
      reissue: ['false', 'true'],
    });
    expect(revoked.status).to.equal(303);
    const replacement = visibleText((await coordinator.get(revoked.headers.location!)).text);
    expect(replacement).to.include('Catatan lama dicabut dan catatan pengganti diterbitkan.');
    expect(replacement).to.include('Catatan ini menggantikan catatan yang dicabut');
    const old = visibleText((await coordinator.get(recordPath)).text);
    expect(old).to.include('dicabut');
    expect(old).to.include('Nama peserta salah ketik');
    expect(old).to.include('Lihat catatan pengganti');

    const instructor = await loggedInAgent(app, setup.instructor.email, setup.instructor.password);
    expect((await instructor.get(`${recordPath}/revoke`)).status, 'staff who teach read, managers revoke').to.equal(403);
  });

  it('the API answers standings, approves with a reason, and gives the record with its hash', async () => {
    const setup = await completionCohort({ trainees: 1 });
    const trainee = setup.trainees[0]!;
    const issued = await supertest(app)
      .post('/api/v1/auth/token')
      .send({ email: setup.coordinator.email, password: setup.coordinator.password });
    const bearer = `Bearer ${issued.body.token}`;
    const standings = await supertest(app).get(`/api/v1/cohorts/${setup.cohort}/completion`).set('Authorization', bearer);
    expect(standings.status).to.equal(200);
    expect(standings.body.rules).to.deep.equal({ allUnitsCompetent: true, minAttendancePercent: 80, requiredModules: [] });
    expect(standings.body.trainees[0]).to.deep.include({ trainee: trainee.id, eligible: false, record: null });

    const refused = await supertest(app)
      .post(`/api/v1/enrolments/${trainee.enrollment}/complete`)
      .set('Authorization', bearer)
      .set('Accept-Language', 'en')
      .send({});
    expect(refused.status).to.equal(422);
    expect(refused.body.errors).to.deep.equal([
      { field: 'reason', message: 'Give a reason (at least 5 characters): not every completion rule is met.' },
    ]);
    const approved = await supertest(app)
      .post(`/api/v1/enrolments/${trainee.enrollment}/complete`)
      .set('Authorization', bearer)
      .send({ reason: 'Sertifikat industri setara' });
    expect(approved.status).to.equal(200);
    expect(approved.body).to.deep.include({ status: 'approved', intact: true, enrollment: trainee.enrollment });
    expect(approved.body.code).to.match(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(approved.body.hash).to.match(/^[0-9a-f]{64}$/);
    const again = await supertest(app)
      .post(`/api/v1/enrolments/${trainee.enrollment}/complete`)
      .set('Authorization', bearer)
      .send({ reason: 'Klik kedua' });
    expect(again.body.id, 'approving again returns the standing record').to.equal(approved.body.id);
  });

  it('a program editor sets the rules; bad input is refused with a message; the next version carries them', async () => {
    const setup = await completionCohort({ trainees: 0 });
    const editor = await loggedInAgent(app, setup.coordinator.email, setup.coordinator.password);
    const form = await editor.get(`/programs/${setup.program}/completion-rules`);
    expect(form.status).to.equal(200);
    expect(form.text).to.include('name="requiredModules"');
    const bad = await submitForm(editor, `/programs/${setup.program}/completion-rules`, {
      allUnitsCompetent: ['false', 'true'],
      minAttendancePercent: '150',
    });
    expect(bad.status).to.equal(422);
    expect(bad.text).to.include('aria-invalid="true"');
    const saved = await submitForm(editor, `/programs/${setup.program}/completion-rules`, {
      allUnitsCompetent: 'false',
      minAttendancePercent: '75',
      requiredModules: setup.modules.advanced,
    });
    expect(saved.status).to.equal(303);
    const program = visibleText((await editor.get(`/programs/${setup.program}`)).text);
    expect(program).to.include('Semua unit K: tidak · kehadiran minimal 75% · modul wajib: Lanjutan');
    const changes = visibleText((await editor.get(`/programs/${setup.program}/changes`)).text);
    expect(changes).to.include('Aturan kelulusan diubah:');
    expect((await versionSnapshot(setup.program, 1)).completion, 'version 1 keeps its own').to.deep.equal({
      allUnitsCompetent: true,
      minAttendancePercent: 80,
      requiredModules: [],
    });
    expect((await submitForm(editor, `/programs/${setup.program}/publish`, {})).status).to.equal(303);
    expect((await versionSnapshot(setup.program, 2)).completion).to.deep.equal({
      allUnitsCompetent: false,
      minAttendancePercent: 75,
      requiredModules: [setup.modules.advanced],
    });
    const stranger = await makeUser('instructor', setup.institution);
    const outsider = await loggedInAgent(app, stranger.email, stranger.password);
    expect((await outsider.get(`/programs/${setup.program}/completion-rules`)).status).to.equal(403);
  });
});
