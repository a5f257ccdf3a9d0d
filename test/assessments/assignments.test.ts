import { buffer } from 'node:stream/consumers';
import { expect } from 'chai';
import supertest from 'supertest';
import yauzl from 'yauzl';
import { Assignment, Submission } from '../../src/assessments/assignments/model.js';
import { StoredFile } from '../../src/files/model.js';
import { binary, samples } from '../files/samples.js';
import { type Agent, buildTestApp, csrfTokenOf, submitForm } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { assessmentCohort, c11, c12, day, otherUnit, unit, visible } from './cohortFixture.js';

/** The names of the entries of a ZIP, and each entry's bytes, read in memory as any unzip tool would. */
async function unzipEntries(zip: Buffer): Promise<{ names: string[]; read: (name: string) => Buffer }> {
  const archive = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: false }, (error, opened) => (error ? reject(error) : resolve(opened))),
  );
  const contents = new Map<string, Buffer>();
  const entryBytes = (entry: yauzl.Entry) =>
    new Promise<Buffer>((resolve, reject) =>
      archive.openReadStream(entry, (error, stream) => (error ? reject(error) : buffer(stream).then(resolve, reject))),
    );
  await new Promise<void>((resolve, reject) => {
    const pending: Promise<void>[] = [];
    archive.on('entry', (entry: yauzl.Entry) => {
      pending.push(entryBytes(entry).then((bytes) => void contents.set(entry.fileName, bytes)));
    });
    archive.on('end', () => Promise.all(pending).then(() => resolve(), reject));
    archive.on('error', reject);
  });
  return { names: [...contents.keys()], read: (name) => contents.get(name) ?? Buffer.alloc(0) };
}

