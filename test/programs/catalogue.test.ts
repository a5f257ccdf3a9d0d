import { expect } from 'chai';
import supertest from 'supertest';
import type { Actor } from '../../src/platform/permissions.js';
import { catalogueInstitutions, programsPerPage } from '../../src/programs/catalogue.js';
import { createLesson, createModule } from '../../src/programs/content.js';
import { publishProgram } from '../../src/programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../../src/programs/schemas.js';
import { createProgram, listEditablePrograms, updateProgram } from '../../src/programs/service.js';
import { buildTestApp, loggedInAgent } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeSector, makeUser } from '../support/factories.js';

type Entry = {
  id: string;
  code: string;
  title: string;
  sector: string;
  province: string;
  institutionName: string;
  modules: number;
};
type Page = { items: Entry[]; page: number; hasMore: boolean; total: number | null };

describe('programs: the public catalogue', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let bandung: Actor;
  let ambon: Actor;
  let ambonId: string;
  let admin: Actor & { email: string; password: string };
  /** Every program published in this file: the catalogue lists exactly these. */
  const published: { title: string; sector: string; province: string; institution: string }[] = [];

  before(async () => {
    app = buildTestApp();
    await makeSector('ict');
    await makeSector('agri');
    const west = await makeInstitution({ name: 'BLK Bandung', province: '32' });
    const east = await makeInstitution({ name: 'BLK Ambon', province: '81' });
    await makeInstitution({ name: 'BLK Aceh', province: '11' }); // publishes nothing
    ambonId = east.id;
    bandung = { id: (await makeUser('coordinator', west.id)).id, role: 'coordinator', institution: west.id };
    ambon = { id: (await makeUser('coordinator', east.id)).id, role: 'coordinator', institution: east.id };
    const adminUser = await makeUser('admin');
    admin = { id: adminUser.id, role: 'admin', institution: null, email: adminUser.email, password: adminUser.password };
  });

  const catalogue = async (query: Record<string, string | number> = {}): Promise<Page> =>
    (await supertest(app).get('/api/v1/catalogue').query(query).expect(200)).body;

  async function draft(editor: Actor, code: string, title: string, sector: string) {
    const id = await createProgram(
      editor,
      programSchema.parse({ code, title, level: 2, sector, description: `Pelatihan ${title}` }),
    );
    const module = await createModule(editor, id, moduleSchema.parse({ title: 'Modul 1', hours: 8 }));
    const lesson = await createLesson(editor, module, lessonSchema.parse({ title: 'Pengantar', body: `Isi ${title}` }));
    return { id, lesson };
  }

  async function publishNew(editor: Actor, code: string, title: string, sector: string) {
    const program = await draft(editor, code, title, sector);
    await publishProgram(editor, program.id);
    published.push({
      title,
      sector,
      province: editor === ambon ? '81' : '32',
      institution: editor === ambon ? 'BLK Ambon' : 'BLK Bandung',
    });
    return program;
  }

  it('lists a program as soon as it is published, and then its newest version, never its draft', async () => {
    expect((await catalogue({ q: 'hidroponik' })).total).to.equal(0);
    const program = await publishNew(bandung, 'HID-01', 'Budidaya Hidroponik', 'agri');
    await draft(bandung, 'HID-02', 'Hidroponik Lanjut', 'agri'); // never published

    const listed = await catalogue({ q: 'hidroponik' });
    expect(listed.items.map((entry) => [entry.title, entry.institutionName, entry.province, entry.modules])).to.deep.equal([
      ['Budidaya Hidroponik', 'BLK Bandung', '32', 1],
    ]);

    await updateProgram(
      bandung,
      program.id,
      programSchema.parse({ code: 'HID-01', title: 'Hidroponik Modern', level: 2, sector: 'agri' }),
    );
    expect(
      (await catalogue({ q: 'hidroponik' })).items.map((entry) => entry.title),
      'the draft is not published',
    ).to.deep.equal(['Budidaya Hidroponik']);
    await publishProgram(bandung, program.id);
    published[published.length - 1]!.title = 'Hidroponik Modern';
    expect((await catalogue({ q: 'hidroponik' })).items.map((entry) => entry.title)).to.deep.equal(['Hidroponik Modern']);
    expect((await catalogue({ q: 'budidaya' })).total, 'the old title is gone').to.equal(0);
    const page = await supertest(app).get(`/api/v1/catalogue/${program.id}`).expect(200);
    expect(page.body.version).to.equal(2);
    expect(page.body.program.title).to.equal('Hidroponik Modern');
  });

  it('filters by sector, province, institution and words (the last as typed so far), 20 to a page by title', async () => {
    for (let n = 1; n <= 12; n += 1) {
      const number = String(n).padStart(2, '0');
      await publishNew(bandung, `JK-${number}`, `Jaringan Komputer ${number}`, 'ict');
    }
    for (let n = 1; n <= 9; n += 1) await publishNew(ambon, `PO-0${n}`, `Pertanian Organik 0${n}`, 'agri');
    await publishNew(ambon, 'JN-01', 'Jaringan Nirkabel', 'ict');
    const titles = (page: Page) => page.items.map((entry) => entry.title);
    const all = published.map((program) => program.title).sort();
    expect(all.length).to.be.greaterThan(programsPerPage);

    const first = await catalogue();
    expect(titles(first)).to.deep.equal(all.slice(0, programsPerPage));
    expect(first.hasMore).to.equal(true);
    expect(first.total).to.equal(all.length);
    const second = await catalogue({ page: 2 });
    expect(titles(second)).to.deep.equal(all.slice(programsPerPage));
    expect(second.hasMore).to.equal(false);
    expect((await catalogue({ page: 3 })).items).to.deep.equal([]);

    const ict = await catalogue({ sector: 'ict' });
    expect(titles(ict)).to.deep.equal(
      published
        .filter((p) => p.sector === 'ict')
        .map((p) => p.title)
        .sort(),
    );
    expect(titles(await catalogue({ province: '81' }))).to.deep.equal(
      published
        .filter((p) => p.province === '81')
        .map((p) => p.title)
        .sort(),
    );
    expect(titles(await catalogue({ institution: ambonId, sector: 'ict' }))).to.deep.equal(['Jaringan Nirkabel']);
    expect(titles(await catalogue({ institution: ambonId, province: '32' }))).to.deep.equal([]);

    expect((await catalogue({ q: 'jaringan komp' })).total, 'the last word as typed so far').to.equal(12);
    expect(titles(await catalogue({ q: 'JARINGAN nirk' }))).to.deep.equal(['Jaringan Nirkabel']);
    expect((await catalogue({ q: 'jarin' })).total).to.equal(13);
    expect((await catalogue({ q: 'komputer jaringan' })).total, 'in any order').to.equal(12);
    expect((await catalogue({ q: 'jaring komputer' })).total, 'words before the last are whole').to.equal(0);
    expect((await catalogue({ q: 'organik jaringan' })).total).to.equal(0);
    expect(titles(await catalogue({ q: 'organik 07', sector: 'agri', province: '81' }))).to.deep.equal(['Pertanian Organik 07']);

    // The institution filter offers the institutions with programs in the catalogue, by name.
    expect((await catalogueInstitutions()).map((institution) => institution.name)).to.deep.equal(['BLK Ambon', 'BLK Bandung']);
  });

  it('shows admins every program, drafts included, and an edit at once', async () => {
    const program = await draft(ambon, 'ADM-01', 'Program Baru Admin', 'ict');
    const agent = await loggedInAgent(app, admin.email, admin.password);
    const page = await agent.get('/programs').expect(200);
    expect(page.text).to.contain('<code>ADM-01</code>').and.contain('<code>JK-12</code>').and.contain('<code>PO-09</code>');
    await updateProgram(
      ambon,
      program.id,
      programSchema.parse({ code: 'ADM-02', title: 'Program Baru Admin', level: 2, sector: 'ict' }),
    );
    const codes = (await listEditablePrograms(admin)).map((summary) => summary.code);
    expect(codes).to.include('ADM-02').and.not.include('ADM-01');
    expect(codes).to.deep.equal([...codes].sort());
    // Coordinators still see their institution's only.
    const theirs = (await listEditablePrograms(bandung)).map((summary) => summary.code);
    expect(theirs).to.include('JK-01').and.not.include('ADM-02');
  });
});
