import { expect } from 'chai';
import { Lsp } from '../../src/certification/model.js';
import { buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { completionCohort, completionUnits } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';
import { makeAdmin } from './handoffFixtures.js';

describe('certification: the LSP register', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let admin: Awaited<ReturnType<typeof makeAdmin>>;
  let coordinator: { email: string; password: string };
  const units = completionUnits.map((unit) => unit.code);
  const form = (overrides: Record<string, string | string[]> = {}) => ({
    name: 'LSP Informatika Nusantara',
    licenceNumber: 'BNSP-LSP-1234-ID',
    contactName: 'Sekretariat',
    contactEmail: 'Sekretariat@LSP.example.test',
    contactPhone: '+62 21 555 0101',
    schemeCode: ['JWP-01', ''],
    schemeName: ['Junior Web Programmer', ''],
    schemeUnits: [units.join(', '), ''],
    webhookUrl: 'https://lsp.example.test/kompeten',
    active: ['false', 'true'],
    ...overrides,
  });

  before(async () => {
    app = buildTestApp();
    admin = await makeAdmin();
    // Approved units J.620100.004.02 and J.620100.009.01, and a coordinator of a training centre.
    coordinator = (await completionCohort({ trainees: 0 })).coordinator;
  });

  it('lets an admin register an LSP with a scheme of approved units, and lists it', async () => {
    const agent = await loggedInAgent(app, admin.email, admin.password);
    const created = await submitForm(agent, '/lsps', form());
    expect(created.status, created.text.slice(0, 500)).to.equal(303);
    const lsp = await Lsp.findOne({ licenceNumber: 'BNSP-LSP-1234-ID' }).lean();
    expect(lsp?.schemes).to.deep.equal([{ code: 'JWP-01', name: 'Junior Web Programmer', units }]);
    expect(lsp?.contact).to.deep.equal({ name: 'Sekretariat', email: 'sekretariat@lsp.example.test', phone: '+62 21 555 0101' });
    expect(created.headers.location).to.equal(`/lsps/${lsp?._id}`);
    const list = await agent.get('/lsps');
    expect(list.text).to.include('LSP Informatika Nusantara').and.include('JWP-01');
    // The LSP's page: its form, and the way to its credentials (certification/delivery's page).
    const page = await agent.get(`/lsps/${lsp?._id}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include(`href="/lsps/${lsp?._id}/credentials"`);
    expect(page.text).to.include('J.620100.004.02 J.620100.009.01');
  });

  it('refuses units that are not approved competency units, naming them', async () => {
    const agent = await loggedInAgent(app, admin.email, admin.password);
    const response = await submitForm(
      agent,
      '/lsps',
      form({ licenceNumber: 'BNSP-LSP-2', schemeUnits: ['J.620100.004.02 X.000000.000.00', ''] }),
    );
    expect(response.status).to.equal(422);
    expect(response.text).to.include('Bukan unit kompetensi yang disetujui: X.000000.000.00.');
    expect(response.text).to.include('value="JWP-01"'); // what was typed stays
    expect(await Lsp.countDocuments({ licenceNumber: 'BNSP-LSP-2' })).to.equal(0);
  });

  it('wants https for the webhook, http only to this machine', async () => {
    const agent = await loggedInAgent(app, admin.email, admin.password);
    const refused = await submitForm(
      agent,
      '/lsps',
      form({ licenceNumber: 'BNSP-LSP-3', webhookUrl: 'http://lsp.example.test/hook' }),
    );
    expect(refused.status).to.equal(422);
    expect(refused.text).to.include('harus memakai https');
    const withPassword = await submitForm(
      agent,
      '/lsps',
      form({ licenceNumber: 'BNSP-LSP-3', webhookUrl: 'https://u:p@lsp.example.test/' }),
    );
    expect(withPassword.text).to.include('tidak boleh memuat nama pengguna');
    const local = await submitForm(
      agent,
      '/lsps',
      form({ licenceNumber: 'BNSP-LSP-3', webhookUrl: 'http://127.0.0.1:8080/hook' }),
    );
    expect(local.status).to.equal(303);
  });

  it('refuses a licence number already registered', async () => {
    const agent = await loggedInAgent(app, admin.email, admin.password);
    const response = await submitForm(agent, '/lsps', form());
    expect(response.status).to.equal(409);
    expect(response.text).to.include('Nomor lisensi ini sudah terdaftar');
  });

  it('edits an LSP: another scheme added in an empty row', async () => {
    const agent = await loggedInAgent(app, admin.email, admin.password);
    const lsp = await Lsp.findOne({ licenceNumber: 'BNSP-LSP-1234-ID' }).lean();
    const response = await submitForm(
      agent,
      `/lsps/${lsp?._id}`,
      form({
        schemeCode: ['JWP-01', 'SD-01'],
        schemeName: ['Junior Web Programmer', 'Struktur Data'],
        schemeUnits: [units.join(' '), units[0]!],
      }),
    );
    expect(response.status).to.equal(303);
    const changed = await Lsp.findById(lsp?._id).lean();
    expect(changed?.schemes.map((scheme) => scheme.code)).to.deep.equal(['JWP-01', 'SD-01']);
  });

  it('is for admins only: a coordinator picks LSPs, and may not change them', async () => {
    const agent = await loggedInAgent(app, coordinator.email, coordinator.password);
    expect((await agent.get('/lsps')).status).to.equal(403);
    expect((await submitForm(agent, '/lsps', form({ licenceNumber: 'BNSP-LSP-9' }))).status).to.equal(403);
    const listed = await agent.get('/api/v1/lsps');
    expect(listed.status).to.equal(200);
    expect(listed.body.map((lsp: { name: string }) => lsp.name)).to.include('LSP Informatika Nusantara');
    // The webhook secret is never in a list: only whether one was issued.
    expect(listed.body[0]).not.to.have.property('webhookSecret');
  });
});
