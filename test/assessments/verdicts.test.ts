import { expect } from 'chai';
import { Submission } from '../../src/assessments/assignments/model.js';
import { UnitResult, unitResultId } from '../../src/assessments/results/model.js';
import { recordEvidence } from '../../src/assessments/results/record.js';
import { traineeUnitResults, verdictSummaries } from '../../src/assessments/results/summaries.js';
import { VerdictEvent } from '../../src/assessments/results/verdictModel.js';
import { Cohort } from '../../src/cohorts/model.js';
import { type Agent, buildTestApp, csrfTokenOf, loggedInAgent, submitForm } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';
import { type AssessmentCohort, assessmentCohort, c11, c12, day, otherUnit, unit, visible } from './cohortFixture.js';

describe('assessments: competency verdicts (K/BK), audit trail and re-assessment', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let f: AssessmentCohort;
  let secondInstructor: Agent;
  let secondName: string;

  before(async () => {
    app = buildTestApp();
    f = await assessmentCohort(app);
    // A second instructor of the same cohort, for saves at once.
    const second = await makeUser('instructor', f.institution, { name: 'Dewi Kedua' });
    await Cohort.updateOne({ _id: f.cohort }, { $push: { instructors: second.id } });
    secondInstructor = await loggedInAgent(app, second.email, second.password);
    secondName = 'Dewi Kedua';
  });

  const pagePath = (trainee: string, code = unit) => `/cohorts/${f.cohort}/trainees/${trainee}/units/${code}`;
  const apiPath = (trainee: string, code = unit) => `/api/v1/cohorts/${f.cohort}/trainees/${trainee}/units/${code}`;
  const revisionOn = (html: string) => /name="revision" value="(\d+)"/.exec(html)![1]!;
  const decide = (agent: Agent, trainee: string, fields: Record<string, string>) =>
    submitForm(agent, `${pagePath(trainee)}/verdict`, fields);
  const stored = (trainee: string) => UnitResult.findById(unitResultId(f.cohort, trainee, unit)).lean();
  const events = (trainee: string) =>
    VerdictEvent.find({ unitResult: unitResultId(f.cohort, trainee, unit) })
      .lean()
      .then((rows) => rows.sort((a, b) => a.revision - b.revision));
  /** Evidence on the unit's two criteria, as an assignment grade or an observation records it. */
  const evidence = (trainee: string, id: string, met11: boolean, met12: boolean) =>
    recordEvidence({
      cohort: f.cohort,
      trainee,
      unit,
      source: 'observation',
      id,
      title: `Observasi ${id}`,
      criteria: [
        { ref: c11, met: met11 },
        { ref: c12, met: met12 },
      ],
      by: f.teacherActor.id,
      at: new Date(),
    });

  it('grading an assignment records its evidence: the drill-down shows the criteria met, linked to the submission', async () => {
    const created = await submitForm(f.instructor, `/cohorts/${f.cohort}/assignments`, {
      title: 'Praktik struktur data',
      unit,
      criteria: [c11, c12],
      dueDay: day(3),
      dueTime: '17:00',
      maxFiles: '0',
    });
    expect(created.status, visible(created.text ?? '')).to.equal(303);
    const assignment = /\/assignments\/([0-9a-f]{24})/.exec(String(created.headers.location))![1]!;
    expect((await submitForm(f.ani, `/assignments/${assignment}/submission`, { text: 'Jawaban Ani' })).status).to.equal(303);
    const before = visible((await f.instructor.get(pagePath(f.aniId))).text);
    expect(before).to.include('Belum dinilai');
    expect(before).to.include('Bukti belum lengkap');
    const graded = await submitForm(f.instructor, `/assignments/${assignment}/submissions/${f.aniId}/grade`, {
      revision: String((await Submission.findById(`${assignment}:${f.aniId}`).lean())!.revision),
      'met-0': 'yes',
      'met-1': 'yes',
      decision: 'accepted',
    });
    expect(graded.status).to.equal(303);
    const page = await f.instructor.get(pagePath(f.aniId));
    const seen = visible(page.text);
    expect(seen).to.include('Memenuhi 1.1 Konsep data diidentifikasi');
    expect(seen).to.include('Memenuhi 1.2 Struktur data dibandingkan');
    expect(seen).not.to.include('Belum dinilai');
    expect(seen).to.include('Usulan: Kompeten (K)');
    expect(seen).to.include('Semua kriteria memenuhi dan semua kuis lulus.');
    expect(page.text).to.include(`href="/assignments/${assignment}/submissions/${f.aniId}"`);
    expect(seen).to.include('Praktik struktur data');
  });

  it('a verdict as proposed needs no reason; the verdict names its evidence and the audit keeps who, when, before and after', async () => {
    const page = await f.instructor.get(pagePath(f.aniId));
    expect(revisionOn(page.text)).to.equal('0');
    const saved = await decide(f.instructor, f.aniId, { status: 'K', reason: '', revision: '0' });
    expect(saved.status, visible(saved.text ?? '')).to.equal(303);
    const result = await stored(f.aniId);
    expect(result?.verdict?.status).to.equal('K');
    expect(result?.verdict?.proposed).to.equal('K');
    expect(result?.verdictRevision).to.equal(1);
    expect(result?.verdict?.evidence).to.have.length(1);
    expect(result?.verdict?.evidence[0]).to.match(/^evidence\.assignment-/);
    const trail = await events(f.aniId);
    expect(trail).to.have.length(1);
    expect(trail[0]).to.include({ kind: 'confirm', revision: 1 });
    expect(String(trail[0]!.by)).to.equal(f.teacherActor.id);
    expect(trail[0]!.before).to.equal(null);
    expect(trail[0]!.after).to.include({ status: 'K', proposed: 'K', reason: '' });
    expect(trail[0]!.at).to.be.instanceOf(Date);
    const seen = visible((await f.instructor.get(`${pagePath(f.aniId)}?saved=verdict`)).text);
    expect(seen).to.include('Putusan disimpan.');
    expect(seen).to.include('Putusan: Kompeten (K)');
    expect(seen).to.include('Putusan sesuai usulan');
  });

  it('the same save sent twice (a double click, a retry) is one verdict and one audit row', async () => {
    await evidence(f.budiId, 'retry-1', true, true);
    const fields = { status: 'K', reason: '', revision: '0' };
    expect((await decide(f.instructor, f.budiId, fields)).status).to.equal(303);
    expect((await decide(f.instructor, f.budiId, fields)).status).to.equal(303);
    expect((await stored(f.budiId))?.verdictRevision).to.equal(1);
    expect(await events(f.budiId)).to.have.length(1);
  });

  it('deciding otherwise than proposed needs a reason (said in Indonesian, nothing saved); with one it is an override', async () => {
    await evidence(f.budiId, 'retry-1', true, false); // 1.2 not yet met now: BK proposed
    const refused = await decide(f.instructor, f.budiId, { status: 'K', reason: '  ', revision: '1' });
    expect(refused.status).to.equal(422);
    expect(visible(refused.text)).to.include('Tuliskan alasan: putusan ini berbeda dari usulan (BK).');
    expect((await stored(f.budiId))?.verdictRevision).to.equal(1);
    expect(await events(f.budiId)).to.have.length(1);
    const api = await f.instructor
      .put(`${apiPath(f.budiId)}/verdict`)
      .set('x-csrf-token', await csrfTokenOf(f.instructor))
      .set('Accept-Language', 'en')
      .send({ status: 'K', reason: '', revision: 1 });
    expect(api.status).to.equal(422);
    expect(api.type).to.equal('application/problem+json');
    expect(api.body.errors[0].field).to.equal('reason');
    expect(api.body.errors[0].message).to.include('differs from the proposal (BK)');
    const saved = await decide(f.instructor, f.budiId, {
      status: 'K',
      reason: 'Ditunjukkan langsung saat praktik',
      revision: '1',
    });
    expect(saved.status).to.equal(303);
    const trail = await events(f.budiId);
    expect(trail.at(-1)).to.include({ kind: 'override', revision: 2 });
    expect(trail.at(-1)!.before).to.include({ status: 'K', reason: '' });
    expect(trail.at(-1)!.after).to.include({ status: 'K', proposed: 'BK', reason: 'Ditunjukkan langsung saat praktik' });
  });

  it('a stale page is told who changed the verdict (409), and the verdict saved first stays', async () => {
    const stalePage = await f.instructor.get(pagePath(f.aniId)); // revision 1
    const changed = await decide(secondInstructor, f.aniId, {
      status: 'BK',
      reason: 'Praktik diulang di bengkel',
      revision: revisionOn(stalePage.text),
    });
    expect(changed.status).to.equal(303);
    const late = await decide(f.instructor, f.aniId, {
      status: 'K',
      reason: 'Saya kira K',
      revision: revisionOn(stalePage.text),
    });
    expect(late.status).to.equal(409);
    const seen = visible(late.text);
    expect(seen).to.include(`${secondName} sudah mengubah putusan unit ini`);
    expect(seen).to.include('tidak ada yang tertimpa');
    // The page shown again holds the colleague's verdict and the revision to decide from now.
    expect(seen).to.include('Putusan: Belum kompeten (BK)');
    expect(revisionOn(late.text)).to.equal('2');
    expect(late.text).to.include('Saya kira K'); // what was typed is kept
    const result = await stored(f.aniId);
    expect(result?.verdict).to.include({ status: 'BK', reason: 'Praktik diulang di bengkel' });
    const api = await f.instructor
      .put(`${apiPath(f.aniId)}/verdict`)
      .set('x-csrf-token', await csrfTokenOf(f.instructor))
      .send({ status: 'K', reason: 'x', revision: 1 });
    expect(api.status).to.equal(409);
    expect(api.body.detail).to.include(secondName);
    const trail = await events(f.aniId);
    expect(trail.map((event) => event.kind)).to.deep.equal(['confirm', 'change']);
    expect(trail[1]!.before).to.include({ status: 'K' });
    expect(trail[1]!.after).to.include({ status: 'BK', proposed: 'K' });
  });

  it('two instructors saving at once: one verdict wins whole, the other is told', async () => {
    const revision = String((await stored(f.budiId))!.verdictRevision);
    const [first, second] = await Promise.all([
      decide(f.instructor, f.budiId, { status: 'BK', reason: '', revision }),
      decide(secondInstructor, f.budiId, { status: 'K', reason: 'Cukup bukti', revision }),
    ]);
    expect([first.status, second.status].sort()).to.deep.equal([303, 409]);
    const loser = first.status === 409 ? first : second;
    expect(visible(loser.text)).to.include('sudah mengubah putusan unit ini');
    const winner = first.status === 303 ? { status: 'BK', reason: '' } : { status: 'K', reason: 'Cukup bukti' };
    expect((await stored(f.budiId))?.verdict).to.include(winner);
    expect((await stored(f.budiId))?.verdictRevision).to.equal(Number(revision) + 1);
    expect((await events(f.budiId)).at(-1)!.after).to.include(winner);
  });

  it("the cohort's coordinator sees the drill-down but cannot decide; another cohort's instructor and trainees are refused", async () => {
    const page = await f.coordinatorAgent.get(pagePath(f.aniId));
    expect(page.status).to.equal(200);
    expect(visible(page.text)).to.include('Hanya instruktur angkatan ini yang dapat memberi putusan');
    expect(page.text).not.to.include('name="status"');
    const before = await stored(f.aniId);
    expect((await decide(f.coordinatorAgent, f.aniId, { status: 'K', reason: 'x', revision: '2' })).status).to.equal(403);
    const coordinatorApi = await f.coordinatorAgent
      .put(`${apiPath(f.aniId)}/verdict`)
      .set('x-csrf-token', await csrfTokenOf(f.coordinatorAgent))
      .send({ status: 'K', reason: 'x', revision: 2 });
    expect(coordinatorApi.status).to.equal(403);
    expect((await f.coordinatorAgent.get(apiPath(f.aniId))).status).to.equal(200);
    expect((await f.otherInstructor.get(pagePath(f.aniId))).status).to.equal(403);
    expect((await f.otherInstructor.get(apiPath(f.aniId))).status).to.equal(403);
    expect((await decide(f.otherInstructor, f.aniId, { status: 'K', reason: 'x', revision: '2' })).status).to.equal(403);
    expect((await f.ani.get(pagePath(f.aniId))).status).to.equal(403);
    // A trainee of another cohort is no one's result here.
    expect((await f.instructor.get(pagePath(f.outsiderId))).status).to.equal(404);
    expect((await stored(f.aniId))?.verdictRevision).to.equal(before?.verdictRevision);
  });

  it('re-assessment after BK: a note for the trainee, then new evidence and a new verdict; the audit keeps all', async () => {
    // Ani's verdict is BK (the change above). No note: refused.
    const revision = String((await stored(f.aniId))!.verdictRevision);
    const noNote = await submitForm(f.instructor, `${pagePath(f.aniId)}/reassessment`, { note: '', revision });
    expect(noNote.status).to.equal(422);
    expect(visible(noNote.text)).to.include('Tuliskan catatan untuk peserta');
    const opened = await submitForm(f.instructor, `${pagePath(f.aniId)}/reassessment`, {
      note: 'Ulangi perbandingan struktur data dengan tabel.',
      revision,
    });
    expect(opened.status).to.equal(303);
    const seen = visible((await f.coordinatorAgent.get(pagePath(f.aniId))).text);
    expect(seen).to.include('Asesmen ulang dibuka');
    expect(seen).to.include('Ulangi perbandingan struktur data dengan tabel.');
    // The trainee's side reads it from the results.
    const mine = (await traineeUnitResults(f.cohort, f.aniId)).find((result) => result.unit === unit);
    expect(mine?.reassessment?.note).to.equal('Ulangi perbandingan struktur data dengan tabel.');
    expect(mine?.verdict?.status).to.equal('BK');
    // Only one at a time.
    const again = await submitForm(f.instructor, `${pagePath(f.aniId)}/reassessment`, {
      note: 'Lagi',
      revision: String(Number(revision) + 1),
    });
    expect(again.status).to.equal(409);
    // New evidence, then the new verdict closes the re-assessment.
    await evidence(f.aniId, 'ulang-1', true, true);
    const decided = await decide(f.instructor, f.aniId, { status: 'K', reason: '', revision: String(Number(revision) + 1) });
    expect(decided.status).to.equal(303);
    const result = await stored(f.aniId);
    expect(result?.verdict?.status).to.equal('K');
    expect(result?.reassessment).to.equal(null);
    expect(result?.verdict?.evidence).to.include('evidence.observation-ulang-1');
    const trail = await events(f.aniId);
    expect(trail.map((event) => event.kind)).to.deep.equal(['confirm', 'change', 'reassess', 'change']);
    expect(trail[2]!.note).to.equal('Ulangi perbandingan struktur data dengan tabel.');
    const history = visible((await f.instructor.get(pagePath(f.aniId))).text);
    expect(history).to.include('Riwayat putusan');
    expect(history.match(/Putusan diubah/g)).to.have.length(2);
  });

  it('the API gives the result, proposal, verdict and history; summaries list every result of the cohort', async () => {
    const answer = await f.instructor.get(apiPath(f.aniId));
    expect(answer.status).to.equal(200);
    expect(answer.body.verdict.status).to.equal('K');
    expect(answer.body.proposal.proposed).to.equal('K');
    expect(answer.body.criteria.map((item: { state: string }) => item.state)).to.deep.equal(['met', 'met']);
    expect(answer.body.history).to.have.length(4);
    expect(answer.body.history[0]).to.include({ kind: 'change', revision: 4 });
    expect(answer.body.evidence.some((item: { link: string | null }) => item.link?.startsWith('/assignments/'))).to.equal(true);
    const saved = await f.instructor
      .put(`${apiPath(f.aniId)}/verdict`)
      .set('x-csrf-token', await csrfTokenOf(f.instructor))
      .send({ status: 'BK', reason: 'Perlu diamati sekali lagi', revision: answer.body.revision });
    expect(saved.status).to.equal(200);
    expect(saved.body.verdict).to.include({ status: 'BK', reason: 'Perlu diamati sekali lagi' });
    expect(saved.body.revision).to.equal(answer.body.revision + 1);
    const summaries = await verdictSummaries(f.cohort);
    const byTrainee = Object.fromEntries(summaries.filter((row) => row.unit === unit).map((row) => [row.trainee, row]));
    expect(byTrainee[f.aniId]).to.include({ verdict: 'BK', proposed: 'K', reassessment: false });
    expect(byTrainee[f.budiId]?.proposed).to.equal('BK');
  });

  it('a unit with nothing assessed has no proposal: a verdict there needs a reason, then stands with its audit row', async () => {
    const path = `${pagePath(f.budiId, otherUnit)}/verdict`;
    const refused = await submitForm(f.instructor, path, { status: 'BK', reason: '', revision: '0' });
    expect(refused.status).to.equal(422);
    expect(visible(refused.text)).to.include('Tuliskan alasan: bukti unit ini belum lengkap, jadi belum ada usulan.');
    expect(await UnitResult.findById(unitResultId(f.cohort, f.budiId, otherUnit)).lean()).to.equal(null);
    const saved = await submitForm(f.instructor, path, { status: 'BK', reason: 'Tidak hadir di praktik', revision: '0' });
    expect(saved.status).to.equal(303);
    const result = await UnitResult.findById(unitResultId(f.cohort, f.budiId, otherUnit)).lean();
    expect(result?.verdict).to.include({ status: 'BK', proposed: null, reason: 'Tidak hadir di praktik' });
    const trail = await VerdictEvent.find({ unitResult: unitResultId(f.cohort, f.budiId, otherUnit) }).lean();
    expect(trail.map((event) => event.kind)).to.deep.equal(['override']);
  });

  it('a change whose audit row was not written (a restart in between) gets it on the next read', async () => {
    const id = unitResultId(f.cohort, f.budiId, unit);
    const current = (await stored(f.budiId))!;
    const revision = current.verdictRevision + 1;
    // What a crash right after the verdict's update leaves: the change on the result, no event.
    await UnitResult.updateOne(
      { _id: id },
      {
        $set: {
          'verdict.status': 'BK',
          verdictChange: {
            revision,
            kind: 'change',
            before: { status: current.verdict!.status, proposed: null, reason: '' },
            after: { status: 'BK', proposed: 'BK', reason: '' },
            note: '',
            by: f.teacherActor.id,
            byName: 'Sebelum mati listrik',
            at: new Date(),
          },
        },
        $inc: { verdictRevision: 1 },
      },
    );
    expect((await events(f.budiId)).some((event) => event.revision === revision)).to.equal(false);
    const seen = visible((await f.coordinatorAgent.get(pagePath(f.budiId))).text);
    expect(seen).to.include('Sebelum mati listrik');
    expect((await events(f.budiId)).filter((event) => event.revision === revision)).to.have.length(1);
  });

  it('deleting an assignment forgets the evidence recorded for it', async () => {
    const created = await submitForm(f.instructor, `/cohorts/${f.cohort}/assignments`, {
      title: 'Tugas yang dihapus',
      unit,
      criteria: [c11],
      dueDay: day(3),
      dueTime: '17:00',
      maxFiles: '0',
    });
    const assignment = /\/assignments\/([0-9a-f]{24})/.exec(String(created.headers.location))![1]!;
    // An extension makes a submission record (nothing submitted, so deleting is allowed); evidence on it.
    await submitForm(f.instructor, `/assignments/${assignment}/extensions`, {
      trainee: f.budiId,
      dueDay: day(10),
      dueTime: '12:00',
      reason: 'Sakit',
    });
    await recordEvidence({
      cohort: f.cohort,
      trainee: f.budiId,
      unit,
      source: 'assignment',
      id: `${assignment}:${f.budiId}`,
      title: 'Tugas yang dihapus',
      criteria: [{ ref: c11, met: true }],
      by: f.teacherActor.id,
      at: new Date(),
    });
    const key = `assignment-${assignment}:${f.budiId}`;
    expect(Object.keys((await stored(f.budiId))!.evidence)).to.include(key);
    expect((await submitForm(f.instructor, `/assignments/${assignment}/delete`, {})).status).to.equal(303);
    expect(Object.keys((await stored(f.budiId))!.evidence)).not.to.include(key);
  });
});
