import { expect } from 'chai';
import supertest from 'supertest';
import { Institution } from '../../src/institutions/model.js';
import { apiBasePath } from '../../src/platform/api.js';
import { Program } from '../../src/programs/model.js';
import { User } from '../../src/users/model.js';
import { type Agent, buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';

/** The message shown beside field `name` on a form page. */
const fieldError = (html: string, name: string) =>
  new RegExp(`id="f-${name}-error">([^<]*)<`)
    .exec(html)?.[1]
    ?.replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"');

/** What the person sees of the API's problem+json: status, detail and each field's message. */
const problemOf = (response: supertest.Response) => ({
  status: response.status,
  detail: response.body.detail,
  fields: Object.fromEntries(
    (response.body.errors ?? []).map((error: { field: string; message: string }) => [error.field, error.message]),
  ),
});

describe('bad input is answered with what is wrong, in the user’s language', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let token: string;
  let indonesian: Agent;
  let english: Agent;
  let institution: string;

  before(async () => {
    app = buildTestApp();
    institution = (await makeInstitution({ name: 'BLK Pertama' })).id;
    const admin = await makeUser('admin');
    const englishAdmin = await makeUser('admin');
    await User.updateOne({ _id: englishAdmin.id }, { $set: { language: 'en' } });
    indonesian = await loggedInAgent(app, admin.email, admin.password);
    english = await loggedInAgent(app, englishAdmin.email, englishAdmin.password);
    token = (await supertest(app).post(`${apiBasePath}/auth/token`).send({ email: admin.email, password: admin.password })).body
      .token;
  });
  const api = (language: 'id' | 'en') => ({
    get: (path: string) =>
      supertest(app).get(`${apiBasePath}${path}`).set('Authorization', `Bearer ${token}`).set('Accept-Language', language),
    post: (path: string, body: object) =>
      supertest(app)
        .post(`${apiBasePath}${path}`)
        .set('Authorization', `Bearer ${token}`)
        .set('Accept-Language', language)
        .send(body),
    put: (path: string, body: object) =>
      supertest(app)
        .put(`${apiBasePath}${path}`)
        .set('Authorization', `Bearer ${token}`)
        .set('Accept-Language', language)
        .send(body),
  });

  it('answers an address with a broken percent-encoding 400, saying the address cannot be read', async () => {
    const answer = await api('en').get('/cohorts/%E0%A4%A');
    expect(problemOf(answer)).to.deep.include({
      status: 400,
      detail:
        'This address (URL) cannot be read: it contains a broken character code. Check the link, or open the page from the menu.',
    });
    const page = await indonesian.get('/modules/%E0%A4%A/edit');
    expect(page.status).to.equal(400);
    expect(page.text).to.contain('Alamat (URL) ini tidak dapat dibaca');
  });

  it('answers an id that is no ObjectId 404 on every kind of record, pages and API alike', async () => {
    const program = await Program.create({ code: 'PRG-404', title: 'Program', level: 2, institution });
    for (const path of ['/modules/abc/edit', '/lessons/abc/edit', `/programs/${program._id}/preview/files/abc`, '/cohorts/abc']) {
      const page = await indonesian.get(path);
      expect(page.status, path).to.equal(404);
      expect(page.text, path).to.contain('Halaman atau data yang Anda cari tidak ada.');
    }
    expect(problemOf(await api('en').get('/cohorts/abc'))).to.deep.include({
      status: 404,
      detail: 'The page or record you are looking for does not exist.',
    });
    // A NUL in any part of the address names nothing either (here a unit code, which is no id).
    expect((await indonesian.get('/units/J.620100%00.004.02')).status).to.equal(404);
  });

  it('refuses a NUL byte in a search or a form field with 422 naming the field, and saves nothing', async () => {
    expect(problemOf(await api('en').get('/units?q=web%00'))).to.deep.equal({
      status: 422,
      detail: 'Some fields need to be corrected.',
      fields: { q: 'Contains control characters that cannot be saved (such as NUL). Remove them and try again.' },
    });
    const catalogue = await indonesian.get('/catalogue?q=web%00');
    expect(catalogue.status).to.equal(422);
    expect(catalogue.text).to.contain('q: Berisi karakter kontrol yang tidak dapat disimpan');

    const before = await Institution.estimatedDocumentCount();
    const form = await submitForm(english, '/institutions', { name: 'BLK\u0000 Nul', type: 'uptd', province: '32' });
    expect(form.status).to.equal(422);
    expect(fieldError(form.text, 'name')).to.equal(
      'Contains control characters that cannot be saved (such as NUL). Remove them and try again.',
    );
    expect(await Institution.estimatedDocumentCount()).to.equal(before);
  });

  it('answers a duplicate institution name 409 naming the field, on creating and on renaming', async () => {
    const taken = { name: 'BLK Pertama', type: 'uptd', province: '32' };
    expect(problemOf(await api('id').post('/institutions', taken))).to.deep.include({
      status: 409,
      fields: { name: 'Nama ini sudah dipakai.' },
    });
    const other = (
      await api('en')
        .post('/institutions', { ...taken, name: 'BLK Kedua' })
        .expect(201)
    ).body;
    // Renaming is an update: on FerretDB its refusal by the unique index is made MongoDB's own error.
    expect(problemOf(await api('en').put(`/institutions/${other.id}`, taken))).to.deep.include({
      status: 409,
      fields: { name: 'This name is already in use.' },
    });
    const page = await submitForm(indonesian, `/institutions/${other.id}`, taken);
    expect(page.status).to.equal(409);
    expect(fieldError(page.text, 'name')).to.equal('Nama ini sudah dipakai.');
    expect((await Institution.findById(other.id).lean())?.name).to.equal('BLK Kedua');
  });

  it('answers a duplicate program code 409 naming the field, on creating and on changing a program', async () => {
    const fields = { code: 'JWP-01', title: 'Junior Web Programmer', level: '2', institution };
    expect((await submitForm(indonesian, '/programs', fields)).status).to.equal(303);
    const again = await submitForm(indonesian, '/programs', { ...fields, title: 'Salinan' });
    expect(again.status).to.equal(409);
    expect(fieldError(again.text, 'code')).to.equal('Kode program ini sudah dipakai di lembaga Anda.');

    expect((await submitForm(english, '/programs', { ...fields, code: 'JWP-02' })).status).to.equal(303);
    const second = await Program.findOne({ institution, code: 'JWP-02' }).lean();
    const changed = await submitForm(english, `/programs/${second?._id}`, { ...fields, title: 'Program dua' });
    expect(changed.status).to.equal(409);
    expect(fieldError(changed.text, 'code')).to.equal('Your institution already uses this program code.');
    expect((await Program.findById(second?._id).lean())?.code).to.equal('JWP-02');
  });

  it('makes a duplicate found by an update the database’s duplicate key error, naming the index', async () => {
    await Institution.create({ name: 'BLK Ketiga', type: 'uptd', province: '32' });
    const fourth = await Institution.create({ name: 'BLK Keempat', type: 'uptd', province: '32' });
    const error = await Institution.updateOne({ _id: fourth._id }, { $set: { name: 'BLK Ketiga' } }).then(
      () => undefined,
      (failure: { code?: number; keyPattern?: object }) => failure,
    );
    expect(error).to.deep.include({ code: 11000, keyPattern: { name: 1 } });
  });
});
