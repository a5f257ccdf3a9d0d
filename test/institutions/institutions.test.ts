import { expect } from 'chai';
import { Institution, Sector } from '../../src/institutions/model.js';
import { buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeSector, makeUser } from '../support/factories.js';

describe('institutions and sectors', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let agent: Awaited<ReturnType<typeof loggedInAgent>>;
  before(async () => {
    app = buildTestApp();
    const admin = await makeUser('admin');
    agent = await loggedInAgent(app, admin.email, admin.password);
  });

  it('creates an institution with its sectors, listed with its province', async () => {
    const ict = await makeSector('ict');
    const tourism = await makeSector('tourism');
    const response = await submitForm(agent, '/institutions', {
      name: 'BLK Kota Kupang',
      type: 'uptd',
      province: '53',
      city: 'Kupang',
      sectors: [ict.id, tourism.id],
      active: ['false', 'true'],
    });
    expect(response.status).to.equal(303);
    const list = await agent.get('/institutions');
    expect(list.text).to.contain('BLK Kota Kupang');
    expect(list.text).to.contain('Nusa Tenggara Timur, Kupang');
    expect(list.text).to.contain('UPTD (BLK pemerintah daerah)');
    const stored = await Institution.findOne({ name: 'BLK Kota Kupang' }).lean();
    expect(stored?.sectors.map(String).sort()).to.deep.equal([ict.id, tourism.id].sort());
  });

  it('offers all 38 provinces', async () => {
    const form = await agent.get('/institutions/new');
    expect(form.text.match(/<option value="\d\d"/g)).to.have.length(38);
    expect(form.text).to.contain('Papua Barat Daya');
  });

  it('shows bad input again beside each field and saves nothing', async () => {
    const before = await Institution.countDocuments();
    const response = await submitForm(agent, '/institutions', { name: 'BL', type: 'hotel', province: '00', sectors: ['123'] });
    expect(response.status).to.equal(422);
    expect(response.text).to.contain('Minimal 3 karakter.');
    expect(response.text).to.contain('Pilih salah satu pilihan yang tersedia.');
    expect(response.text).to.contain('value="BL"');
    expect(await Institution.countDocuments()).to.equal(before);
  });

  it('refuses a second institution with the same name', async () => {
    await submitForm(agent, '/institutions', { name: 'BLK Ganda', type: 'community', province: '35' });
    const again = await submitForm(agent, '/institutions', { name: 'BLK Ganda', type: 'community', province: '35' });
    expect(again.status).to.equal(409);
    expect(again.text).to.contain('Nama ini sudah dipakai.');
    expect(await Institution.countDocuments({ name: 'BLK Ganda' })).to.equal(1);
  });

  it('edits an institution and deactivates it', async () => {
    const created = await Institution.create({ name: 'BLK Lama', type: 'uptd', province: '11' });
    const response = await submitForm(agent, `/institutions/${created._id}`, {
      name: 'BLK Baru',
      type: 'uptp',
      province: '12',
      active: 'false',
    });
    expect(response.status).to.equal(303);
    const stored = await Institution.findById(created._id).lean();
    expect(stored).to.include({ name: 'BLK Baru', type: 'uptp', province: '12', active: false });
  });

  it('adds a sector with names in both languages, and refuses a taken code', async () => {
    const added = await submitForm(agent, '/sectors', { code: 'Perikanan', nameId: 'Perikanan', nameEn: 'Fisheries' });
    expect(added.status).to.equal(303);
    expect(await Sector.findOne({ code: 'perikanan' }).lean()).to.deep.include({ name: { id: 'Perikanan', en: 'Fisheries' } });
    const taken = await submitForm(agent, '/sectors', { code: 'perikanan', nameId: 'Lagi', nameEn: 'Again' });
    expect(taken.status).to.equal(409);
    expect(taken.text).to.contain('Kode ini sudah dipakai.');
    const bad = await submitForm(agent, '/sectors', { code: 'a b', nameId: 'X', nameEn: '' });
    expect(bad.text).to.contain('Gunakan 2–40 huruf kecil');
    expect(bad.text).to.contain('Wajib diisi.');
  });
});
