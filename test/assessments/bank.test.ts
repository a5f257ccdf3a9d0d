import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import supertest from 'supertest';
import { parseGift } from '../../src/assessments/formats/index.js';
import { Question } from '../../src/assessments/model.js';
import { translator } from '../../src/platform/i18n.js';
import type { Actor } from '../../src/platform/permissions.js';
import { programSchema } from '../../src/programs/schemas.js';
import { createProgram } from '../../src/programs/service.js';
import { unitInput } from '../../src/units/schemas.js';
import { saveUnits } from '../../src/units/service.js';
import { type Agent, buildTestApp, csrfTokenOf, loggedInAgent, submitForm } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';

const unitA = 'J.620100.004.02';
const unitB = 'J.620100.005.02';
const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
const t = translator('id');
const en = translator('en');
/** The text of a page as a reader sees it, tags and entities aside. */
const visible = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
/** The error shown right after the field with this id, if any. */
const errorBeside = (html: string, fieldId: string) =>
  new RegExp(`id="${fieldId}-error">([^<]*)<`).exec(html)?.[1]?.replace(/&#39;/g, "'");

describe('assessments: the question bank of a program', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let owner: Agent;
  let program: string;
  let otherProgram: string;
  let instructor: Actor;
  let ownerCredentials: { email: string; password: string };

  before(async () => {
    app = buildTestApp();
    const institution = (await makeInstitution({ name: 'BLK Bandung' })).id;
    const coordinator: Actor = { id: (await makeUser('coordinator', institution)).id, role: 'coordinator', institution };
    await saveUnits(coordinator, [
      unitInput.parse({
        code: unitA,
        title: { id: 'Menggunakan Struktur Data' },
        elements: [
          {
            no: 1,
            title: 'Mengidentifikasi konsep data dan struktur data',
            criteria: [
              { no: '1.1', text: 'Konsep data diidentifikasi' },
              { no: '1.2', text: 'Alternatif struktur data dibandingkan' },
            ],
          },
          { no: 2, title: 'Menerapkan struktur data', criteria: [{ no: '2.1', text: 'Struktur data diterapkan' }] },
        ],
      }),
      unitInput.parse({
        code: unitB,
        title: { id: 'Mengimplementasikan User Interface' },
        // Element 1 has criteria 1.1 like unitA's: a question tagged with both must keep them apart.
        elements: [
          {
            no: 1,
            title: 'Membuat rancangan',
            criteria: [
              { no: '1.1', text: 'Mock-up dibuat' },
              { no: '1.2', text: 'Alur navigasi dirancang' },
              { no: '1.3', text: 'Rancangan diuji' },
              { no: '1.4', text: 'Rancangan didokumentasikan' },
            ],
          },
          { no: 2, title: 'Membuat tampilan', criteria: [{ no: '2.1', text: 'Tag HTML dipakai' }] },
        ],
      }),
    ]);
    const user = await makeUser('instructor', institution);
    instructor = { id: user.id, role: 'instructor', institution };
    ownerCredentials = { email: user.email, password: user.password };
    program = await createProgram(
      instructor,
      programSchema.parse({ code: 'JWP', title: 'Junior Web Programmer', level: 2, units: [unitA, unitB] }),
    );
    otherProgram = await createProgram(
      instructor,
      programSchema.parse({ code: 'JWP-2', title: 'Angkatan kedua', level: 2, units: [unitA, unitB] }),
    );
    owner = await loggedInAgent(app, user.email, user.password);
  });

  // In the order they were added: a database's natural order moves an edited document (FerretDB on PostgreSQL does).
  const inBank = (programId = program) => Question.find({ program: programId }).sort({ createdAt: 1, _id: 1 }).lean();

  describe('the question form, per type', () => {
    const cases: {
      type: string;
      good: Record<string, string | string[]>;
      bad: Record<string, string | string[]>;
      field: string;
      message: string;
    }[] = [
      {
        type: 'single',
        good: {
          text: 'Struktur data LIFO adalah …',
          optionText: ['Stack', 'Queue', 'Tree', ''],
          correct: '0',
          units: unitA,
          elements: `${unitA}#1`,
          criteria: `${unitA}#1.1`,
        },
        bad: { text: 'Tanpa jawaban benar', optionText: ['Stack', 'Queue', ''] },
        field: 'f-options',
        message: t('assessments.errors.singleOneCorrect'),
      },
      {
        type: 'multiple',
        good: { text: 'Pilih struktur data dinamis', optionText: ['Linked list', 'Array statis', 'Stack'], correct: ['0', '2'] },
        bad: { text: 'Satu pilihan saja', optionText: ['Linked list', '', ''], correct: '0' },
        field: 'f-options',
        message: t('assessments.errors.tooFewOptions'),
      },
      {
        type: 'trueFalse',
        good: { text: 'Indeks array JavaScript dimulai dari 0.', answer: 'true', feedbackFalse: 'Indeks dimulai dari 0.' },
        bad: { text: 'Tanpa jawaban' },
        field: 'f-answer',
        message: t('validation.required'),
      },
      {
        type: 'shortAnswer',
        good: { text: 'Tag HTML untuk tautan?', answerText: ['a', 'anchor', ''], answerFraction: ['1', '0.5', '1'] },
        bad: { text: 'Tidak ada jawaban penuh', answerText: ['anchor', ''], answerFraction: ['0.5', '1'] },
        field: 'f-answers',
        message: t('assessments.errors.noFullAnswer'),
      },
      {
        type: 'numeric',
        good: { text: 'Berapa 7 / 2?', answerValue: ['3,5', ''], answerTolerance: ['0.01', ''], answerFraction: ['1', '1'] },
        bad: { text: 'Bukan angka', answerValue: ['', 'tiga'], answerTolerance: ['', ''], answerFraction: ['1', '1'] },
        field: 'f-answerValue-1',
        message: t('assessments.errors.notANumber'),
      },
      {
        type: 'matching',
        good: {
          text: 'Pasangkan elemen HTML',
          pairPrompt: ['<ul>', '<ol>', ''],
          pairMatch: ['daftar tidak berurutan', 'daftar berurutan', ''],
          extraMatches: 'tabel',
        },
        bad: { text: 'Satu pasangan', pairPrompt: ['<ul>', ''], pairMatch: ['daftar', ''] },
        field: 'f-pairs',
        message: t('assessments.errors.matchingTooFew'),
      },
      {
        type: 'essay',
        good: { text: 'Jelaskan langkah membuat mock-up.', minWords: '50', maxWords: '300', units: unitB },
        bad: { text: 'Batas terbalik', minWords: '300', maxWords: '50' },
        field: 'f-maxWords',
        message: t('assessments.errors.essayWordRange'),
      },
    ];

    for (const { type, good, bad, field, message } of cases) {
      it(`${type}: bad input shows its message beside the field and saves nothing; good input is saved, listed, previewed and edited`, async () => {
        const before = (await inBank()).length;
        const refused = await submitForm(owner, `/programs/${program}/questions`, { type, points: '1', ...bad });
        expect(refused.status).to.equal(422);
        expect(errorBeside(refused.text, field), refused.text.match(/class="error"[^<]*<\/p>/g)?.join('\n')).to.equal(message);
        // What was typed stays in the form.
        expect(refused.text).to.include(String(bad.text));
        expect((await inBank()).length).to.equal(before);

        const created = await submitForm(owner, `/programs/${program}/questions`, { type, points: '2', ...good });
        expect(created.status, created.text.slice(0, 500)).to.equal(303);
        const questionPath = created.headers.location!.replace(/\?.*$/, '');
        const stored = (await inBank()).at(-1)!;
        expect(stored.content.type).to.equal(type);
        expect(stored.revision).to.equal(1);

        const list = await owner.get(`/programs/${program}/questions?type=${type}`);
        expect(visible(list.text)).to.include(String(good.text).replace('…', ''));
        expect(visible(list.text)).to.include(t(`assessments.types.${type}`));

        const preview = await owner.get(questionPath);
        expect(preview.status).to.equal(200);
        expect(visible(preview.text)).to.include(t('assessments.bank.asTrainee'));

        // The edit form comes filled in; sending it back with a new text is one revision up.
        const edit = await owner.get(`${questionPath}/edit`);
        expect(edit.status).to.equal(200);
        const changed = await submitForm(owner, questionPath, {
          ...good,
          type,
          points: '2',
          revision: '1',
          text: `${good.text} (diubah)`,
        });
        expect(changed.status, changed.text.slice(0, 500)).to.equal(303);
        const after = await Question.findById(stored._id).lean();
        expect(after!.revision).to.equal(2);
        expect(after!.content.text).to.match(/\(diubah\)$/);
        expect(after!.key).to.not.equal(stored.key);
      });
    }

    it('shows the preview without the answer and the key to the author, with the correct answer graded in full', async () => {
      const created = await submitForm(owner, `/programs/${program}/questions`, {
        type: 'single',
        text: 'Manakah **struktur data** FIFO?',
        optionText: ['Queue', 'Stack', 'Graph'],
        optionFeedback: ['Benar: antrean.', '', ''],
        correct: '0',
        points: '4',
      });
      const preview = await owner.get(created.headers.location!);
      expect(preview.text).to.include('<strong>struktur data</strong>');
      const [traineePart, keyPart] = preview.text.split(t('assessments.bank.grading'));
      expect(visible(traineePart!)).to.include('Queue').and.include('Graph').and.not.include('Benar: antrean.');
      expect(visible(keyPart!)).to.include('✓ Queue').and.include('Benar: antrean.');
      expect(visible(keyPart!)).to.include(t('assessments.bank.fullMarks', { percent: '100%', points: 4 }));
    });

    it('refuses a second question identical to one in the bank (409, said beside the text), and an edit that would make one', async () => {
      const fields = { type: 'single', text: 'Soal kembar?', optionText: ['Ya', 'Tidak'], correct: '0', points: '1' };
      expect((await submitForm(owner, `/programs/${program}/questions`, fields)).status).to.equal(303);
      const twice = await submitForm(owner, `/programs/${program}/questions`, { ...fields, optionText: ['tidak', ' YA '] });
      expect(twice.status).to.equal(409);
      expect(errorBeside(twice.text, 'f-text')).to.equal(t('assessments.bank.errors.duplicate'));
      expect((await inBank()).filter((question) => question.content.text === 'Soal kembar?')).to.have.length(1);

      const other = await submitForm(owner, `/programs/${program}/questions`, { ...fields, text: 'Soal lain?' });
      const response = await submitForm(owner, other.headers.location!.replace(/\?.*$/, ''), { ...fields, revision: '1' });
      expect(response.status).to.equal(409);
      expect((await inBank()).filter((question) => question.content.text === 'Soal kembar?')).to.have.length(1);
    });

    it('refuses an edit from a stale form: the second of two instructors saving is told, and the first change stays', async () => {
      const created = await submitForm(owner, `/programs/${program}/questions`, {
        type: 'trueFalse',
        text: 'Dua penyunting.',
        answer: 'true',
      });
      const path = created.headers.location!.replace(/\?.*$/, '');
      expect(
        (await submitForm(owner, path, { type: 'trueFalse', text: 'Dua penyunting (pertama).', answer: 'true', revision: '1' }))
          .status,
      ).to.equal(303);
      const late = await submitForm(owner, path, {
        type: 'trueFalse',
        text: 'Dua penyunting (kedua).',
        answer: 'false',
        revision: '1',
      });
      expect(late.status).to.equal(409);
      expect(visible(late.text)).to.include(t('assessments.bank.errors.changed'));
      const stored = await Question.findOne({ 'content.text': 'Dua penyunting (pertama).' }, null, {
        comment: 'scan: test lookup',
      }).lean();
      expect(stored?.revision).to.equal(2);
    });

    it('deletes a question after its confirmation', async () => {
      const created = await submitForm(owner, `/programs/${program}/questions`, { type: 'essay', text: 'Akan dihapus.' });
      const path = created.headers.location!.replace(/\?.*$/, '');
      const preview = await owner.get(path);
      expect(preview.text).to.include('details class="confirm-delete"');
      const deleted = await submitForm(owner, `${path}/delete`, {});
      expect(deleted.status).to.equal(303);
      expect(deleted.headers.location).to.equal(`/programs/${program}/questions?saved=deleted`);
      expect((await owner.get(path)).status).to.equal(404);
    });

    it('keeps criterion 1.1 of two units apart: the form ticks each under its unit, the list and preview name each unit', async () => {
      const created = await submitForm(owner, `/programs/${program}/questions`, {
        type: 'essay',
        text: 'Rancang struktur data untuk tampilan daftar.',
        units: [unitA, unitB],
        elements: [`${unitA}#1`, `${unitB}#1`],
        criteria: [`${unitA}#1.1`, `${unitB}#1.1`, `${unitB}#1.2`],
      });
      expect(created.status, created.text.slice(0, 500)).to.equal(303);
      const path = created.headers.location!.replace(/\?.*$/, '');
      const stored = (await inBank()).at(-1)!;
      expect(stored.content).to.deep.include({
        units: [unitA, unitB],
        elements: [`${unitA}#1`, `${unitB}#1`],
        criteria: [`${unitA}#1.1`, `${unitB}#1.1`, `${unitB}#1.2`],
      });

      const edit = await owner.get(`${path}/edit`);
      const ticked = [...edit.text.matchAll(/name="criteria" value="([^"]+)" checked/g)].map((match) => match[1]);
      expect(ticked).to.deep.equal([`${unitA}#1.1`, `${unitB}#1.1`, `${unitB}#1.2`]);
      expect(edit.text).to.include(`name="criteria" value="${unitA}#1.2">`);

      const expected = `${unitA} · KUK 1.1 · ${unitB} · KUK 1.1, 1.2`;
      expect(visible((await owner.get(path)).text)).to.include(expected);
      expect(visible((await owner.get(`/programs/${program}/questions?type=essay`)).text)).to.include(expected);
    });

    it('refuses a criterion its unit does not have, and one of a unit not ticked, naming each', async () => {
      const before = (await inBank()).length;
      const unknown = await submitForm(owner, `/programs/${program}/questions`, {
        type: 'essay',
        text: 'KUK yang tidak ada',
        units: [unitA],
        elements: `${unitA}#3`,
        criteria: [`${unitA}#1.1`, `${unitA}#1.9`],
      });
      expect(unknown.status).to.equal(422);
      expect(visible(unknown.text)).to.include(t('assessments.bank.errors.unknownCriteria', { refs: `${unitA}#1.9` }));
      expect(visible(unknown.text)).to.include(t('assessments.bank.errors.unknownElements', { refs: `${unitA}#3` }));
      // What was ticked stays ticked.
      expect(unknown.text).to.include(`name="criteria" value="${unitA}#1.1" checked`);

      const unticked = await submitForm(owner, `/programs/${program}/questions`, {
        type: 'essay',
        text: 'KUK dari unit yang tidak dicentang',
        units: [unitA],
        criteria: `${unitB}#1.1`,
      });
      expect(unticked.status).to.equal(422);
      expect(visible(unticked.text)).to.include(t('assessments.errors.refUnitNotListed', { ref: `${unitB}#1.1`, unit: unitB }));
      expect((await inBank()).length).to.equal(before);
    });

    it('refuses a unit the program does not cover', async () => {
      const response = await submitForm(owner, `/programs/${program}/questions`, {
        type: 'essay',
        text: 'Unit asing',
        units: 'J.620100.099.01',
      });
      expect(response.status).to.equal(422);
      expect(visible(response.text)).to.include(t('assessments.bank.errors.foreignUnits', { codes: 'J.620100.099.01' }));
    });
  });

  describe('import and export', () => {
    const importForm = async (
      programId: string,
      fields: { text?: string; format?: string },
      file?: { name: string; content: string },
    ) => {
      const request = owner
        .post(`/programs/${programId}/questions/import?_csrf=${encodeURIComponent(await csrfTokenOf(owner))}`)
        .set('Accept-Language', 'id')
        .field('format', fields.format ?? '')
        .field('text', fields.text ?? '');
      return file ? request.attach('file', Buffer.from(file.content), file.name) : request;
    };

    it('imports the GIFT fixture, then adds nothing when it is imported again', async () => {
      const expected = parseGift(fixture('bank.gift')).questions.length;
      expect(expected).to.be.greaterThan(5);
      const fresh = await createProgram(
        instructor,
        programSchema.parse({ code: 'GIFT-1', title: 'Impor GIFT', level: 2, units: [unitA, unitB] }),
      );
      const first = await importForm(fresh, {}, { name: 'bank.gift', content: fixture('bank.gift') });
      expect(first.status, first.text.slice(0, 600)).to.equal(303);
      expect(first.headers.location).to.equal(`/programs/${fresh}/questions?imported=${expected}&existing=0`);
      const page = await owner.get(first.headers.location!);
      expect(visible(page.text)).to.include(t('assessments.bank.import.done', { added: expected, existing: 0 }));
      expect(await inBank(fresh)).to.have.length(expected);

      const again = await importForm(fresh, {}, { name: 'bank.gift', content: fixture('bank.gift') });
      expect(again.headers.location).to.equal(`/programs/${fresh}/questions?imported=0&existing=${expected}`);
      expect(await inBank(fresh)).to.have.length(expected);
    });

    it('two imports of the same paste at once store each question once', async () => {
      const fresh = await createProgram(
        instructor,
        programSchema.parse({ code: 'GIFT-2', title: 'Impor ganda', level: 2, units: [unitA, unitB] }),
      );
      const [one, two] = await Promise.all([
        importForm(fresh, { text: fixture('bank.gift') }),
        importForm(fresh, { text: fixture('bank.gift') }),
      ]);
      expect([one.status, two.status]).to.deep.equal([303, 303]);
      expect(await inBank(fresh)).to.have.length(parseGift(fixture('bank.gift')).questions.length);
    });

    it('stores nothing from a file with bad questions, and reports each with its line in the user language', async () => {
      const before = (await inBank()).length;
      const response = await importForm(program, { format: 'gift' }, { name: 'bad.gift', content: fixture('bad.gift') });
      expect(response.status).to.equal(422);
      const report = visible(/id="import-report">([\s\S]*?)<\/div>/.exec(response.text)![1]!);
      expect(report).to.include(t('assessments.bank.import.line', { line: 3 }));
      expect(report).to.include(t('assessments.import.gift.unclosedBrace'));
      expect(report).to.include(t('assessments.import.gift.noCorrectAnswer'));
      expect((await inBank()).length).to.equal(before);

      const english = await owner
        .post(`/api/v1/programs/${program}/question-imports`)
        .set('x-csrf-token', await csrfTokenOf(owner))
        .set('Accept-Language', 'en')
        .send({ text: fixture('bad.gift'), format: 'gift' });
      expect(english.status).to.equal(422);
      const lines = english.body.errors.map((error: { field: string; message: string }) => `${error.field}: ${error.message}`);
      expect(lines).to.include(`line 3: ${en('assessments.import.gift.unclosedBrace')}`);
      expect((await inBank()).length).to.equal(before);
    });

    it('imports Aiken, and refuses a paste naming a unit the program lacks without storing the rest', async () => {
      const fresh = await createProgram(
        instructor,
        programSchema.parse({ code: 'AIK', title: 'Impor Aiken', level: 2, units: [unitA] }),
      );
      const aiken = await importForm(fresh, { text: fixture('bank.txt') });
      expect(aiken.headers.location).to.equal(`/programs/${fresh}/questions?imported=2&existing=0`);
      const stored = await inBank(fresh);
      expect(stored.map((question) => question.content.type)).to.deep.equal(['single', 'single']);

      // The GIFT fixture tags questions with unitB, which this program does not cover.
      const refused = await importForm(fresh, { text: fixture('bank.gift') });
      expect(refused.status).to.equal(422);
      expect(visible(refused.text)).to.include(t('assessments.bank.errors.foreignUnits', { codes: unitB }));
      expect(await inBank(fresh)).to.have.length(2);
    });

    it('exports JSON that imports into another program with every question equal; GIFT and Aiken download with their names', async () => {
      const source = await createProgram(
        instructor,
        programSchema.parse({ code: 'SRC', title: 'Sumber', level: 2, units: [unitA, unitB] }),
      );
      await importForm(source, { text: fixture('bank.gift') });
      const json = await owner.get(`/programs/${source}/questions/export?format=json`);
      expect(json.status).to.equal(200);
      expect(json.headers['content-disposition']).to.match(/attachment; filename="?bank-soal-SRC-\d{4}-\d{2}-\d{2}\.json"?$/);
      const imported = await importForm(otherProgram, { text: json.text });
      expect(imported.status, imported.text.slice(0, 600)).to.equal(303);
      const contents = async (id: string) =>
        (await inBank(id))
          .map((question) => ({ key: question.key, content: question.content }))
          .sort((a, b) => a.key.localeCompare(b.key));
      expect(await contents(otherProgram)).to.deep.equal(await contents(source));

      const gift = await owner.get(`/programs/${source}/questions/export?format=gift&unit=${unitB}`);
      expect(gift.headers['content-disposition']).to.include(`bank-soal-SRC-${unitB}-`).and.include('.gift.txt');
      expect(gift.text).to.include('Tag HTML').and.not.include('LIFO');

      const aiken = await owner.get(`/programs/${source}/questions/export?format=aiken`);
      const singles = (await inBank(source)).filter((question) => question.content.type === 'single').length;
      expect(aiken.text.match(/^ANSWER: [A-Z]$/gm)).to.have.length(singles);
      expect(Number(aiken.headers['x-skipped-questions'])).to.equal((await inBank(source)).length - singles);
    });
  });

  describe('two units with the same criterion numbers, through files and the API', () => {
    const twoUnitsGift = [
      `// unit: ${unitA}, ${unitB} element: ${unitA}#1, ${unitB}#1 criteria: ${unitA}#1.1, ${unitB}#1.1`,
      'Struktur data untuk daftar di tampilan? {=Array ~Graph}',
      '',
      `// unit: ${unitB} element: 1 criteria: 1.1`,
      'Mock-up dibuat sebelum kode? {T}',
    ].join('\n');
    const importText = async (programId: string, text: string, language = 'id') =>
      owner
        .post(`/api/v1/programs/${programId}/question-imports`)
        .set('x-csrf-token', await csrfTokenOf(owner))
        .set('Accept-Language', language)
        .send({ text });
    const tagsIn = async (programId: string) =>
      (await inBank(programId))
        .map(({ content: { text, units, elements, criteria } }) => ({ text, units, elements, criteria }))
        .sort((a, b) => a.text.localeCompare(b.text));

    it('keeps them apart through GIFT import and export and a JSON round trip into another program', async () => {
      const source = await createProgram(
        instructor,
        programSchema.parse({ code: 'DUA-1', title: 'Dua unit', level: 2, units: [unitA, unitB] }),
      );
      const imported = await importText(source, twoUnitsGift);
      expect(imported.status, JSON.stringify(imported.body)).to.equal(201);
      const expected = [
        { text: 'Mock-up dibuat sebelum kode?', units: [unitB], elements: [`${unitB}#1`], criteria: [`${unitB}#1.1`] },
        {
          text: 'Struktur data untuk daftar di tampilan?',
          units: [unitA, unitB],
          elements: [`${unitA}#1`, `${unitB}#1`],
          criteria: [`${unitA}#1.1`, `${unitB}#1.1`],
        },
      ];
      expect(await tagsIn(source)).to.deep.equal(expected);

      const gift = await owner.get(`/programs/${source}/questions/export?format=gift`);
      expect(gift.text).to.include(
        `// unit: ${unitA},${unitB} element: ${unitA}#1,${unitB}#1 criteria: ${unitA}#1.1,${unitB}#1.1\n`,
      );
      expect(gift.text).to.include(`// unit: ${unitB} element: 1 criteria: 1.1\n`);
      // The exported GIFT imported again finds both questions (keys ignore tags), adding nothing.
      expect((await importText(source, gift.text)).body).to.deep.equal({ format: 'gift', added: 0, existing: 2 });

      const json = await owner.get(`/programs/${source}/questions/export?format=json`);
      expect(JSON.parse(json.text).questions.map((question: { criteria: string[] }) => question.criteria)).to.deep.include([
        `${unitA}#1.1`,
        `${unitB}#1.1`,
      ]);
      const target = await createProgram(
        instructor,
        programSchema.parse({ code: 'DUA-2', title: 'Dua unit, salinan', level: 2, units: [unitA, unitB] }),
      );
      expect((await importText(target, json.text)).status).to.equal(201);
      expect(await tagsIn(target)).to.deep.equal(expected);
    });

    it('refuses a file with a criterion number whose unit is unclear, or one its unit lacks, each with its line, storing nothing', async () => {
      const fresh = await createProgram(
        instructor,
        programSchema.parse({ code: 'DUA-3', title: 'Dua unit, salah', level: 2, units: [unitA, unitB] }),
      );
      const response = await importText(
        fresh,
        [
          `// unit: ${unitA}, ${unitB} criteria: 1.1`,
          'KUK 1.1 dari unit yang mana? {T}',
          '',
          `// unit: ${unitB} criteria: 3.1`,
          'KUK yang tidak ada di unitnya. {T}',
          '',
          'Soal yang baik. {T}',
        ].join('\n'),
        'en',
      );
      expect(response.status).to.equal(422);
      const lines = response.body.errors.map((error: { field: string; message: string }) => `${error.field}: ${error.message}`);
      expect(lines).to.deep.equal([
        `line 2: ${en('assessments.import.gift.whichUnit', { ref: '1.1', units: `${unitA}, ${unitB}`, example: `${unitA}#1.1` })}`,
        `line 5 (criteria): ${en('assessments.bank.errors.unknownCriteria', { refs: `${unitB}#3.1` })}`,
      ]);
      expect(await inBank(fresh)).to.have.length(0);
    });

    it('keeps them apart through the API, and refuses a criterion its unit lacks (422, named)', async () => {
      const issued = await supertest(app).post('/api/v1/auth/token').send(ownerCredentials);
      const call = (method: 'post' | 'get', path: string) =>
        supertest(app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${issued.body.token}`).set('Accept-Language', 'en');
      const content = {
        type: 'essay',
        text: 'Jelaskan struktur data untuk rancangan tampilan.',
        units: [unitA, unitB],
        criteria: [`${unitA}#1.1`, `${unitB}#1.1`],
      };
      const created = await call('post', `/programs/${program}/questions`).send({ content });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect((await call('get', `/questions/${created.body.id}`)).body.content.criteria).to.deep.equal([
        `${unitA}#1.1`,
        `${unitB}#1.1`,
      ]);
      const refused = await call('post', `/programs/${program}/questions`).send({
        content: { ...content, text: 'Lain', criteria: [`${unitB}#1.5`] },
      });
      expect(refused.status).to.equal(422);
      expect(JSON.stringify(refused.body)).to.include(en('assessments.bank.errors.unknownCriteria', { refs: `${unitB}#1.5` }));
    });
  });

  describe('API', () => {
    let token: string;
    before(async () => {
      const issued = await supertest(app).post('/api/v1/auth/token').send(ownerCredentials);
      token = issued.body.token;
    });
    const call = (method: 'get' | 'post' | 'put' | 'delete', path: string) =>
      supertest(app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`).set('Accept-Language', 'en');

    it('creates, reads, lists, changes and deletes a question; a duplicate and a stale revision are 409', async () => {
      const content = {
        type: 'numeric',
        text: 'How many bits in a byte?',
        answers: [{ value: 8, fraction: 1 }],
        units: [unitA],
        tags: ['api'],
      };
      const created = await call('post', `/programs/${program}/questions`).send({ content });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect(created.body.revision).to.equal(1);
      expect(created.body.content.answers[0]).to.include({ value: 8, tolerance: 0, fraction: 1 });
      expect((await call('post', `/programs/${program}/questions`).send({ content })).status).to.equal(409);

      const list = await call('get', `/programs/${program}/questions?tag=api`);
      expect(list.body.items.map((item: { id: string }) => item.id)).to.deep.equal([created.body.id]);
      expect(list.body.perUnit[unitA]).to.be.greaterThan(0);

      const changed = await call('put', `/questions/${created.body.id}`).send({
        revision: 1,
        content: { ...content, points: 2 },
      });
      expect(changed.status).to.equal(200);
      expect(changed.body.revision).to.equal(2);
      const stale = await call('put', `/questions/${created.body.id}`).send({ revision: 1, content: { ...content, points: 3 } });
      expect(stale.status).to.equal(409);
      expect((await call('get', `/questions/${created.body.id}`)).body.content.points).to.equal(2);

      const bad = await call('post', `/programs/${program}/questions`).send({
        content: { type: 'single', text: 'x', options: [{ text: 'a' }] },
      });
      expect(bad.status).to.equal(422);

      expect((await call('delete', `/questions/${created.body.id}`)).status).to.equal(204);
      expect((await call('get', `/questions/${created.body.id}`)).status).to.equal(404);
    });

    it('imports through the API, reporting added and already there', async () => {
      const fresh = await createProgram(
        instructor,
        programSchema.parse({ code: 'API-IMP', title: 'Impor API', level: 2, units: [unitA, unitB] }),
      );
      const first = await call('post', `/programs/${fresh}/question-imports`).send({ text: fixture('bank.json') });
      expect(first.status).to.equal(201);
      expect(first.body).to.deep.equal({ format: 'json', added: 2, existing: 0 });
      const again = await call('post', `/programs/${fresh}/question-imports`).send({
        text: fixture('bank.json'),
        format: 'json',
      });
      expect(again.body).to.deep.equal({ format: 'json', added: 0, existing: 2 });
    });
  });
});
