import { expect } from 'chai';
import mongoose from 'mongoose';
import supertest from 'supertest';
import type { Actor } from '../../src/platform/permissions.js';
import { Program } from '../../src/programs/model.js';
import { loadUnitIndex } from '../../src/units/search.js';
import { saveUnits } from '../../src/units/service.js';
import { type Agent, buildTestApp, csrfTokenOf, loggedInAgent, submitForm } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeSector, makeUser } from '../support/factories.js';
import { unitInput } from './fixtures.js';

/** 30 units of one group (J.620100.001.01 …), so a short list must stop early. */
const group = Array.from({ length: 30 }, (_, index) =>
  unitInput(`J.620100.${String(index + 1).padStart(3, '0')}.01`, `Unit Kelompok ${index + 1}`),
);
const basisData = unitInput('J.620100.020.02', 'Mengelola Basis Data', { description: 'Tabel, indeks dan kueri.' });
const webUnit = unitInput('J.620100.005.02', 'Mengimplementasikan User Interface Web');
const cafe = unitInput('I.55HDR00.001.2', 'Mengelola Basis Data Reservasi Kafe', { sector: 'tourism' });
const proposal = unitInput('J.620100.900.01', 'Menyusun Basis Data Usulan');
/** The form fields of a new program, as typed; the tests add the picker's fields. */
const typed = {
  code: 'JWP-PICK',
  title: 'Pemrograman Web Dasar',
  description: 'Deskripsi yang diketik <b>sebelum</b> mencari.',
  level: '3',
  sector: 'ict',
  prerequisites: 'Lulus SMK',
};

