import { expect } from 'chai';
import supertest from 'supertest';
import { AppError } from '../../src/platform/errors.js';
import type { Actor } from '../../src/platform/permissions.js';
import { createLesson, createModule, updateLesson } from '../../src/programs/content.js';
import { Program, ProgramVersion } from '../../src/programs/model.js';
import { publishProgram } from '../../src/programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../../src/programs/schemas.js';
import { createProgram } from '../../src/programs/service.js';
import { unitInput } from '../../src/units/schemas.js';
import { saveUnits } from '../../src/units/service.js';
import { User } from '../../src/users/model.js';
import { samples } from '../files/samples.js';
import { buildTestApp, csrfTokenOf, loggedInAgent, submitForm } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeSector, makeUser } from '../support/factories.js';

const unitA = 'J.620100.004.02';
const unitB = 'J.620100.005.02';

describe('programs: drafts, publishing and versions', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let instructor: Actor & { email: string; password: string };
  let trainee: { email: string; password: string };
  let other: { email: string; password: string };
  /** An instructor of the same institution who does not edit the programs: reads published lessons. */
  let colleague: { email: string; password: string };
  before(async () => {
    app = buildTestApp();
    await makeSector('ict');
    const institution = (await makeInstitution({ name: 'BBPVP Semarang', province: '33' })).id;
    const otherInstitution = (await makeInstitution({ name: 'BLK Ambon', province: '81' })).id;
    const user = await makeUser('instructor', institution);
    instructor = { id: user.id, role: 'instructor', institution, email: user.email, password: user.password };
    trainee = await makeUser('trainee', institution);
    other = await makeUser('instructor', otherInstitution);
    colleague = await makeUser('instructor', institution);
    const coordinator: Actor = { id: (await makeUser('coordinator', institution)).id, role: 'coordinator', institution };
    await saveUnits(
      coordinator,
      [unitA, unitB].map((code, index) =>
        unitInput.parse({
          code,
          title: { id: `Unit ${index + 1}` },
          elements: [{ no: 1, title: 'Elemen', criteria: [{ no: '1.1', text: 'K' }] }],
        }),
      ),
    );
  });

  async function newProgram(code: string, units = [unitA, unitB]) {
    return createProgram(instructor, programSchema.parse({ code, title: `Program ${code}`, level: 3, sector: 'ict', units }));
  }

  it('refuses to publish while a covered unit has no module, naming it', async () => {
    const program = await newProgram('P-COVER');
    await createModule(instructor, program, moduleSchema.parse({ title: 'Modul A', hours: 10, units: [unitA] }));
    const agent = await loggedInAgent(app, instructor.email, instructor.password);
    const refused = await submitForm(agent, `/programs/${program}/publish`, {});
    expect(refused.status).to.equal(422);
    expect(refused.text).to.contain(`Belum dapat diterbitkan: unit ${unitB} belum dicakup modul mana pun.`);
    expect(await ProgramVersion.countDocuments({ program })).to.equal(0);
  });

  it('freezes a version: a running cohort keeps reading it while the draft changes and version 2 is published', async () => {
    const program = await newProgram('P-VERSION', [unitA]);
    const module = await createModule(instructor, program, moduleSchema.parse({ title: 'Modul A', hours: 16, units: [unitA] }));
    const lesson = await createLesson(
      instructor,
      module,
      lessonSchema.parse({ title: 'Pengantar', body: '# Versi pertama\n\nIsi lama.' }),
    );
    expect(await publishProgram(instructor, program)).to.equal(1);

    await updateLesson(instructor, lesson, lessonSchema.parse({ title: 'Pengantar', body: '# Versi kedua\n\nIsi baru.' }));
    const reader = await loggedInAgent(app, colleague.email, colleague.password);
    const stillOld = await reader.get(`/programs/${program}/v/1/lessons/${lesson}`);
    expect(stillOld.status).to.equal(200);
    expect(stillOld.text).to.contain('Versi pertama');
    expect(stillOld.text).not.to.contain('Versi kedua');
    // Trainees read lessons through their cohort (/learn/...), never outside one.
    const outsider = await loggedInAgent(app, trainee.email, trainee.password);
    expect((await outsider.get(`/programs/${program}/v/1/lessons/${lesson}`)).status).to.equal(403);
    const elsewhere = await loggedInAgent(app, other.email, other.password);
    expect((await elsewhere.get(`/programs/${program}/v/1/lessons/${lesson}`)).status).to.equal(403);

    expect(await publishProgram(instructor, program)).to.equal(2);
    expect((await reader.get(`/programs/${program}/v/1/lessons/${lesson}`)).text).to.contain('Versi pertama');
    expect((await reader.get(`/programs/${program}/v/2/lessons/${lesson}`)).text).to.contain('Versi kedua');
    const catalogue = await supertest(app).get(`/catalogue/${program}`);
    expect(catalogue.text).to.contain('Versi 2, terbit');
  });

  it('shows what changed in the draft since the last published version', async () => {
    const program = await newProgram('P-DIFF', [unitA]);
    const module = await createModule(instructor, program, moduleSchema.parse({ title: 'Modul A', hours: 8, units: [unitA] }));
    const lesson = await createLesson(instructor, module, lessonSchema.parse({ title: 'Lama', body: 'x' }));
    await publishProgram(instructor, program);
    await updateLesson(instructor, lesson, lessonSchema.parse({ title: 'Lama', body: 'y', estimatedMinutes: 30 }));
    await createLesson(instructor, module, lessonSchema.parse({ title: 'Materi Tambahan', body: 'z' }));
    const agent = await loggedInAgent(app, instructor.email, instructor.password);
    await submitForm(agent, `/programs/${program}`, {
      code: 'P-DIFF',
      title: 'Judul Baru',
      level: '3',
      sector: 'ict',
      units: unitA,
      instructors: instructor.id,
    });
    const page = await agent.get(`/programs/${program}/changes`);
    expect(page.text).to.contain('Judul program diubah:');
    expect(page.text).to.contain('<del>Program P-DIFF</del> → <ins>Judul Baru</ins>');
    expect(page.text).to.contain('Materi Lama (Modul A) diubah: isi, perkiraan waktu');
    expect(page.text).to.contain('Materi baru di Modul A: Materi Tambahan');
  });

  it('publishes once when three publish the same draft at the same moment, and tells the others why', async () => {
    const program = await newProgram('P-RACE', [unitA]);
    const module = await createModule(instructor, program, moduleSchema.parse({ title: 'Modul', units: [unitA] }));
    const lesson = await createLesson(instructor, module, lessonSchema.parse({ title: 'Materi', body: 'Isi' }));
    const results = await Promise.allSettled([1, 2, 3].map(() => publishProgram(instructor, program)));
    expect(results.filter((result) => result.status === 'fulfilled').map((result) => result.value)).to.deep.equal([1]);
    for (const result of results.filter((outcome) => outcome.status === 'rejected')) {
      const reason = result.reason as AppError;
      expect(reason).to.be.instanceOf(AppError);
      expect(reason.status).to.equal(409);
      expect(['programs.errors.publishedMeanwhile', 'programs.errors.publishInProgress']).to.include(reason.key);
    }

    // Again through the publish button, after a change: one version more, the others see why in their language.
    await updateLesson(instructor, lesson, lessonSchema.parse({ title: 'Materi', body: 'Isi yang diperbaiki' }));
    const agent = await loggedInAgent(app, instructor.email, instructor.password);
    const _csrf = await csrfTokenOf(agent);
    const pages = await Promise.all([1, 2, 3].map(() => agent.post(`/programs/${program}/publish`).type('form').send({ _csrf })));
    expect(pages.map((page) => page.status).sort()).to.deep.equal([303, 409, 409]);
    for (const page of pages.filter((response) => response.status === 409)) {
      expect(page.text).to.match(/Program baru saja diterbitkan oleh orang lain\.|Program ini sedang diterbitkan\./);
    }
    const versions = await ProgramVersion.find({ program }).lean();
    expect(versions.map((version) => [version.version, version.complete]).sort()).to.deep.equal([
      [1, true],
      [2, true],
    ]);
    expect((await Program.findById(program).lean())?.publishedVersion).to.equal(2);
  });

  /** What `send` answers to the instructor when their profile asks for English (the account's language wins over the browser's). */
  async function inEnglish<T>(agent: Awaited<ReturnType<typeof loggedInAgent>>, send: () => Promise<T>): Promise<T> {
    // The name stays as it is: trainees see instructors' names, so a new one is a change to publish.
    const { name } = (await User.findById(instructor.id, { name: 1 }).lean())!;
    const profile = async (language: string) => {
      const saved = await submitForm(agent, '/profile', { name, phone: '', province: '', language });
      expect(saved.status).to.equal(303);
    };
    await profile('en');
    try {
      return await send();
    } finally {
      await profile('id');
    }
  }

  it('refuses to publish a draft unchanged since the last version, saying which, until something changes', async () => {
    const program = await newProgram('P-SAME', [unitA]);
    const module = await createModule(instructor, program, moduleSchema.parse({ title: 'Modul A', hours: 4, units: [unitA] }));
    const lesson = await createLesson(instructor, module, lessonSchema.parse({ title: 'Materi', body: 'Isi' }));
    expect(await publishProgram(instructor, program)).to.equal(1);

    const agent = await loggedInAgent(app, instructor.email, instructor.password);
    const refused = await submitForm(agent, `/programs/${program}/publish`, {});
    expect(refused.status).to.equal(422);
    expect(refused.text).to.contain('Tidak ada perubahan sejak versi 1');
    // The page has no fields: it names the reason instead of pointing under fields.
    expect(refused.text).not.to.contain('Lihat pesan di bawah setiap kolom');
    expect(await ProgramVersion.countDocuments({ program })).to.equal(1);

    // A change trainees would see, in the lesson or in a unit the program covers, may be published.
    await updateLesson(instructor, lesson, lessonSchema.parse({ title: 'Materi', body: 'Isi baru' }));
    expect((await submitForm(agent, `/programs/${program}/publish`, {})).status).to.equal(303);
    const coordinator: Actor = {
      id: (await makeUser('coordinator', instructor.institution)).id,
      role: 'coordinator',
      institution: instructor.institution!,
    };
    await saveUnits(coordinator, [
      unitInput.parse({
        code: unitA,
        title: { id: 'Unit 1 yang dijuduli ulang' },
        elements: [{ no: 1, title: 'Elemen', criteria: [{ no: '1.1', text: 'K' }] }],
      }),
    ]);
    expect((await agent.get(`/programs/${program}/changes`)).text).to.contain(
      `Unit ${unitA} Unit 1 yang dijuduli ulang diubah (judul)`,
    );
    expect(await publishProgram(instructor, program)).to.equal(3);
    const again = await submitForm(agent, `/programs/${program}/publish`, {});
    expect(again.status).to.equal(422);
    expect(again.text).to.contain('Tidak ada perubahan sejak versi 3');
    const english = await inEnglish(agent, () => submitForm(agent, `/programs/${program}/publish`, {}));
    expect(english.status).to.equal(422);
    expect(english.text).to.contain('Nothing changed since version 3').and.not.contain('See the message under each field');
  });

  it('refuses to publish a module without lessons, naming it beside every other reason', async () => {
    const program = await newProgram('P-EMPTY');
    const module = await createModule(instructor, program, moduleSchema.parse({ title: 'Modul Isi', units: [unitA] }));
    await createLesson(instructor, module, lessonSchema.parse({ title: 'Materi', body: 'Isi' }));
    await createModule(instructor, program, moduleSchema.parse({ title: 'Modul Kosong' }));
    await createModule(instructor, program, moduleSchema.parse({ title: 'Modul Hampa' }));
    const agent = await loggedInAgent(app, instructor.email, instructor.password);
    const refused = await submitForm(agent, `/programs/${program}/publish`, {});
    expect(refused.status).to.equal(422);
    expect(refused.text).to.contain('Belum dapat diterbitkan: modul Modul Kosong, Modul Hampa belum berisi materi.');
    expect(refused.text).to.contain(`Belum dapat diterbitkan: unit ${unitB} belum dicakup modul mana pun.`);
    expect(refused.text).not.to.contain('Lihat pesan di bawah setiap kolom');
    const english = await inEnglish(agent, () => submitForm(agent, `/programs/${program}/publish`, {}));
    expect(english.text).to.contain('Cannot publish yet: module Modul Kosong, Modul Hampa has no lessons.');
    expect(await ProgramVersion.countDocuments({ program })).to.equal(0);
  });

  it('renders lesson markdown with no script, handler or javascript: link surviving', async () => {
    const program = await newProgram('P-XSS', [unitA]);
    const module = await createModule(instructor, program, moduleSchema.parse({ title: 'Modul', units: [unitA] }));
    const payloads = [
      '## Aman',
      '<script>alert("skrip")</script>',
      '<img src="x" onerror="alert(\'img\')">',
      '[klik](javascript:alert("link"))',
      '<a href="JaVaScRiPt:alert(1)">campur</a>',
      '<iframe src="https://evil.example"></iframe>',
      '<svg onload="alert(1)"></svg>',
      '<p style="background:url(javascript:alert(1))" onclick="alert(2)">gaya</p>',
      // Images from other sites are refused on saving (test/files/images.test.ts); our own stay images.
      '![gambar](/public/a.png)',
      '[tautan](https://example.com/)',
    ].join('\n\n');
    const lesson = await createLesson(instructor, module, lessonSchema.parse({ title: 'XSS', body: payloads }));
    await publishProgram(instructor, program);
    const reader = await loggedInAgent(app, colleague.email, colleague.password);
    const page = await reader.get(`/programs/${program}/v/1/lessons/${lesson}`);
    const body = page.text.slice(page.text.indexOf('class="lesson-body"'), page.text.indexOf('</article>'));
    expect(body).to.contain('<h2>Aman</h2>');
    expect(body).to.match(/<img src="\/public\/a\.png" alt="gambar" loading="lazy"/);
    expect(body).to.contain('rel="noopener noreferrer nofollow"');
    for (const forbidden of ['<script', 'onerror', 'onload', 'onclick', 'javascript:', '<iframe', '<svg', 'style=']) {
      expect(body.toLowerCase(), forbidden).not.to.contain(forbidden.toLowerCase());
    }
  });

  it('serves lesson files to who may read the lesson, with ranges, and drafts only to editors', async () => {
    const program = await newProgram('P-FILES', [unitA]);
    const module = await createModule(instructor, program, moduleSchema.parse({ title: 'Modul', units: [unitA] }));
    const lesson = await createLesson(
      instructor,
      module,
      lessonSchema.parse({ title: 'Dengan berkas', body: 'Unduh lembar kerja.' }),
    );
    const editor = await loggedInAgent(app, instructor.email, instructor.password);
    const token = await csrfTokenOf(editor);
    const pdf = samples.pdf();
    const upload = await editor
      .post(`/lessons/${lesson}/files?_csrf=${encodeURIComponent(token)}`)
      .attach('file', pdf, { filename: '../../Lembar "Kerja".pdf', contentType: 'application/pdf' });
    expect(upload.status, upload.text.slice(0, 200)).to.equal(303);
    const spoofed = await editor
      .post(`/lessons/${lesson}/files?_csrf=${encodeURIComponent(token)}`)
      .attach('file', samples.html(), { filename: 'soal.pdf', contentType: 'application/pdf' });
    expect(spoofed.status).to.equal(422);
    const edit = await editor.get(`/lessons/${lesson}/edit`);
    const fileId = /files\/([0-9a-f]{24})\/remove/.exec(edit.text)?.[1];
    expect(fileId).to.be.a('string');

    // Before publishing, only editors reach the file, through the preview.
    const reader = await loggedInAgent(app, colleague.email, colleague.password);
    expect((await editor.get(`/programs/${program}/preview/files/${fileId}`)).status).to.equal(200);
    expect((await reader.get(`/programs/${program}/preview/files/${fileId}`)).status).to.equal(403);

    await publishProgram(instructor, program);
    const download = await reader.get(`/programs/${program}/v/1/files/${fileId}?download=1`).buffer(true);
    expect(download.status).to.equal(200);
    expect(download.headers['content-type']).to.equal('application/pdf');
    expect(download.headers['content-disposition']).to.match(/^attachment; filename=/);
    expect(download.headers['content-disposition']).not.to.contain('..');
    const range = await reader.get(`/programs/${program}/v/1/files/${fileId}`).set('Range', 'bytes=0-3');
    expect(range.status).to.equal(206);
    expect(range.headers['content-range']).to.equal(`bytes 0-3/${pdf.length}`);
    expect((await supertest(app).get(`/programs/${program}/v/1/files/${fileId}`)).status).to.equal(302);
    // A file id that is not part of this lesson's version is not served through it.
    expect((await reader.get(`/programs/${program}/v/1/files/000000000000000000000000`)).status).to.equal(404);
    const otherEditor = await loggedInAgent(app, other.email, other.password);
    expect((await otherEditor.get(`/programs/${program}/preview/files/${fileId}`)).status).to.equal(403);
  });

  it('streams an uploaded lesson video with range requests, and refuses a file that is not a video', async () => {
    const program = await newProgram('P-VIDEO', [unitA]);
    const module = await createModule(instructor, program, moduleSchema.parse({ title: 'Modul', units: [unitA] }));
    const lesson = await createLesson(instructor, module, lessonSchema.parse({ title: 'Video praktik' }));
    const editor = await loggedInAgent(app, instructor.email, instructor.password);
    const token = encodeURIComponent(await csrfTokenOf(editor));
    const notVideo = await editor.post(`/lessons/${lesson}/video?_csrf=${token}`).attach('video', samples.pdf(), 'video.webm');
    expect(notVideo.status).to.equal(422);
    const video = samples.webm();
    const uploaded = await editor.post(`/lessons/${lesson}/video?_csrf=${token}`).attach('video', video, 'praktik.webm');
    expect(uploaded.status, uploaded.text.slice(0, 200)).to.equal(303);
    await publishProgram(instructor, program);
    const reader = await loggedInAgent(app, colleague.email, colleague.password);
    const page = await reader.get(`/programs/${program}/v/1/lessons/${lesson}`);
    const source = /<video controls preload="none" src="([^"]+)"/.exec(page.text)?.[1];
    expect(source).to.match(/\/programs\/[0-9a-f]{24}\/v\/1\/files\/[0-9a-f]{24}$/);
    const part = await reader.get(String(source)).set('Range', 'bytes=4-');
    expect(part.status).to.equal(206);
    expect(part.headers['content-type']).to.equal('video/webm');
    expect(part.headers['content-range']).to.equal(`bytes 4-${video.length - 1}/${video.length}`);
  });

  it('reorders modules and lessons with plain forms', async () => {
    const program = await newProgram('P-ORDER', [unitA]);
    const first = await createModule(instructor, program, moduleSchema.parse({ title: 'Modul Pertama', units: [unitA] }));
    await createModule(instructor, program, moduleSchema.parse({ title: 'Modul Kedua', units: [unitA] }));
    const lessonOne = await createLesson(instructor, first, lessonSchema.parse({ title: 'Materi Satu' }));
    await createLesson(instructor, first, lessonSchema.parse({ title: 'Materi Dua' }));
    const agent = await loggedInAgent(app, instructor.email, instructor.password);
    await submitForm(agent, `/modules/${first}/move`, { direction: 'down' });
    await submitForm(agent, `/lessons/${lessonOne}/move`, { direction: 'down' });
    const page = (await agent.get(`/programs/${program}`)).text;
    expect(page.indexOf('Modul Kedua')).to.be.lessThan(page.indexOf('Modul Pertama'));
    expect(page.indexOf('Materi Dua')).to.be.lessThan(page.indexOf('Materi Satu'));
  });

  it('lists published programs in the catalogue, filtered by sector, province and institution', async () => {
    const response = await supertest(app).get('/api/v1/catalogue?sector=ict&province=33');
    expect(response.status).to.equal(200);
    const codes = response.body.items.map((program: { code: string }) => program.code);
    expect(codes).to.include('P-VERSION');
    expect(codes).not.to.include('P-COVER'); // never published
    expect((await supertest(app).get('/api/v1/catalogue?province=81')).body.total).to.equal(0);
    const page = await supertest(app).get('/catalogue?q=version');
    expect(page.text).to.contain('Program P-VERSION');
    expect(page.text).to.contain('BBPVP Semarang');
  });

  it('shows the program form again with errors and saves nothing for unknown units', async () => {
    const agent = await loggedInAgent(app, instructor.email, instructor.password);
    const response = await submitForm(agent, '/programs', { code: 'p baru', title: 'X', level: '12', units: 'J.999999.001.01' });
    expect(response.status).to.equal(422);
    expect(response.text).to.contain('Gunakan 2–30 huruf besar');
    expect(response.text).to.contain('Minimal 3 karakter.');
    expect(await Program.countDocuments({ institution: instructor.institution, title: 'X' })).to.equal(0);
    const unknown = await submitForm(agent, '/programs', {
      code: 'P-UNKNOWN',
      title: 'Tidak dikenal',
      level: '2',
      units: 'J.999999.001.01',
    });
    expect(unknown.text).to.contain('Unit tidak dikenal: J.999999.001.01');
  });
});