describe('assessments: assignments (portfolio evidence)', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let cohort: string;
  let instructor: Agent;
  let otherInstructor: Agent;
  let ani: Agent;
  let budi: Agent;
  let outsider: Agent;
  let aniId: string;
  let budiId: string;

  before(async () => {
    app = buildTestApp();
    const fixture = await assessmentCohort(app);
    ({ cohort, instructor, otherInstructor, ani, budi, outsider, aniId, budiId } = fixture);
  });

  const assignmentForm = (overrides: Record<string, string | string[]> = {}) => ({
    title: 'Foto praktik struktur data',
    instructions: 'Unggah **foto** hasil praktik.',
    unit,
    criteria: [c11, c12],
    dueDay: day(3),
    dueTime: '17:00',
    kinds: ['image', 'document'],
    maxFiles: '3',
    ...overrides,
  });
  const create = async (overrides: Record<string, string | string[]> = {}) => {
    const response = await submitForm(instructor, `/cohorts/${cohort}/assignments`, assignmentForm(overrides));
    expect(response.status, visible(response.text ?? '')).to.equal(303);
    return /\/assignments\/([0-9a-f]{24})/.exec(String(response.headers.location))![1]!;
  };
  /** A trainee's submit as the form sends it: multipart with the token in the URL, text and maybe a file. */
  const submit = async (agent: Agent, id: string, text: string, file?: { data: Buffer; name: string }) => {
    const token = await csrfTokenOf(agent);
    let request = agent
      .post(`/assignments/${id}/submission?_csrf=${encodeURIComponent(token)}`)
      .set('Accept-Language', 'id')
      .field('text', text);
    if (file) request = request.attach('file', file.data, file.name);
    return request;
  };
  const pastDue = (id: string) => Assignment.updateOne({ _id: id }, { $set: { dueAt: new Date(Date.now() - 60_000) } });

  it('creating refuses bad input with a message beside each field, and stores nothing', async () => {
    const before = await Assignment.countDocuments({ cohort });
    const response = await submitForm(
      instructor,
      `/cohorts/${cohort}/assignments`,
      assignmentForm({ title: '', criteria: [], dueDay: day(-2), maxFiles: '2', kinds: [] }),
    );
    expect(response.status).to.equal(422);
    const text = visible(response.text);
    expect(text).to.include('Wajib diisi');
    expect(text).to.include('Pilih paling sedikit satu kriteria unjuk kerja.');
    const past = await submitForm(instructor, `/cohorts/${cohort}/assignments`, assignmentForm({ dueDay: day(-2) }));
    expect(past.status).to.equal(422);
    expect(visible(past.text)).to.include('Batas waktu harus di masa depan.');
    const foreign = await submitForm(
      instructor,
      `/cohorts/${cohort}/assignments`,
      assignmentForm({ criteria: [`${otherUnit}#1.1`] }),
    );
    expect(foreign.status).to.equal(422);
    expect(visible(foreign.text)).to.include(`Kriteria ini bukan milik unit yang dipilih: ${otherUnit}#1.1.`);
    const noKinds = await submitForm(instructor, `/cohorts/${cohort}/assignments`, assignmentForm({ kinds: [] }));
    expect(visible(noKinds.text)).to.include('Pilih paling sedikit satu jenis berkas');
    expect(await Assignment.countDocuments({ cohort })).to.equal(before);
  });

  it('the trainee sees the assignment, their due date and the time left; staff see it on their overview', async () => {
    const id = await create();
    const page = await ani.get(`/assignments/${id}`);
    expect(page.status).to.equal(200);
    const text = visible(page.text);
    expect(text).to.include('Foto praktik struktur data');
    expect(text).to.include('Batas waktu Anda');
    expect(text).to.match(/\d+ hari \d+ jam lagi/);
    expect(text).to.include('Konsep data diidentifikasi');
    expect(page.text).to.include('<strong>foto</strong>');
    const overview = visible((await instructor.get(`/assignments/${id}`)).text);
    expect(overview).to.include('Ani Lestari');
    expect(overview).to.include('Belum dikumpulkan: 2');
  });

  it('submits text and several files, sniffed: a text file named .pdf is refused and nothing is kept', async () => {
    const id = await create();
    const fake = await submit(ani, id, 'Jawaban saya', { data: Buffer.from('bukan pdf sama sekali'), name: 'laporan.pdf' });
    expect(fake.status).to.equal(422);
    expect(visible(fake.text)).to.include('Isi file ini bukan');
    expect(await Submission.findById(`${id}:${aniId}`).lean()).to.equal(null);
    expect((await submit(ani, id, 'Jawaban saya', { data: samples.png(), name: 'foto.png' })).status).to.equal(303);
    expect((await submit(ani, id, 'Jawaban saya, diperbarui', { data: samples.pdf(), name: 'laporan.pdf' })).status).to.equal(
      303,
    );
    // A double submit of the same photo keeps it once.
    expect((await submit(ani, id, 'Jawaban saya, diperbarui', { data: samples.png(), name: 'foto.png' })).status).to.equal(303);
    const stored = await Submission.findById(`${id}:${aniId}`).lean();
    expect(stored?.text).to.equal('Jawaban saya, diperbarui');
    expect(stored?.files.map((file) => file.name)).to.deep.equal(['foto.png', 'laporan.pdf']);
    expect(stored?.status).to.equal('submitted');
    const page = visible((await ani.get(`/assignments/${id}`)).text);
    expect(page).to.include('Terkumpul');
    expect(page).to.include('foto.png');
    // Before grading, a file can be taken out again; its bytes go with it.
    const photo = stored!.files[0]!.id;
    const removed = await submitForm(ani, `/assignments/${id}/submission/files/${photo}/remove`, {});
    expect(removed.status).to.equal(303);
    const after = await Submission.findById(`${id}:${aniId}`).lean();
    expect(after?.files.map((file) => file.name)).to.deep.equal(['laporan.pdf']);
    expect((await ani.get(`/assignments/${id}/submissions/${aniId}/files/${photo}`)).status).to.equal(404);
    expect(await StoredFile.findById(photo).lean()).to.equal(null);
  });

  it('the due date is enforced on the server; an extension lets one trainee submit late while another is refused', async () => {
    const id = await create();
    const extension = await submitForm(instructor, `/assignments/${id}/extensions`, {
      trainee: budiId,
      dueDay: day(5),
      dueTime: '12:00',
      reason: 'Sakit, ada surat dokter',
    });
    expect(extension.status).to.equal(303);
    await pastDue(id);
    const refused = await submit(ani, id, 'Terlambat');
    expect(refused.status).to.equal(422);
    expect(visible(refused.text)).to.match(/Batas waktu Anda \(\d{4}-\d{2}-\d{2} \d{2}:\d{2} WIB\) sudah lewat/);
    const api = await ani
      .put(`/api/v1/assignments/${id}/submission`)
      .set('x-csrf-token', await csrfTokenOf(ani))
      .send({ text: 'lewat API' });
    expect(api.status).to.equal(422);
    expect(api.body.detail).to.include('sudah lewat');
    expect(await Submission.findById(`${id}:${aniId}`).lean()).to.equal(null);
    expect(visible((await ani.get(`/assignments/${id}`)).text)).to.include('Batas waktu sudah lewat');
    expect((await submit(budi, id, 'Dengan perpanjangan')).status).to.equal(303);
    const budis = await Submission.findById(`${id}:${budiId}`).lean();
    expect(budis?.status).to.equal('submitted');
    expect(budis?.late).to.equal(true);
    expect(visible((await instructor.get(`/assignments/${id}`)).text)).to.include('terlambat (perpanjangan)');
  });

  it('rubric grading: an unmet criterion asks for a resubmission, which the trainee may send after the due date', async () => {
    const id = await create();
    expect((await submit(ani, id, 'Putaran pertama', { data: samples.png(), name: 'foto.png' })).status).to.equal(303);
    const gradePage = await instructor.get(`/assignments/${id}/submissions/${aniId}`);
    const revision = /name="revision" value="(\d+)"/.exec(gradePage.text)![1]!;
    // Accepting with an unmet criterion is refused.
    const bad = await submitForm(instructor, `/assignments/${id}/submissions/${aniId}/grade`, {
      revision,
      'met-0': 'yes',
      'met-1': 'no',
      decision: 'accepted',
    });
    expect(bad.status).to.equal(422);
    expect(visible(bad.text)).to.include('Kiriman hanya bisa diterima bila semua kriteria memenuhi');
    const graded = await submitForm(instructor, `/assignments/${id}/submissions/${aniId}/grade`, {
      revision,
      'met-0': 'yes',
      'comment-0': 'Rapi',
      'met-1': 'no',
      'comment-1': 'Perbandingan belum ada',
      comment: 'Tambahkan tabel perbandingan.',
      decision: 'resubmit',
      resubmitDay: day(7),
      resubmitTime: '23:59',
    });
    expect(graded.status).to.equal(303);
    await pastDue(id); // the cohort's due date passes: the resubmission has its own
    const seen = visible((await ani.get(`/assignments/${id}`)).text);
    expect(seen).to.include('Perlu diperbaiki');
    expect(seen).to.include('Belum memenuhi');
    expect(seen).to.include('Perbandingan belum ada');
    expect(seen).to.include('Tambahkan tabel perbandingan.');
    expect((await submit(ani, id, 'Putaran kedua dengan tabel')).status).to.equal(303);
    const stored = await Submission.findById(`${id}:${aniId}`).lean();
    expect(stored?.round).to.equal(2);
    expect(stored?.status).to.equal('submitted');
    expect(stored?.history).to.have.length(1);
    expect(stored?.history[0]?.grade?.decision).to.equal('resubmit');
    expect(stored?.files.map((file) => file.name)).to.deep.equal(['foto.png']);
  });

  it('two instructors grading at once: the second is told, and the first grade stands', async () => {
    const id = await create();
    await submit(budi, id, 'Kiriman Budi');
    const revision = /name="revision" value="(\d+)"/.exec(
      (await instructor.get(`/assignments/${id}/submissions/${budiId}`)).text,
    )![1]!;
    const grade = (decision: string, comment: string) => ({
      revision,
      'met-0': 'yes',
      'met-1': 'yes',
      comment,
      decision,
      resubmitDay: day(7),
      resubmitTime: '12:00',
    });
    const [first, second] = await Promise.all([
      submitForm(instructor, `/assignments/${id}/submissions/${budiId}/grade`, grade('accepted', 'Bagus')),
      submitForm(instructor, `/assignments/${id}/submissions/${budiId}/grade`, grade('resubmit', 'Ulangi')),
    ]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).to.deep.equal([303, 409]);
    const loser = first.status === 409 ? first : second;
    expect(visible(loser.text)).to.include('sudah dinilai instruktur lain');
    const stored = await Submission.findById(`${id}:${budiId}`).lean();
    const winner = first.status === 303 ? 'Bagus' : 'Ulangi';
    expect(stored?.grade?.comment).to.equal(winner);
    // Through the API too.
    const api = await instructor
      .post(`/api/v1/assignments/${id}/submissions/${budiId}/grade`)
      .set('x-csrf-token', await csrfTokenOf(instructor))
      .send({
        revision: Number(revision),
        criteria: [
          { ref: c11, met: true },
          { ref: c12, met: true },
        ],
        decision: 'accepted',
      });
    expect(api.status).to.equal(409);
  });

  it('downloads every submission as one ZIP with a folder per trainee and an index; staff of this cohort only', async () => {
    const id = await create({ title: 'Arsip' });
    await submit(ani, id, 'Teks Ani', { data: samples.png(), name: 'foto ani.png' });
    await submit(budi, id, 'Teks Budi', { data: samples.pdf(), name: 'laporan.pdf' });
    const response = await instructor.get(`/assignments/${id}/download`).buffer(true).parse(binary);
    expect(response.status).to.equal(200);
    expect(response.headers['content-type']).to.equal('application/zip');
    const zip = await unzipEntries(response.body as Buffer);
    expect(zip.names).to.include.members([
      'Ani Lestari/teks.txt',
      'Ani Lestari/foto ani.png',
      'Budi Santoso/teks.txt',
      'Budi Santoso/laporan.pdf',
      'index.csv',
    ]);
    expect(zip.read('Ani Lestari/foto ani.png').equals(samples.png())).to.equal(true);
    expect(zip.read('Budi Santoso/teks.txt').toString('utf8')).to.equal('Teks Budi');
    const index = zip.read('index.csv').toString('utf8');
    expect(index).to.include('Peserta');
    expect(index).to.include('Ani Lestari');
    expect(index).to.include('Terkumpul');
    const whole = await instructor.get(`/cohorts/${cohort}/assignments/download`).buffer(true).parse(binary);
    expect(whole.status).to.equal(200);
    expect((await unzipEntries(whole.body as Buffer)).names).to.include('Arsip/Ani Lestari/foto ani.png');
    expect((await otherInstructor.get(`/assignments/${id}/download`)).status).to.equal(403);
    expect((await otherInstructor.get(`/cohorts/${cohort}/assignments/download`)).status).to.equal(403);
    expect((await ani.get(`/assignments/${id}/download`)).status).to.equal(403);
  });

  it('refuses staff of another cohort and trainees of another cohort', async () => {
    const id = await create();
    await submit(ani, id, 'Teks', { data: samples.png(), name: 'foto.png' });
    const fileId = (await Submission.findById(`${id}:${aniId}`).lean())!.files[0]!.id;
    expect((await otherInstructor.get(`/assignments/${id}`)).status).to.equal(403);
    expect((await otherInstructor.get(`/assignments/${id}/submissions/${aniId}`)).status).to.equal(403);
    expect((await otherInstructor.get(`/assignments/${id}/submissions/${aniId}/files/${fileId}`)).status).to.equal(403);
    expect((await outsider.get(`/assignments/${id}`)).status).to.equal(403);
    expect((await submit(outsider, id, 'Bukan angkatan saya')).status).to.equal(403);
    expect((await budi.get(`/assignments/${id}/submissions/${aniId}/files/${fileId}`)).status).to.equal(403);
    expect((await ani.get(`/assignments/${id}/submissions/${aniId}/files/${fileId}`)).status).to.equal(200);
    expect((await supertest(app).get(`/api/v1/cohorts/${cohort}/assignments`)).status).to.equal(401);
  });

  it('an assignment with submissions cannot be deleted; one without can', async () => {
    const used = await create();
    await submit(ani, used, 'Ada kiriman');
    const refused = await submitForm(instructor, `/assignments/${used}/delete`, {});
    expect(refused.status).to.equal(409);
    expect(visible(refused.text)).to.include('tidak bisa dihapus: 1 peserta sudah mengumpulkan');
    const unused = await create({ title: 'Tugas tanpa kiriman' });
    // The page asks first, saying what goes, before the delete button.
    const page = visible((await instructor.get(`/assignments/${unused}`)).text);
    expect(page).to.include(
      'Hapus Tugas "Tugas tanpa kiriman" akan dihapus. Belum ada peserta yang mengumpulkan, jadi tidak ada kiriman yang hilang. Ya, hapus tugas',
    );
    expect((await submitForm(instructor, `/assignments/${unused}/delete`, {})).status).to.equal(303);
    expect(await Assignment.findById(unused).lean()).to.equal(null);
  });

  it("the course outline lists the cohort's assignments with the trainee's state and due date", async () => {
    const id = await create({ title: 'Tugas di daftar isi' });
    await submit(budi, id, 'Sudah');
    const outline = await budi.get(`/learn/${cohort}`);
    expect(outline.status).to.equal(200);
    const text = visible(outline.text);
    expect(text).to.match(/Tugas di daftar isi Terkumpul Batas waktu: .+ WIB/);
    expect(visible((await ani.get(`/learn/${cohort}`)).text)).to.match(/Tugas di daftar isi Belum dikumpulkan/);
  });

  it("the API lists a cohort's assignments for staff with counts and for a trainee with their state", async () => {
    const id = await create({ title: 'Lewat API' });
    await submit(ani, id, 'Teks API');
    const staff = await instructor.get(`/api/v1/cohorts/${cohort}/assignments`);
    expect(staff.status).to.equal(200);
    const item = staff.body.items.find((candidate: { id: string }) => candidate.id === id);
    expect(item.counts).to.include({ submitted: 1, none: 1 });
    const mine = await ani.get(`/api/v1/cohorts/${cohort}/assignments`);
    expect(mine.body.items.find((candidate: { id: string }) => candidate.id === id).state).to.equal('submitted');
    expect((await otherInstructor.get(`/api/v1/cohorts/${cohort}/assignments`)).status).to.equal(403);
  });
});
