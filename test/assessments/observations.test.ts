import { expect } from 'chai';
import supertest from 'supertest';
import { Observation } from '../../src/assessments/observations/model.js';
import { UnitResult, type UnitResultDoc, unitResultId } from '../../src/assessments/results/model.js';
import { type Agent, buildTestApp, csrfTokenOf, submitForm } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { assessmentCohort, c11, c12, day, o11, otherUnit, unit, visible } from './cohortFixture.js';

describe('assessments: practical observation checklists', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let cohort: string;
  let otherCohort: string;
  let instructor: Agent;
  let otherInstructor: Agent;
  let ani: Agent;
  let budi: Agent;
  let outsider: Agent;
  let aniId: string;
  let budiId: string;
  let outsiderId: string;

  before(async () => {
    app = buildTestApp();
    const fixture = await assessmentCohort(app);
    ({ cohort, otherCohort, instructor, otherInstructor, ani, budi, outsider, aniId, budiId, outsiderId } = fixture);
  });

  /** The checklist as the form sends it: 1.1 met, 1.2 not yet met with a comment. */
  const checklist = (overrides: Record<string, string> = {}) => ({
    trainee: aniId,
    unit,
    observedDay: day(0),
    observedTime: '00:01',
    activity: 'Bengkel 2, menyusun struktur data',
    'ref-0': c11,
    'met-0': 'yes',
    'comment-0': 'Rapi dan tepat',
    'ref-1': c12,
    'met-1': 'no',
    'comment-1': 'Belum membandingkan dua struktur',
    note: 'Ulangi bagian perbandingan minggu depan.',
    ...overrides,
  });
  /** Opens the checklist for the trainee and unit, as the instructor does, and reads the form's observation id. */
  const openChecklist = async (trainee = aniId) => {
    const page = await instructor.get(`/cohorts/${cohort}/observations/new?trainee=${trainee}&unit=${encodeURIComponent(unit)}`);
    expect(page.status).to.equal(200);
    return { page, id: /name="id" value="([0-9a-f]{24})"/.exec(page.text)![1]! };
  };
  const record = async (overrides: Record<string, string> = {}) => {
    const { id } = await openChecklist(overrides.trainee);
    const response = await submitForm(instructor, `/cohorts/${cohort}/observations`, checklist({ id, ...overrides }));
    expect(response.status, visible(response.text ?? '')).to.equal(303);
    expect(response.headers.location).to.equal(`/observations/${id}?saved=created`);
    return id;
  };
  const evidenceOf = async (trainee: string, id: string) => {
    const result = await UnitResult.findById(unitResultId(cohort, trainee, unit)).lean<UnitResultDoc>();
    return result?.evidence?.[`observation-${id}`] ?? null;
  };
  const api = async (agent: Agent, method: 'post' | 'put' | 'delete', path: string, body?: object, language = 'id') =>
    agent[method](`/api/v1${path}`)
      .set('x-csrf-token', await csrfTokenOf(agent))
      .set('Accept-Language', language)
      .send(body);

  it('the instructor picks trainee and unit, fills the checklist; the unit results get it as evidence and the trainee reads it', async () => {
    const chooser = await instructor.get(`/cohorts/${cohort}/observations/new`);
    expect(chooser.status).to.equal(200);
    expect(visible(chooser.text)).to.include('Lanjut ke daftar periksa');
    expect(visible(chooser.text)).to.include('Ani Lestari');
    const { page } = await openChecklist();
    const form = visible(page.text);
    expect(form).to.include('Ani Lestari');
    expect(form).to.include('Konsep data diidentifikasi');
    expect(form).to.include('Struktur data dibandingkan');
    expect(form).to.include('Tidak diamati');

    const id = await record();
    const evidence = await evidenceOf(aniId, id);
    expect(evidence?.source).to.equal('observation');
    expect(evidence?.title).to.equal('Bengkel 2, menyusun struktur data');
    expect(evidence?.criteria).to.deep.equal([
      { ref: c11, met: true },
      { ref: c12, met: false },
    ]);

    const staffView = visible((await instructor.get(`/observations/${id}?saved=created`)).text);
    expect(staffView).to.include('Observasi disimpan.');
    expect(staffView).to.include('1 memenuhi');
    expect(staffView).to.include('1 belum memenuhi');

    // The trainee, from the course outline to the list to the observation: read only.
    expect((await ani.get(`/learn/${cohort}`)).text).to.include(`href="/cohorts/${cohort}/observations"`);
    const list = visible((await ani.get(`/cohorts/${cohort}/observations`)).text);
    expect(list).to.include('Bengkel 2, menyusun struktur data');
    const mine = await ani.get(`/observations/${id}`);
    expect(mine.status).to.equal(200);
    const text = visible(mine.text);
    expect(text).to.match(/Memenuhi 1\.1 Konsep data diidentifikasi Rapi dan tepat/);
    expect(text).to.match(/Belum memenuhi 1\.2 Struktur data dibandingkan Belum membandingkan dua struktur/);
    expect(text).to.include('Ulangi bagian perbandingan minggu depan.');
    expect(mine.text).not.to.include(`/observations/${id}/edit`);
    expect(mine.text).not.to.include(`/observations/${id}/delete`);
    expect((await ani.get(`/observations/${id}/edit`)).status).to.equal(403);
    expect((await submitForm(ani, `/observations/${id}`, checklist({ revision: '1' }))).status).to.equal(403);

    // The cohort's page links the observations for its staff.
    expect((await instructor.get(`/cohorts/${cohort}`)).text).to.include(`href="/cohorts/${cohort}/observations"`);
  });

  it('a double submit of the same checklist stores one observation', async () => {
    const { id } = await openChecklist(budiId);
    const body = checklist({ id, trainee: budiId, activity: 'Dikirim dua kali' });
    const [first, second] = await Promise.all([
      submitForm(instructor, `/cohorts/${cohort}/observations`, body),
      submitForm(instructor, `/cohorts/${cohort}/observations`, body),
    ]);
    expect([first.status, second.status]).to.deep.equal([303, 303]);
    expect(await Observation.countDocuments({ cohort, trainee: budiId, activity: 'Dikirim dua kali' })).to.equal(1);
    // The same id with other content is another person's save: refused, not overwritten.
    const other = await submitForm(instructor, `/cohorts/${cohort}/observations`, { ...body, activity: 'Lain' });
    expect(other.status).to.equal(409);
    expect(visible(other.text)).to.include('sudah tersimpan dengan isi lain');
    expect((await Observation.findById(id).lean())?.activity).to.equal('Dikirim dua kali');
  });

  it('refuses bad input with a message beside each field in Indonesian, and stores nothing', async () => {
    const before = await Observation.countDocuments({ cohort });
    const { id } = await openChecklist();
    const post = (overrides: Record<string, string>) =>
      submitForm(instructor, `/cohorts/${cohort}/observations`, checklist({ id, ...overrides }));

    const nothing = await post({ 'met-0': '', 'comment-0': '', 'met-1': '', 'comment-1': '' });
    expect(nothing.status).to.equal(422);
    expect(visible(nothing.text)).to.include('Nilai paling sedikit satu kriteria: Memenuhi atau Belum memenuhi.');
    // The checklist is shown again with what was typed.
    expect(nothing.text).to.include('Bengkel 2, menyusun struktur data');

    const blank = await post({ activity: '', observedDay: 'kemarin' });
    expect(blank.status).to.equal(422);
    expect(visible(blank.text)).to.include('Wajib diisi.');
    expect(visible(blank.text)).to.include('Tulis tanggal seperti 2025-03-31.');

    const future = await post({ observedDay: day(3) });
    expect(visible(future.text)).to.include('Waktu observasi tidak boleh di masa depan.');
    const unjudged = await post({ 'met-1': '' });
    expect(visible(unjudged.text)).to.include('Pilih Memenuhi atau Belum memenuhi untuk kriteria yang Anda beri komentar.');
    const foreign = await post({ 'ref-1': o11 });
    expect(foreign.status).to.equal(422);
    expect(visible(foreign.text)).to.include(`Kriteria ini bukan milik unit yang diobservasi: ${o11}.`);
    const stranger = await post({ trainee: outsiderId });
    expect(stranger.status).to.equal(422);
    expect(visible(stranger.text)).to.include('Pilih peserta angkatan ini.');

    // Through the API: problem+json, each field's message in the user's language.
    const apiBad = await api(instructor, 'post', `/cohorts/${cohort}/observations`, {
      trainee: aniId,
      unit,
      observedAt: new Date().toISOString(),
      activity: 'API',
      criteria: [{ ref: `${otherUnit}#1.1`, met: true }],
    });
    expect(apiBad.status).to.equal(422);
    expect(apiBad.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(apiBad.body.errors[0].message).to.equal(`Kriteria ini bukan milik unit yang diobservasi: ${otherUnit}#1.1.`);
    const apiTwice = await api(instructor, 'post', `/cohorts/${cohort}/observations`, {
      trainee: aniId,
      unit,
      observedAt: new Date().toISOString(),
      activity: 'API',
      criteria: [
        { ref: c11, met: true },
        { ref: c11, met: false },
      ],
    });
    expect(apiTwice.status).to.equal(422);
    expect(apiTwice.body.errors[0].message).to.equal('Setiap kriteria hanya boleh dinilai sekali dalam satu observasi.');
    // An API client asking in English is answered in English.
    const english = await api(
      instructor,
      'post',
      `/cohorts/${cohort}/observations`,
      { trainee: aniId, unit, observedAt: new Date().toISOString(), activity: 'API', criteria: [] },
      'en',
    );
    expect(english.status).to.equal(422);
    expect(english.body.errors[0].message).to.equal('Assess at least one criterion: Met or Not yet met.');
    expect(await Observation.countDocuments({ cohort })).to.equal(before);
  });

  it('an edit from a stale revision is refused (409) and nothing is overwritten; the evidence follows the saved edit', async () => {
    const created = await api(instructor, 'post', `/cohorts/${cohort}/observations`, {
      trainee: budiId,
      unit,
      observedAt: new Date(Date.now() - 3_600_000).toISOString(),
      activity: 'Praktik di lab',
      criteria: [{ ref: c11, met: false, comment: 'Belum' }],
    });
    expect(created.status).to.equal(201);
    const id = created.body.id as string;
    expect(created.body.revision).to.equal(1);
    const change = {
      observedAt: created.body.observedAt,
      activity: 'Praktik di lab',
      criteria: [
        { ref: c11, met: true, comment: 'Sudah tepat' },
        { ref: c12, met: true },
      ],
      note: 'Diamati ulang',
      revision: 1,
    };
    const first = await api(instructor, 'put', `/observations/${id}`, change);
    expect(first.status).to.equal(200);
    expect(first.body.revision).to.equal(2);
    // A retry of that same save (its answer lost) is not a conflict: the observation says exactly this.
    expect((await api(instructor, 'put', `/observations/${id}`, change)).status).to.equal(200);

    // A colleague's form, opened at revision 1, saved after: refused, and nothing of it is stored.
    const stale = await api(instructor, 'put', `/observations/${id}`, {
      ...change,
      criteria: [{ ref: c11, met: false, comment: 'Versi lama' }],
    });
    expect(stale.status).to.equal(409);
    expect(stale.body.detail).to.include('diubah orang lain sejak Anda membukanya');
    const staleForm = await submitForm(instructor, `/observations/${id}`, {
      revision: '1',
      observedDay: day(0),
      observedTime: '00:01',
      activity: 'Tertimpa?',
      'ref-0': c11,
      'met-0': 'no',
      'ref-1': c12,
      'met-1': 'no',
    });
    expect(staleForm.status).to.equal(409);
    expect(visible(staleForm.text)).to.include('Perubahan Anda tidak disimpan');
    const stored = await Observation.findById(id).lean();
    expect(stored?.revision).to.equal(2);
    expect(stored?.activity).to.equal('Praktik di lab');
    expect(stored?.criteria.map((item) => [item.ref, item.met, item.comment])).to.deep.equal([
      [c11, true, 'Sudah tepat'],
      [c12, true, ''],
    ]);
    expect((await evidenceOf(budiId, id))?.criteria).to.deep.equal([
      { ref: c11, met: true },
      { ref: c12, met: true },
    ]);

    // The edit form from the page, at the current revision, saves.
    const editPage = await instructor.get(`/observations/${id}/edit`);
    expect(editPage.status).to.equal(200);
    expect(editPage.text).to.match(/name="met-0" value="yes" checked/);
    const revision = /name="revision" value="(\d+)"/.exec(editPage.text)![1]!;
    const saved = await submitForm(instructor, `/observations/${id}`, {
      revision,
      observedDay: day(0),
      observedTime: '00:01',
      activity: 'Praktik di lab',
      'ref-0': c11,
      'met-0': 'yes',
      'ref-1': c12,
      'met-1': 'no',
      'comment-1': 'Perbandingan kurang',
    });
    expect(saved.status, visible(saved.text ?? '')).to.equal(303);
    expect((await evidenceOf(budiId, id))?.criteria).to.deep.equal([
      { ref: c11, met: true },
      { ref: c12, met: false },
    ]);
  });

  it('refuses staff of another cohort, trainees of another cohort, and other trainees of the same cohort', async () => {
    const id = await record({ activity: 'Hanya untuk Ani' });
    expect((await otherInstructor.get(`/cohorts/${cohort}/observations`)).status).to.equal(403);
    expect((await otherInstructor.get(`/cohorts/${cohort}/observations/new`)).status).to.equal(403);
    expect((await otherInstructor.get(`/observations/${id}`)).status).to.equal(403);
    expect((await otherInstructor.get(`/observations/${id}/edit`)).status).to.equal(403);
    expect((await submitForm(otherInstructor, `/cohorts/${cohort}/observations`, checklist())).status).to.equal(403);
    expect((await submitForm(otherInstructor, `/observations/${id}/delete`, {})).status).to.equal(403);
    const change = { observedAt: new Date().toISOString(), activity: 'Bukan angkatan saya', criteria: [], revision: 1 };
    expect((await api(otherInstructor, 'put', `/observations/${id}`, change)).status).to.equal(403);
    expect((await outsider.get(`/observations/${id}`)).status).to.equal(403);
    expect((await outsider.get(`/cohorts/${cohort}/observations`)).status).to.equal(403);
    expect((await budi.get(`/observations/${id}`)).status).to.equal(403);
    expect((await budi.get(`/api/v1/observations/${id}`)).status).to.equal(403);
    // Budi's list holds his own observations only, never Ani's.
    const budis = await budi.get(`/api/v1/cohorts/${cohort}/observations`);
    expect(budis.status).to.equal(200);
    expect(budis.body.items.map((item: { trainee: string }) => item.trainee)).not.to.include(aniId);
    expect(visible((await budi.get(`/cohorts/${cohort}/observations`)).text)).not.to.include('Hanya untuk Ani');
    // Staff of the other cohort cannot record one of this cohort's trainees there either.
    const elsewhere = await api(otherInstructor, 'post', `/cohorts/${otherCohort}/observations`, {
      trainee: aniId,
      unit,
      observedAt: new Date().toISOString(),
      activity: 'Salah angkatan',
      criteria: [{ ref: c11, met: true }],
    });
    expect(elsewhere.status).to.equal(422);
    expect(elsewhere.body.errors[0].message).to.equal('Pilih peserta angkatan ini.');
    expect((await supertest(app).get(`/api/v1/cohorts/${cohort}/observations`)).status).to.equal(401);
    expect(await Observation.findById(id).lean()).to.not.equal(null);
  });

  it('the staff list filters by trainee and unit; the API lists the same', async () => {
    await record({ trainee: budiId, activity: 'Observasi Budi di daftar' });
    const page = visible((await instructor.get(`/cohorts/${cohort}/observations?trainee=${budiId}&unit=`)).text);
    expect(page).to.include('Observasi Budi di daftar');
    expect(page).not.to.include('Hanya untuk Ani');
    const none = visible((await instructor.get(`/cohorts/${cohort}/observations?unit=${encodeURIComponent(otherUnit)}`)).text);
    expect(none).to.include('Belum ada observasi.');
    const listed = await instructor.get(`/api/v1/cohorts/${cohort}/observations?trainee=${budiId}`);
    expect(listed.status).to.equal(200);
    expect(listed.body.items.length).to.be.greaterThan(0);
    expect(listed.body.items.every((item: { trainee: string }) => item.trainee === budiId)).to.equal(true);
  });

  it('delete asks first, then removes the observation and forgets its evidence; a stale delete is refused', async () => {
    const id = await record({ activity: 'Akan dihapus' });
    expect(await evidenceOf(aniId, id)).to.not.equal(null);
    const page = visible((await instructor.get(`/observations/${id}`)).text);
    expect(page).to.include(
      'Hapus Observasi "Akan dihapus" untuk Ani Lestari akan dihapus, beserta hasilnya di rekap unit kompetensi peserta. Ya, hapus observasi',
    );
    // A delete from a page opened before an edit: refused, the observation and its evidence stay.
    await Observation.updateOne({ _id: id }, { $inc: { revision: 1 } });
    const stale = await submitForm(instructor, `/observations/${id}/delete`, { revision: '1' });
    expect(stale.status).to.equal(409);
    expect(await Observation.findById(id).lean()).to.not.equal(null);
    expect(await evidenceOf(aniId, id)).to.not.equal(null);

    const deleted = await submitForm(instructor, `/observations/${id}/delete`, { revision: '2' });
    expect(deleted.status).to.equal(303);
    expect(deleted.headers.location).to.equal(`/cohorts/${cohort}/observations?saved=deleted`);
    expect(await Observation.findById(id).lean()).to.equal(null);
    expect(await evidenceOf(aniId, id)).to.equal(null);
    expect((await ani.get(`/observations/${id}`)).status).to.equal(404);

    const viaApi = await api(instructor, 'post', `/cohorts/${cohort}/observations`, {
      trainee: aniId,
      unit,
      observedAt: new Date().toISOString(),
      activity: 'Hapus lewat API',
      criteria: [{ ref: c12, met: true }],
    });
    expect((await api(instructor, 'delete', `/observations/${viaApi.body.id}`)).status).to.equal(204);
    expect(await evidenceOf(aniId, viaApi.body.id)).to.equal(null);
  });
});