describe('unit picker: search as you type, and the program form without JavaScript', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();
  let instructorAgent: Agent;
  let traineeAgent: Agent;

  before(async () => {
    const institution = (await makeInstitution()).id;
    await makeSector('ict');
    await makeSector('tourism');
    const coordinator = await makeUser('coordinator', institution);
    const instructor = await makeUser('instructor', institution);
    const trainee = await makeUser('trainee', institution);
    const coordinatorActor: Actor = { id: coordinator.id, role: 'coordinator', institution };
    const instructorActor: Actor = { id: instructor.id, role: 'instructor', institution };
    await saveUnits(coordinatorActor, [
      ...group.filter((one) => one.code !== webUnit.code && one.code !== basisData.code),
      webUnit,
      basisData,
      cafe,
    ]);
    await saveUnits(instructorActor, [proposal]); // an instructor's unit is a proposal
    instructorAgent = await loggedInAgent(app, instructor.email, instructor.password);
    traineeAgent = await loggedInAgent(app, trainee.email, trainee.password);
  });

  const search = async (agent: Agent, query: Record<string, string>) => {
    const response = await agent.get('/api/v1/units/search').query(query);
    expect(response.status, JSON.stringify(response.body)).to.equal(200);
    return response.body as {
      items: { code: string; title: { id: string }; sector: string; status: string }[];
      hasMore: boolean;
    };
  };
  const codes = (found: { items: { code: string }[] }) => found.items.map((item) => item.code);

  describe('GET /api/v1/units/search (the session the page has)', () => {
    it('finds by code prefix, in code order, and nothing outside the prefix', async () => {
      const found = await search(instructorAgent, { q: 'j.620100.01' });
      expect(codes(found)).to.deep.equal(
        [10, 11, 12, 13, 14, 15, 16, 17, 18, 19].map((n) => `J.620100.0${n}.01`).filter((code) => code !== 'J.620100.020.02'),
      );
      expect(codes(await search(instructorAgent, { q: 'I.55HDR' }))).to.deep.equal([cafe.code]);
    });

    it('finds by words of the title or description, the last one as a prefix, with title, sector and status', async () => {
      const found = await search(instructorAgent, { q: 'basis dat' });
      expect(codes(found)).to.deep.equal([cafe.code, basisData.code, proposal.code]);
      expect(found.items[1]).to.deep.equal({
        code: basisData.code,
        title: { id: 'Mengelola Basis Data', en: '' },
        sector: 'ict',
        status: 'approved',
      });
      expect(found.items[2]?.status).to.equal('proposed');
      expect(codes(await search(instructorAgent, { q: 'kueri' }))).to.deep.equal([basisData.code]);
      expect(codes(await search(instructorAgent, { q: 'WEB' }))).to.deep.equal([webUnit.code]);
    });

    it('filters by sector', async () => {
      expect(codes(await search(instructorAgent, { q: 'basis data', sector: 'tourism' }))).to.deep.equal([cafe.code]);
      expect(codes(await search(instructorAgent, { q: 'basis data', sector: 'ict' }))).to.deep.equal([
        basisData.code,
        proposal.code,
      ]);
    });

    it('shows trainees approved units only', async () => {
      expect(codes(await search(traineeAgent, { q: 'basis data' }))).to.deep.equal([cafe.code, basisData.code]);
    });

    it('gives at most `limit` units (20 unless asked) and says that more follow', async () => {
      const short = await search(instructorAgent, { q: 'J.620100.0', limit: '5' });
      expect(codes(short)).to.deep.equal([1, 2, 3, 4, 5].map((n) => `J.620100.00${n}.01`));
      expect(short.hasMore).to.equal(true);
      const standard = await search(instructorAgent, { q: 'unit kelompok' });
      expect(standard.items).to.have.length(20);
      expect(standard.hasMore).to.equal(true);
      const all = await search(instructorAgent, { q: 'kafe' });
      expect(all).to.deep.equal({ items: all.items, hasMore: false });
      const tooMany = await instructorAgent.get('/api/v1/units/search').query({ q: 'unit', limit: '500' });
      expect(tooMany.status).to.equal(422);
    });

    it('takes regular-expression characters as plain text: no error, and no match-everything', async () => {
      for (const q of ['(.*', '.*', 'J.[0-9]+', '\\', '$where', '^J']) {
        const found = await search(instructorAgent, { q });
        expect(codes(found), q).to.deep.equal([]);
      }
      // Punctuation around real words is ignored, as in the /units list: no alternation, no grouping.
      expect(codes(await search(instructorAgent, { q: '(kueri)' }))).to.deep.equal([basisData.code]);
      expect(codes(await search(instructorAgent, { q: 'kueri)|(kafe' }))).to.deep.equal([]);
    });

    it('answers from memory: a search sends no query for units to the database (FerretDB would read them all)', async () => {
      await loadUnitIndex();
      const queried: string[] = [];
      mongoose.set('debug', (collection: string, method: string) => {
        if (collection === 'competencyunits') queried.push(method);
      });
      try {
        await search(instructorAgent, { q: 'basis data', sector: 'ict' });
        await search(instructorAgent, { q: 'J.620100' });
      } finally {
        mongoose.set('debug', false);
      }
      expect(queried).to.deep.equal([]);
    });

    it('needs a login', async () => {
      const response = await supertest(app).get('/api/v1/units/search?q=data');
      expect(response.status).to.equal(401);
    });
  });

  describe('the program form without JavaScript', () => {
    const post = async (fields: Record<string, string | string[]>) => submitForm(instructorAgent, '/programs', fields);

    it('shows the picker: no unit chosen yet, a search box, a sector filter and the search button', async () => {
      const page = await instructorAgent.get('/programs/new');
      expect(page.text).to.contain('Belum ada unit yang dipilih.');
      expect(page.text).to.match(/<input type="search" id="f-unitQuery" name="unitQuery"/);
      expect(page.text).to.contain('<label for="f-unitSector">Sektor unit</label>');
      expect(page.text).to.match(/<button type="submit" name="intent" value="searchUnits"[^>]*>Cari unit<\/button>/);
    });

    it('"Cari unit" shows the matches to tick, keeps everything typed, and saves nothing', async () => {
      const response = await post({ ...typed, units: ['', basisData.code], unitQuery: 'basis data', intent: 'searchUnits' });
      expect(response.status).to.equal(200);
      const page = response.text;
      expect(page).to.contain('value="Pemrograman Web Dasar"');
      expect(page).to.contain('Deskripsi yang diketik &lt;b&gt;sebelum&lt;/b&gt; mencari.');
      expect(page).to.contain('Lulus SMK');
      expect(page).to.contain('value="basis data"');
      // The chosen unit stays ticked, with its title; the other matches are offered unticked.
      expect(page).to.match(
        new RegExp(
          `name="units" value="${basisData.code}" checked>\\s*<span class="unit-text"><code>${basisData.code}</code>\\s*Mengelola Basis Data`,
        ),
      );
      expect(page).to.contain('Hasil pencarian unit');
      expect(page).to.match(new RegExp(`<input type="checkbox" name="units" value="${cafe.code.replace(/\./g, '\\.')}">`));
      expect(page).to.match(new RegExp(`<input type="checkbox" name="units" value="${proposal.code}">`));
      expect(page).to.contain('sudah dipilih');
      expect(await Program.countDocuments({ code: typed.code })).to.equal(0);
    });

    it('filters the search by sector and says when nothing matches', async () => {
      const tourism = await post({ ...typed, units: [''], unitQuery: 'basis', unitSector: 'tourism', intent: 'searchUnits' });
      expect(tourism.text).to.contain(`value="${cafe.code}">`);
      expect(tourism.text).not.to.contain(`value="${basisData.code}"`);
      const none = await post({ ...typed, units: [''], unitQuery: 'tidakadasamasekali', intent: 'searchUnits' });
      expect(none.text).to.contain('Tidak ada unit yang cocok.');
    });

    it('Enter in the search box searches; Enter elsewhere once the results are shown saves', async () => {
      const searched = await post({ ...typed, units: [''], unitQuery: 'kafe', unitQueryShown: '', intent: 'enter' });
      expect(searched.status).to.equal(200);
      expect(searched.text).to.contain(`value="${cafe.code}">`);
      expect(searched.text).to.contain('name="unitQueryShown" value="kafe"');
      const saved = await post({
        ...typed,
        code: 'JWP-ENTER',
        units: ['', cafe.code],
        unitQuery: 'kafe',
        unitQueryShown: 'kafe',
        intent: 'enter',
      });
      expect(saved.status).to.equal(303);
      const program = await Program.findOne({ code: 'JWP-ENTER' }).lean();
      expect(program?.units).to.have.length(1);
    });

    it('saves the ticked units in the order chosen, then the pasted ones, each once', async () => {
      const response = await post({
        ...typed,
        units: ['', webUnit.code, basisData.code, `${cafe.code}, ${webUnit.code.toLowerCase()}\n${proposal.code}`],
        intent: 'save',
      });
      expect(response.status).to.equal(303);
      const id = /\/programs\/([0-9a-f]{24})$/.exec(String(response.headers.location))![1]!;
      const show = await instructorAgent.get(`/programs/${id}`);
      const order = [webUnit, basisData, cafe, proposal].map((one) => show.text.indexOf(`<code>${one.code}</code>`));
      expect(order.every((position) => position > 0)).to.equal(true);
      expect([...order].sort((a, b) => a - b)).to.deep.equal(order);

      // Unticking every unit on the edit form empties the list (it does not fall back to the saved units).
      const edit = await instructorAgent.get(`/programs/${id}/edit`);
      expect(edit.text).to.match(new RegExp(`name="units" value="${webUnit.code}" checked`));
      const emptied = await submitForm(instructorAgent, `/programs/${id}`, { ...typed, units: [''], intent: 'save' });
      expect(emptied.status).to.equal(303);
      expect((await Program.findById(id).lean())?.units).to.deep.equal([]);
    });

    it('refuses an unknown code, naming it, keeps it ticked and marked, and keeps what was typed', async () => {
      const response = await post({
        ...typed,
        code: 'JWP-UNKNOWN',
        units: ['', basisData.code, 'J.999999.001.01'],
        intent: 'save',
      });
      expect(response.status).to.equal(422);
      expect(response.text).to.contain('Unit tidak dikenal: J.999999.001.01');
      expect(response.text).to.match(
        /name="units" value="J\.999999\.001\.01" checked>\s*<span class="unit-text"><code>J\.999999\.001\.01<\/code>\s*<span class="unit-meta error">kode ini tidak dikenal; hapus centangnya/,
      );
      expect(response.text).to.match(new RegExp(`name="units" value="${basisData.code}" checked`));
      expect(response.text).to.contain('value="Pemrograman Web Dasar"');
      // The pasted list is empty again: its codes are in the list above, where they can be unticked.
      expect(response.text).to.match(/<textarea id="f-unitPaste" name="units" rows="3"[^>]*><\/textarea>/);
      expect(await Program.countDocuments({ code: 'JWP-UNKNOWN' })).to.equal(0);
    });

    it('needs the CSRF token for a search as for a save', async () => {
      await csrfTokenOf(instructorAgent);
      const response = await instructorAgent
        .post('/programs')
        .type('form')
        .send({ ...typed, unitQuery: 'data', intent: 'searchUnits' });
      expect(response.status).to.equal(403);
    });
  });
});
