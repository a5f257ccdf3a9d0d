import { expect } from 'chai';
import supertest from 'supertest';
import { AuditEntry } from '../../src/activity/model.js';
import { auditLog } from '../../src/activity/service.js';
import { withdrawEnrollment } from '../../src/enrolment/service.js';
import { publish } from '../../src/platform/events.js';
import type { Actor } from '../../src/platform/permissions.js';
import { forgetContact } from '../../src/users/directory.js';
import { User } from '../../src/users/model.js';
import { makeLsp } from '../certification/deliveryFixtures.js';
import { buildTestServer, loggedInAgent, visibleText } from '../support/app.js';
import { type CompletionCohort, completionCohort, giveVerdicts } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';
import { webRoutesOf } from '../support/routes.js';
import { allAudit, auditWords, day, graded, placeOf } from './fixtures.js';

describe('audit log', () => {
  useTestDatabase(import.meta.url);
  const built = buildTestServer();
  const app = built.app;
  let a: CompletionCohort;
  let b: CompletionCohort;
  let admin: Awaited<ReturnType<typeof makeUser>> & { actor: Actor };
  const as = (person: { email: string; password: string }) => loggedInAgent(app, person.email, person.password);
  const textsFor = async (actor: Actor, query = {}) => (await auditLog(actor, query)).page.entries.map(auditWords);

  before(async () => {
    a = await completionCohort({ trainees: 2, institutionName: 'BLK Makassar' });
    b = await completionCohort({ institutionName: 'BLK Medan' });
    const user = await makeUser('admin');
    admin = { ...user, actor: { id: user.id, role: 'admin', institution: null } };
  });

  it("keeps a person's grade, verdicts and reopening, with their name at the time; not an automatic grade", async () => {
    const trainee = a.trainees[0]!;
    const before = await AuditEntry.countDocuments({ action: 'grade' });
    await graded(a, null, new Date(), 9);
    expect(await AuditEntry.countDocuments({ action: 'grade' }), 'an automatic quiz grade').to.equal(before);

    await graded(a, a.instructor.id, new Date(), 6);
    await giveVerdicts(a, trainee.id, 'BK'); // the real service publishes verdict.given
    await publish('verdict.given', {
      actor: a.coordinator.id,
      ...placeOf(a),
      unit: 'J.620100.004.02',
      unitTitle: { id: 'Menggunakan Struktur Data', en: 'Using Data Structures' },
      verdict: null,
      previous: 'BK',
      at: new Date(),
    });
    // Renamed afterwards: the log keeps the name the entries were made under.
    await User.updateOne({ _id: a.instructor.id }, { $set: { name: 'Instruktur Berganti Nama' } });
    forgetContact(a.instructor.id);

    const entries = (await auditLog(a.coordinator.actor, {})).page.entries;
    const grade = entries.find((entry) => entry.action === 'grade')!;
    expect(grade.actorName).to.equal('Instruktur Uji');
    expect(auditWords(grade)).to.equal('Menilai “Tugas membuat halaman login” milik Peserta Uji 1: 6 dari 10 · belum lulus');
    const verdicts = entries.filter((entry) => entry.action === 'verdict');
    expect(verdicts.map(auditWords)).to.have.members([
      'Unit J.620100.004.02 Menggunakan Struktur Data untuk Peserta Uji 1: belum ada keputusan → Belum kompeten (BK)',
      'Unit J.620100.009.01 Menggunakan Spesifikasi Program untuk Peserta Uji 1: belum ada keputusan → Belum kompeten (BK)',
    ]);
    expect(verdicts.every((entry) => entry.actorName === 'Instruktur Uji')).to.equal(true);
    const reopened = entries.find((entry) => entry.action === 'verdictReopened')!;
    expect(reopened.actorName).to.equal('Koordinator Uji');
    expect(auditWords(reopened)).to.equal(
      'Membuka unit J.620100.004.02 Menggunakan Struktur Data untuk asesmen ulang Peserta Uji 1 (sebelumnya Belum kompeten (BK))',
    );
  });

  it('keeps completion approvals and revocations, enrolment decisions, certification results and exports', async () => {
    const trainee = a.trainees[1]!;
    const place = placeOf(a, trainee.id);
    const record = { record: 'record-7', enrollment: trainee.enrollment, ...place };
    await publish('completion.approved', { actor: a.coordinator.id, ...record, at: new Date() });
    await publish('completion.revoked', { actor: a.coordinator.id, ...record, at: new Date(Date.now() + 1) });
    await withdrawEnrollment(a.coordinator.actor, trainee.enrollment, 'Pindah kota'); // the real service
    // Not decisions: a trainee's own application, the system's own step.
    const change = { enrollment: 'x', ...place, from: null, to: 'applied', enrolledAt: null, at: new Date() };
    await publish('enrolment.changed', { ...change, actor: trainee.id });
    await publish('enrolment.changed', { ...change, actor: null, from: 'waitlisted', to: 'enrolled' });
    const lsp = await makeLsp();
    await publish('certification.result', {
      ...place,
      lsp: lsp.id,
      result: 'K',
      certified: true,
      previous: null,
      at: new Date(),
    });
    await publish('export.made', {
      actor: a.coordinator.id,
      institution: a.institution,
      what: 'cohort-roster',
      format: 'csv',
      rows: 31,
      at: new Date(),
    });

    const entries = (await auditLog(a.coordinator.actor, {})).page.entries.filter((entry) => entry.trainee !== a.trainees[0]!.id);
    const by = (action: string) => entries.filter((entry) => entry.action === action);
    expect(by('completionApproved').map(auditWords)).to.deep.equal(['Menyetujui catatan kelulusan Peserta Uji 2']);
    expect(by('completionRevoked').map(auditWords)).to.deep.equal(['Mencabut catatan kelulusan Peserta Uji 2']);
    expect(by('enrolmentDecision').map(auditWords)).to.include('Pendaftaran Peserta Uji 2: Diterima → Mengundurkan diri');
    expect(by('enrolmentDecision').some((entry) => entry.actor === trainee.id || entry.subject.id === 'x')).to.equal(false);
    const certification = by('certificationResult')[0]!;
    expect(certification.actorKind).to.equal('lsp');
    expect(certification.actorName).to.equal(lsp.name);
    expect(auditWords(certification)).to.equal('Hasil sertifikasi Peserta Uji 2: K (kompeten)');
    expect(by('export').map(auditWords)).to.deep.equal(['Mengunduh cohort-roster (csv, 31 baris)']);
    expect(by('export')[0]!.actorName).to.equal('Koordinator Uji');
  });

  it("shows a coordinator their institution's entries only, and refuses another institution's (page and API)", async () => {
    await graded(b, b.instructor.id, new Date(), 10);
    const outsider = await as(b.coordinator);
    const page = visibleText((await outsider.get('/audit')).text);
    expect(page).to.include('Menilai “Tugas membuat halaman login” milik Peserta Uji 1: 10 dari 10');
    expect(page).not.to.include('6 dari 10');
    expect(page).not.to.include('BLK Makassar');
    expect(page).to.include('tidak dapat diubah atau dihapus');
    const api = await outsider.get('/api/v1/audit');
    expect(api.status).to.equal(200);
    expect(api.body.institution).to.equal(b.institution);
    expect(api.body.entries.length).to.be.greaterThan(0);
    expect(api.body.entries.every((entry: { institution: string }) => entry.institution === b.institution)).to.equal(true);
    expect((await outsider.get(`/api/v1/audit?institution=${a.institution}`)).status).to.equal(403);
    expect((await outsider.get(`/audit?institution=${a.institution}`)).status).to.equal(403);

    for (const person of [a.instructor, a.trainees[0]!]) {
      const agent = await as(person);
      expect((await agent.get('/audit')).status).to.equal(403);
      expect((await agent.get('/api/v1/audit')).status).to.equal(403);
    }
    expect((await supertest(app).get('/api/v1/audit')).status).to.equal(401);
  });

  it('shows an admin every institution, or the one chosen', async () => {
    const institutionsOf = async (query = {}) =>
      new Set((await auditLog(admin.actor, query)).page.entries.map((entry) => entry.institution));
    expect([...(await institutionsOf())]).to.include.members([a.institution, b.institution]);
    expect([...(await institutionsOf({ institution: a.institution }))]).to.deep.equal([a.institution]);
    const page = visibleText((await (await as(admin)).get('/audit')).text);
    expect(page).to.include('BLK Makassar');
    expect(page).to.include('BLK Medan');
  });

  it('filters by action, actor and days, and pages with "older"', async () => {
    const fresh = await completionCohort({ institutionName: 'BLK Kupang' });
    const start = new Date('2025-06-01T02:00:00Z').getTime();
    for (let n = 0; n < 55; n += 1) await graded(fresh, fresh.instructor.id, new Date(start + n * day), n % 11);
    await publish('export.made', {
      actor: fresh.coordinator.id,
      institution: fresh.institution,
      what: 'audit',
      format: 'xlsx',
      rows: 55,
      at: new Date('2025-06-03T05:00:00Z'),
    });
    const coordinator = fresh.coordinator.actor;
    expect(await textsFor(coordinator, { action: 'export' })).to.deep.equal(['Mengunduh audit (xlsx, 55 baris)']);
    expect((await auditLog(coordinator, { actor: fresh.coordinator.id })).page.entries.map((entry) => entry.action)).to.include(
      'export',
    );
    expect(
      (await auditLog(coordinator, { actor: fresh.coordinator.id })).page.entries.every(
        (entry) => entry.actor === fresh.coordinator.id,
      ),
    ).to.equal(true);
    // 3 June WIB: the export and the third grade.
    expect(await textsFor(coordinator, { from: '2025-06-03', to: '2025-06-03' })).to.have.length(2);

    const first = await auditLog(coordinator, { action: 'grade' });
    expect(first.page.entries).to.have.length(50);
    const second = await auditLog(coordinator, { action: 'grade', before: first.page.older! });
    expect(second.page.entries).to.have.length(5);
    expect(second.page.older).to.equal(null);
    const seen = [...first.page.entries, ...second.page.entries].map((entry) => entry.at.getTime());
    expect(new Set(seen).size).to.equal(55);
    expect(seen).to.deep.equal([...seen].sort((x, y) => y - x));

    const agent = await as(fresh.coordinator);
    const html = (await agent.get(`/audit?actor=${fresh.instructor.id}`)).text;
    expect(visibleText(html)).to.include('Hanya tindakan Instruktur Uji');
    expect(html).to.match(/data-older/);
  });

  it('downloads the audit log through the exports, which is itself audited', async () => {
    const agent = await as(a.coordinator);
    const csv = await agent.get('/exports/audit.csv?action=grade');
    expect(csv.status).to.equal(200);
    expect(csv.text).to.include('Instruktur Uji');
    expect(csv.text).not.to.include('BLK Medan');
    const exports = (await auditLog(a.coordinator.actor, { action: 'export' })).page.entries;
    expect(exports.some((entry) => entry.subject.id === 'audit')).to.equal(true);
    expect((await (await as(b.coordinator)).get(`/exports/audit.csv?institution=${a.institution}`)).status).to.equal(403);

    const activity = await agent.get(`/exports/activity.csv?cohort=${a.cohort}&trainee=${a.trainees[0]!.id}`);
    expect(activity.status).to.equal(200);
    expect(activity.text).to.include('Peserta Uji 1');
    const outsider = await (await as(b.coordinator)).get(`/exports/activity.csv?cohort=${a.cohort}&trainee=${a.trainees[0]!.id}`);
    expect(outsider.status).to.equal(403);
  });

  it('offers no way to change or remove an entry', async () => {
    const routes = webRoutesOf(built.web).filter((route) => /audit|activity/.test(route.path));
    expect(routes.map((route) => route.method)).to.deep.equal(['GET', 'GET', 'GET']);
    const document = built.api.openapiDocument() as { paths: Record<string, Record<string, unknown>> };
    const paths = Object.entries(document.paths).filter(([path]) => /audit|activity/.test(path));
    expect(paths.flatMap(([, methods]) => Object.keys(methods))).to.deep.equal(['get', 'get']);

    const [entry] = await allAudit();
    const agent = await as(admin);
    for (const method of ['put', 'patch', 'delete'] as const) {
      expect((await agent[method](`/api/v1/audit/${entry!._id}`).send({})).status, method).to.be.oneOf([403, 404, 405]);
    }
    let refused = 0;
    for (const attempt of [
      () => AuditEntry.updateOne({ _id: entry!._id }, { $set: { actorName: 'Orang lain' } }),
      () => AuditEntry.deleteOne({ _id: entry!._id }),
      () => AuditEntry.deleteMany({}),
    ]) {
      await attempt().catch(() => {
        refused += 1;
      });
    }
    expect(refused).to.equal(3);
    expect((await AuditEntry.findById(entry!._id).lean())?.actorName).to.equal(entry!.actorName);
  });
});
