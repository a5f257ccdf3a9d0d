import { expect } from 'chai';
import type { Actor } from '../../src/platform/permissions.js';
import { writeWithRevision } from '../../src/platform/revisionedIndex.js';
import { importUnits, parseUnitsCsv } from '../../src/units/import.js';
import { CompetencyUnit } from '../../src/units/model.js';
import type { UnitSearchQuery } from '../../src/units/schemas.js';
import { unitIndexCheckMs } from '../../src/units/search.js';
import { approveUnit, saveUnits, searchUnits } from '../../src/units/service.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';
import { codeOf, unitInput, unitRows, unitsCsv } from './fixtures.js';

const noProgress = async () => undefined;
const everything: UnitSearchQuery = { q: '', code: '', sector: '', status: '', page: 1 };

describe('searching competency units', () => {
  useTestDatabase(import.meta.url);
  let coordinator: Actor;
  let instructor: Actor;
  let trainee: Actor;
  const codesFound = async (actor: Actor, query: Partial<UnitSearchQuery>) =>
    (await searchUnits(actor, { ...everything, ...query })).items.map((found) => found.code);

  before(async () => {
    const institution = (await makeInstitution()).id;
    const [c, i, t] = await Promise.all([
      makeUser('coordinator', institution),
      makeUser('instructor', institution),
      makeUser('trainee', institution),
    ]);
    coordinator = { id: c.id, role: 'coordinator', institution };
    instructor = { id: i.id, role: 'instructor', institution };
    trainee = { id: t.id, role: 'trainee', institution };
    // 30 units of one group (J.620100.001.01 ...) and one of the next group (J.620101.000.01).
    const rows = Array.from({ length: 30 }, (_, index) => unitRows(codeOf(index + 1))).flat();
    await importUnits(coordinator, parseUnitsCsv(unitsCsv([...rows, ...unitRows(codeOf(1000))])), noProgress);
    await saveUnits(coordinator, [
      unitInput('J.620100.101.01', 'Menggunakan Struktur Data'),
      unitInput('J.620100.102.01', 'Menyusun Struktur Organisasi', { description: 'Bagan organisasi tim pengembang.' }),
      unitInput('J.620100.103.01', 'Menggambar Strukturnya Data'),
      unitInput('I.55HDR00.001.2', 'Mengelola Kafé', { sector: 'tourism', description: 'Layanan makanan dan minuman.' }),
    ]);
  });

  it('pages through all units in code order, telling whether more follow', async () => {
    const first = await searchUnits(coordinator, everything);
    expect(first.items).to.have.length(25);
    expect(first).to.include({ hasMore: true, total: null });
    expect(first.items[0]).to.deep.equal({
      code: 'I.55HDR00.001.2',
      title: { id: 'Mengelola Kafé', en: '' },
      sector: 'tourism',
      status: 'approved',
    });
    expect(first.items.slice(1, 4).map((found) => found.code)).to.deep.equal([1, 2, 3].map(codeOf));
    const second = await searchUnits(coordinator, { ...everything, page: 2 });
    expect(second.items.map((found) => found.code)).to.deep.equal([
      ...[25, 26, 27, 28, 29, 30].map(codeOf),
      'J.620100.101.01',
      'J.620100.102.01',
      'J.620100.103.01',
      codeOf(1000),
    ]);
    expect(second).to.include({ hasMore: false, total: 35 });
  });

  it('finds units having all the words, the last one as a prefix, without accents', async () => {
    expect(await codesFound(coordinator, { q: 'struktur dat' })).to.deep.equal(['J.620100.101.01']);
    expect(await codesFound(coordinator, { q: 'Struktur' })).to.deep.equal([
      'J.620100.101.01',
      'J.620100.102.01',
      'J.620100.103.01',
    ]);
    expect(await codesFound(coordinator, { q: 'struktur organisasi tim' })).to.deep.equal(['J.620100.102.01']);
    expect(await codesFound(coordinator, { q: 'data struktur' })).to.deep.equal(['J.620100.101.01', 'J.620100.103.01']);
    expect(await codesFound(coordinator, { q: 'kafe' })).to.deep.equal(['I.55HDR00.001.2']);
    expect(await codesFound(coordinator, { q: 'struktur kafe' })).to.deep.equal([]);
    expect(await codesFound(coordinator, { q: 'tidakadakatasemacamini' })).to.deep.equal([]);
    const many = await searchUnits(coordinator, { ...everything, q: 'unit 6201' });
    expect(many).to.include({ hasMore: true, total: null });
    expect(many.items[0]?.code).to.equal(codeOf(1));
  });

  it('finds units by code prefix and by sector, with words too', async () => {
    expect(await codesFound(coordinator, { code: 'J.620101' })).to.deep.equal([codeOf(1000)]);
    expect(await codesFound(coordinator, { code: 'J.620100.10' })).to.deep.equal([
      'J.620100.101.01',
      'J.620100.102.01',
      'J.620100.103.01',
    ]);
    expect(await codesFound(coordinator, { code: 'J.620100.10', q: 'dat' })).to.deep.equal([
      'J.620100.101.01',
      'J.620100.103.01',
    ]);
    expect(await codesFound(coordinator, { code: 'K.' })).to.deep.equal([]);
    expect(await codesFound(coordinator, { sector: 'tourism' })).to.deep.equal(['I.55HDR00.001.2']);
    expect(await codesFound(coordinator, { sector: 'tourism', q: 'struktur' })).to.deep.equal([]);
    expect(await codesFound(coordinator, { sector: 'ict', code: 'J.620101' })).to.deep.equal([codeOf(1000)]);
  });

  it('shows a changed unit under its new words at once, and an approved one to trainees at once', async () => {
    const code = 'J.620100.201.01';
    expect(await saveUnits(instructor, [unitInput(code, 'Merakit Komputer Meja')])).to.deep.equal(['created']);
    expect(await codesFound(coordinator, { q: 'merakit' })).to.deep.equal([code]);
    expect(await codesFound(coordinator, { q: 'merakit', status: 'approved' })).to.deep.equal([]);
    expect(await codesFound(coordinator, { status: 'proposed' })).to.deep.equal([code]);
    expect(await codesFound(trainee, { q: 'merakit' })).to.deep.equal([]);
    expect(await codesFound(trainee, { q: 'merakit', status: 'proposed' })).to.deep.equal([]);

    expect(await saveUnits(instructor, [unitInput(code, 'Merawat Pencetak Laser')])).to.deep.equal(['updated']);
    expect(await codesFound(coordinator, { q: 'merakit' })).to.deep.equal([]);
    expect(await codesFound(coordinator, { q: 'pencetak las' })).to.deep.equal([code]);

    await approveUnit(coordinator, code);
    const found = await searchUnits(trainee, { ...everything, q: 'pencetak' });
    expect(found.items).to.deep.equal([
      { code, title: { id: 'Merawat Pencetak Laser', en: '' }, sector: 'ict', status: 'approved' },
    ]);
    expect(await codesFound(coordinator, { status: 'proposed' })).to.deep.equal([]);
  });

  it('shows units another process wrote within a second', async () => {
    expect(await codesFound(coordinator, { q: 'hidroponik' })).to.deep.equal([]);
    // Another app process imports a unit and renames one: it stamps its writes, but cannot tell this process.
    await writeWithRevision('competencyunits', async (revision) => {
      const doc = new CompetencyUnit({ ...unitInput('A.011100.001.01', 'Menanam Sayuran Hidroponik'), status: 'approved' });
      await CompetencyUnit.collection.insertOne({ ...doc.toObject(), revision });
      await CompetencyUnit.updateOne({ code: codeOf(2) }, { $set: { 'title.id': 'Memanen Padi Sawah', revision } });
    });
    await new Promise((resolve) => setTimeout(resolve, unitIndexCheckMs + 50));
    expect(await codesFound(coordinator, { q: 'hidroponik' })).to.deep.equal(['A.011100.001.01']);
    expect(await codesFound(coordinator, { q: 'padi sawah' })).to.deep.equal([codeOf(2)]);
    expect(await codesFound(coordinator, { code: 'A.' })).to.deep.equal(['A.011100.001.01']);
    expect((await searchUnits(coordinator, everything)).items[0]?.code).to.equal('A.011100.001.01');
  });
});
