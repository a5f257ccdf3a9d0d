import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { translator } from '../../src/platform/i18n.js';
import type { Actor } from '../../src/platform/permissions.js';
import { importUnits, parseUnitsCsv, parseUnitsJson } from '../../src/units/import.js';
import { CompetencyUnit } from '../../src/units/model.js';
import { searchUnits } from '../../src/units/service.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';
import { codeOf, unitRows, unitsCsv } from './fixtures.js';

const noProgress = async () => undefined;

describe('importing competency units', () => {
  useTestDatabase(import.meta.url);
  let coordinator: Actor;
  let instructor: Actor;
  before(async () => {
    const institution = (await makeInstitution()).id;
    const c = await makeUser('coordinator', institution);
    const i = await makeUser('instructor', institution);
    coordinator = { id: c.id, role: 'coordinator', institution };
    instructor = { id: i.id, role: 'instructor', institution };
  });
  beforeEach(async () => {
    await CompetencyUnit.deleteMany({});
  });

  it('imports a valid CSV into approved units with elements, criteria and guidance', async () => {
    const parsed = parseUnitsCsv(
      unitsCsv([
        ...unitRows('J.620100.004.02', 'Menggunakan Struktur Data'),
        { code: 'tik.pr02.001.01', title_id: 'Mengoperasikan Pengolah Kata' },
      ]),
    );
    expect(parsed.problems).to.deep.equal([]);
    const result = await importUnits(coordinator, parsed, noProgress);
    expect(result.counts).to.deep.equal({ created: 2, updated: 0, unchanged: 0, rejected: 0 });
    const unit = await CompetencyUnit.findOne({ code: 'J.620100.004.02' }).lean();
    expect(unit?.status).to.equal('approved');
    expect(unit?.createdAt).to.be.instanceOf(Date);
    expect(unit?.elements.map((element) => [element.no, element.title, element.criteria.map((c) => c.no)])).to.deep.equal([
      [1, 'Elemen satu', ['1.1', '1.2']],
      [2, 'Elemen dua', ['2.1', '2.2']],
    ]);
    expect(unit?.assessmentGuidance?.knowledge).to.deep.equal(['Pengetahuan A', 'Pengetahuan B']);
    expect(await CompetencyUnit.exists({ code: 'TIK.PR02.001.01' })).not.to.equal(null);
  });

  it('reports each kind of bad line with its number and writes no part of a bad unit', async () => {
    const rows = [
      ...unitRows(codeOf(1)), // lines 2-5: good
      { code: 'BUKAN-KODE', title_id: 'Kode salah' }, // line 6
      { code: '', title_id: 'Tanpa kode' }, // line 7
      { code: codeOf(2), title_id: 'Judul', element_no: 1, element_title: 'E', criterion_no: '1.1', criterion_text: 'K' }, // line 8
      { code: codeOf(2), title_id: 'Judul lain', element_no: 1, criterion_no: '1.2', criterion_text: 'K2' }, // line 9: conflicting title
      { code: codeOf(3), title_id: 'Judul', element_no: 1, element_title: 'E', criterion_no: '1.3', criterion_text: 'K' }, // line 10: misnumbered
      { code: codeOf(4), title_id: 'Judul', criterion_no: '1.1', criterion_text: 'tanpa elemen' }, // line 11
      { code: codeOf(5), title_id: 'Ju', year: 'dua ribu' }, // line 12: short title, bad year
    ];
    const parsed = parseUnitsCsv(unitsCsv(rows));
    const byLine = (line: number) => parsed.problems.filter((problem) => problem.line === line).map((problem) => problem.key);
    expect(byLine(6)).to.deep.equal(['validation.unitCode']);
    expect(byLine(7)).to.deep.equal(['units.import.missingCode']);
    expect(byLine(9)).to.deep.equal(['units.import.conflictingValue']);
    expect(byLine(10)).to.deep.equal(['validation.criterionOrder']);
    expect(byLine(11)).to.deep.equal(['units.import.criterionWithoutElement']);
    expect(byLine(12)).to.include.members(['validation.tooShort', 'validation.invalid']);
    const result = await importUnits(coordinator, parsed, noProgress);
    expect(result.counts.created).to.equal(1);
    expect(result.counts.rejected).to.equal(6);
    expect((await CompetencyUnit.find().lean()).map((unit) => unit.code)).to.deep.equal([codeOf(1)]);
  });

  it('refuses a file without the required columns, and unreadable files, as a whole file (no line is counted)', () => {
    const refusals = [
      parseUnitsCsv('code,title_id\nJ.620100.004.02,X'),
      parseUnitsCsv(`${unitsCsv([])}\n"unterminated`),
      parseUnitsJson('{"code":'),
      parseUnitsJson('{"scheme": {"name": "Tanpa unit"}}'),
    ];
    expect(refusals.map((parsed) => parsed.fileProblem?.key)).to.deep.equal([
      'units.import.missingColumns',
      'units.import.unreadableCsv',
      'units.import.unreadableJson',
      'units.import.notAnArray',
    ]);
    for (const parsed of refusals) expect([parsed.problems, parsed.rejected, parsed.units]).to.deep.equal([[], 0, []]);
  });

  it('imports an SKKNI scheme file as it is kept: units under the scheme, plain titles, lists of context and guidance', async () => {
    // A copy of ../shared/data/skkni-junior-web-programmer.json (public data), so a clean clone has it too.
    const file = await readFile(new URL('./fixtures/skkni-junior-web-programmer.json', import.meta.url), 'utf8');
    const parsed = parseUnitsJson(file);
    expect(parsed.fileProblem).to.equal(undefined);
    expect(parsed.problems).to.deep.equal([]);
    const result = await importUnits(coordinator, parsed, noProgress);
    expect(result.counts).to.deep.equal({ created: 8, updated: 0, unchanged: 0, rejected: 0 });
    const unit = await CompetencyUnit.findOne({ code: 'J.620100.004.02' }).lean();
    expect(unit?.title).to.deep.equal({ id: 'Menggunakan Struktur Data', en: '' });
    expect(unit?.standard).to.deep.equal({ decree: 'Keputusan Menteri Ketenagakerjaan Nomor 282 Tahun 2016', year: 2016 });
    expect(unit?.elements.map((element) => [element.no, element.title, element.criteria.map((c) => c.no)])).to.deep.equal([
      [1, 'Mengidentifikasi konsep data dan struktur data', ['1.1', '1.2']],
      [2, 'Menerapkan struktur data dan akses terhadap struktur data tersebut', ['2.1', '2.2']],
    ]);
    expect(unit?.variableContext?.split('\n')).to.have.length(3);
    expect(unit?.variableContext).to.match(/^Unit ini berhubungan dengan pembuatan struktur data/);
    expect(unit?.assessmentGuidance?.criticalAspects).to.deep.equal([
      'Asesmen kompetensi pada unit dapat dilakukan dalam bentuk pemberian kasus pengembangan algoritma ataupun pemrograman dengan bahasa tertentu (praktik).',
    ]);
    const ui = await CompetencyUnit.findOne({ code: 'J.620100.005.02' }).lean();
    expect(ui?.elements.map((element) => element.criteria.length)).to.deep.equal([4, 5]);
    expect((await CompetencyUnit.findOne({ code: 'J.620100.025.02' }).lean())?.title?.id).to.equal('Melakukan Debugging');
  });

  it("names the wrong field of a unit and says why, in the user's language", async () => {
    const file = JSON.stringify({
      units: [
        { code: codeOf(1), title: 'Judul sebagai teks', variableContext: 'Satu paragraf', assessmentGuidance: 'Praktik' },
        { code: codeOf(2), title: 42 },
        { code: codeOf(3), title: 'Judul', variableContext: [1, 2] },
        { code: codeOf(4), title: { id: 'Judul', en: 'Title' }, assessmentGuidance: 7 },
      ],
    });
    const parsed = parseUnitsJson(file);
    const say = (language: 'id' | 'en') =>
      parsed.problems.map(
        (problem) => `${problem.line} ${problem.field}: ${translator(language)(problem.key, problem.params ?? {})}`,
      );
    expect(say('id')).to.deep.equal([
      '2 title: harus berupa teks (judul bahasa Indonesia) atau {id, en}.',
      '3 variableContext: harus berupa teks atau daftar teks.',
      '4 assessmentGuidance: harus berupa teks, daftar teks, atau {knowledge, skills, attitudes, criticalAspects, prerequisites}.',
    ]);
    expect(say('en')[0]).to.equal('2 title: must be text (the Indonesian title) or {id, en}.');
    const result = await importUnits(coordinator, parsed, noProgress);
    expect(result.counts).to.deep.equal({ created: 1, updated: 0, unchanged: 0, rejected: 3 });
    const saved = await CompetencyUnit.findOne({ code: codeOf(1) }).lean();
    expect([saved?.title?.id, saved?.variableContext, saved?.assessmentGuidance?.criticalAspects]).to.deep.equal([
      'Judul sebagai teks',
      'Satu paragraf',
      ['Praktik'],
    ]);
  });

  it('updates on re-import instead of duplicating, and counts unchanged units', async () => {
    const csv = unitsCsv([...unitRows(codeOf(1)), ...unitRows(codeOf(2))]);
    await importUnits(coordinator, parseUnitsCsv(csv), noProgress);
    const again = await importUnits(coordinator, parseUnitsCsv(csv), noProgress);
    expect(again.counts).to.deep.equal({ created: 0, updated: 0, unchanged: 2, rejected: 0 });
    const changed = await importUnits(coordinator, parseUnitsCsv(unitsCsv(unitRows(codeOf(1), 'Judul baru'))), noProgress);
    expect(changed.counts.updated).to.equal(1);
    expect(await CompetencyUnit.countDocuments()).to.equal(2);
    expect((await CompetencyUnit.findOne({ code: codeOf(1) }).lean())?.title?.id).to.equal('Judul baru');
  });

  it('updates many changed units in one import, and search finds them by their new titles at once', async function () {
    this.timeout(60_000);
    const codes = Array.from({ length: 120 }, (_, index) => codeOf(index + 1));
    await importUnits(coordinator, parseUnitsCsv(unitsCsv(codes.flatMap((code) => unitRows(code)))), noProgress);
    const revised = unitsCsv(codes.flatMap((code, index) => unitRows(code, `Judul Revisi ${index + 1}`)));
    const changed = await importUnits(coordinator, parseUnitsCsv(revised), noProgress);
    expect(changed.counts).to.deep.equal({ created: 0, updated: 120, unchanged: 0, rejected: 0 });
    expect((await CompetencyUnit.findOne({ code: codes[119] }).lean())?.title?.id).to.equal('Judul Revisi 120');
    const lastPage = await searchUnits(coordinator, { q: 'judul revis', code: '', sector: '', status: '', page: 5 });
    expect(lastPage).to.include({ hasMore: false, total: 120 });
    expect(lastPage.items.map((unit) => unit.title.id)).to.include('Judul Revisi 120');
  });

  it('imports the same file concurrently without duplicates', async () => {
    const csv = unitsCsv(Array.from({ length: 60 }, (_, index) => unitRows(codeOf(index + 1))).flat());
    const results = await Promise.all([1, 2, 3].map(() => importUnits(coordinator, parseUnitsCsv(csv), noProgress)));
    expect(await CompetencyUnit.countDocuments()).to.equal(60);
    const created = results.reduce((sum, result) => sum + result.counts.created, 0);
    expect(created).to.equal(60);
    for (const result of results) expect(result.problems).to.deep.equal([]);
  });

  it('imports thousands of lines in batches, reporting progress', async function () {
    this.timeout(120_000);
    const csv = unitsCsv(Array.from({ length: 1200 }, (_, index) => unitRows(codeOf(index + 1))).flat()); // 4,800 lines
    const reports: number[] = [];
    const result = await importUnits(coordinator, parseUnitsCsv(csv), async ({ processed }) => {
      reports.push(processed);
    });
    expect(result.counts.created).to.equal(1200);
    expect(reports).to.deep.equal([0, 500, 1000, 1200]);
    expect(await CompetencyUnit.countDocuments()).to.equal(1200);
  });

  it('makes an instructor import proposals and refuses changes to approved units', async () => {
    await importUnits(coordinator, parseUnitsCsv(unitsCsv(unitRows(codeOf(1)))), noProgress);
    const csv = unitsCsv([...unitRows(codeOf(1), 'Diubah instruktur'), ...unitRows(codeOf(2))]);
    const result = await importUnits(instructor, parseUnitsCsv(csv), noProgress);
    expect(result.counts).to.include({ created: 1, rejected: 1 });
    expect(result.problems).to.deep.equal([{ line: 2, key: 'units.errors.approvedByOthers', params: { code: codeOf(1) } }]);
    expect((await CompetencyUnit.findOne({ code: codeOf(2) }).lean())?.status).to.equal('proposed');
    expect((await CompetencyUnit.findOne({ code: codeOf(1) }).lean())?.title?.id).to.equal(`Unit ${codeOf(1)}`);
  });

  it('imports JSON in the export shape, reporting items by position', async () => {
    const items = [
      { code: codeOf(1), title: { id: 'Satu' }, elements: [{ no: 1, title: 'E', criteria: [{ no: '1.1', text: 'K' }] }] },
      { code: codeOf(1), title: { id: 'Ganda' } },
      { code: 'X', title: { id: 'Kode salah' } },
    ];
    const parsed = parseUnitsJson(JSON.stringify(items));
    expect(parsed.problems.map((problem) => [problem.line, problem.key])).to.deep.equal([
      [2, 'units.import.duplicateCode'],
      [3, 'validation.unitCode'],
    ]);
    expect((await importUnits(coordinator, parsed, noProgress)).counts.created).to.equal(1);
  });
});
