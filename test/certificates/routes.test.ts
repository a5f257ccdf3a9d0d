import { decodeList } from '@digitalbazaar/vc-bitstring-status-list';
import { expect } from 'chai';
import supertest from 'supertest';
import { LoginFailure } from '../../src/auth/throttle.js';
import { certificateLinks } from '../../src/certificates/links.js';
import { lookupLimit } from '../../src/certificates/verify.js';
import { formatCode } from '../../src/completion/records.js';
import { revokeCompletion } from '../../src/completion/service.js';
import { type Agent, buildTestApp, loggedInAgent } from '../support/app.js';
import { makeApprovedRecord } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';
import { pdfQrCode, pdfText } from './pdfText.js';

const host = 'lms.example.test';
/** The result box of the verification page, as text. */
const resultOf = (html: string) =>
  (/<section class="certificate-result[\s\S]*?<\/section>/.exec(html)?.[0] ?? '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
const binary = (response: supertest.Response, done: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('certificate pages', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  let graduate: Awaited<ReturnType<typeof makeApprovedRecord>>;
  let trainee: Agent;
  let code: string;

  /** Posts a credential to the verification page as its form does (multipart), pasted or as a file. */
  async function checkCredential(agent: Agent, credential: string, as: 'pasted' | 'file' = 'pasted') {
    const form = await agent.get('/verify');
    const action = /action="(\/verify\/credential\?_csrf=[^"]+)"/.exec(form.text)?.[1];
    if (!action) throw new Error('No credential form on /verify');
    const request = agent.post(action);
    return as === 'file'
      ? request.attach('file', Buffer.from(credential), 'credential.json')
      : request.field('credential', credential);
  }
  // Lookups from one address share one throttle: each test starts with none of its failures.
  const forgetFailures = () =>
    Promise.all(
      ['::ffff:127.0.0.1', '127.0.0.1', '::1'].map((ip) => LoginFailure.deleteMany({ key: `certificate-lookup:${ip}` })),
    );

  before(async () => {
    app = buildTestApp();
    graduate = await makeApprovedRecord({ institutionName: 'BLK Cimahi' });
    trainee = await loggedInAgent(app, graduate.trainee.email, graduate.trainee.password);
    code = formatCode(graduate.record.code);
  });
  beforeEach(forgetFailures);

  it('gives the trainee their certificate as a PDF whose QR code leads to the verification page', async () => {
    const { certificate } = certificateLinks(graduate.record);
    const response = await trainee.get(certificate!).buffer(true).parse(binary);
    expect(response.status).to.equal(200);
    expect(response.headers['content-type']).to.equal('application/pdf');
    expect(response.headers['content-disposition']).to.match(/^attachment; filename="?sertifikat-JWP-\w+-[\w-]+\.pdf"?$/);
    const text = (await pdfText(response.body as Buffer)).replace(/\s+/g, ' ');
    expect(text).to.include(graduate.trainee.name);
    expect(text).to.include('BLK Cimahi');
    expect(text).to.include('J.620100.004.02 Menggunakan Struktur Data');
    expect(text).to.include(code);
    expect(await pdfQrCode(response.body as Buffer)).to.match(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/verify/${code}$`));
  });

  it('gives the certificate and credential to the cohort staff, and to no other trainee or institution', async () => {
    const { certificate, credential } = certificateLinks(graduate.record);
    const instructor = await loggedInAgent(app, graduate.instructor.email, graduate.instructor.password);
    expect((await instructor.get(certificate!)).status).to.equal(200);
    expect((await instructor.get(credential!)).status).to.equal(200);
    const other = await makeUser('trainee', graduate.institution);
    const otherAgent = await loggedInAgent(app, other.email, other.password);
    expect((await otherAgent.get(certificate!)).status).to.equal(403);
    expect((await otherAgent.get(credential!)).status).to.equal(403);
    const elsewhere = await makeUser('coordinator', (await makeApprovedRecord()).institution);
    expect((await (await loggedInAgent(app, elsewhere.email, elsewhere.password)).get(certificate!)).status).to.equal(403);
    const anonymous = await supertest(app).get(certificate!);
    expect(anonymous.status).to.equal(302);
    expect(anonymous.headers.location).to.match(/^\/login\?next=/);
  });

  it('verifies a code typed in any case, with or without dashes, and shows what the certificate says', async () => {
    const typed = await supertest(app).get(`/verify?code=${encodeURIComponent(graduate.record.code.toLowerCase())}`);
    expect(typed.status).to.equal(303);
    expect(typed.headers.location).to.equal(`/verify/${code}`);
    const page = await supertest(app).get(typed.headers.location!);
    expect(page.status).to.equal(200);
    expect(page.headers['x-robots-tag']).to.equal('noindex, nofollow');
    expect(resultOf(page.text)).to.include('Sertifikat sah');
    for (const shown of [
      graduate.trainee.name,
      'Junior Web Programmer',
      'BLK Cimahi',
      'Jawa Barat',
      'J.620100.009.01',
      'hash konten cocok',
    ]) {
      expect(page.text).to.include(shown);
    }
    // Only what the certificate shows: not the trainee's email, nor who approved.
    expect(page.text).to.not.include(graduate.trainee.email);
    expect(page.text).to.not.include(graduate.coordinator.name);
  });

  it('answers unknown and malformed codes alike', async () => {
    const unknown = await supertest(app).get('/verify/ZZZZ-ZZZZ-ZZZZ');
    const malformed = await supertest(app).get('/verify/not-a-code!');
    const tooShort = await supertest(app).get('/verify/ABC');
    expect([unknown.status, malformed.status, tooShort.status]).to.deep.equal([200, 200, 200]);
    expect(resultOf(unknown.text)).to.include('Kode tidak dikenal');
    expect(resultOf(malformed.text)).to.equal(resultOf(unknown.text));
    expect(resultOf(tooShort.text)).to.equal(resultOf(unknown.text));
  });

  it(`refuses an address after ${lookupLimit} failed lookups, even for a good code`, async () => {
    for (let n = 0; n < lookupLimit; n += 1) {
      expect((await supertest(app).get(`/verify/0000-0000-${String(n).padStart(4, '0')}`)).status).to.equal(200);
    }
    const refused = await supertest(app).get(`/verify/${code}`);
    expect(refused.status).to.equal(429);
    expect(refused.headers['retry-after']).to.match(/^\d+$/);
    expect(refused.text).to.include('Terlalu banyak pemeriksaan yang gagal');
    expect(refused.text).to.not.include(graduate.trainee.name);
    // Good lookups do not count: after the wait, a trainee's many checks of their own code go through.
    await forgetFailures();
    for (let n = 0; n < lookupLimit + 2; n += 1) expect((await supertest(app).get(`/verify/${code}`)).status).to.equal(200);
  });

  it('checks a downloaded credential, pasted or uploaded, and tells a changed one apart', async () => {
    const download = await trainee.get(certificateLinks(graduate.record).credential!);
    expect(download.status).to.equal(200);
    expect(download.headers['content-disposition']).to.match(/^attachment; filename="?sertifikat-.+\.json"?$/);
    const json = download.text;
    const visitor = supertest.agent(app);
    for (const as of ['pasted', 'file'] as const) {
      const checked = await checkCredential(visitor, json, as);
      expect(checked.status, as).to.equal(200);
      expect(resultOf(checked.text), as).to.include('Sertifikat sah');
    }
    const changed = json.replace(graduate.trainee.name, 'Orang Lain');
    expect(changed).to.not.equal(json);
    expect(resultOf((await checkCredential(visitor, changed)).text)).to.include('Kredensial telah diubah');
    expect(resultOf((await checkCredential(visitor, '{"hello": "world"}')).text)).to.include('Kode tidak dikenal');
  });

  it('refuses an empty or oversized credential with a message beside the field', async () => {
    const visitor = supertest.agent(app);
    const empty = await checkCredential(visitor, '   ');
    expect(empty.status).to.equal(422);
    expect(empty.text).to.include('Tempelkan isi kredensial atau pilih berkasnya.');
    for (const as of ['pasted', 'file'] as const) {
      const huge = await checkCredential(visitor, JSON.stringify({ padding: 'x'.repeat(110 * 1024) }), as);
      expect(huge.status, as).to.equal(422);
      expect(huge.text, as).to.include('kredensial dari Kompeten hanya beberapa KB');
    }
  });

  it('publishes the issuer profile and a cacheable status list that any verifier may fetch', async () => {
    const issuer = await supertest(app).get(`/institutions/${graduate.institution}/issuer`);
    expect(issuer.status).to.equal(200);
    expect(issuer.headers['content-type']).to.match(/^application\/ld\+json/);
    expect(issuer.headers['access-control-allow-origin']).to.equal('*');
    const profile = JSON.parse(issuer.text);
    expect(profile.type).to.deep.equal(['Profile']);
    expect(profile.name).to.equal('BLK Cimahi');
    expect(profile.verificationMethod[0]).to.include({ type: 'Multikey', controller: profile.id });
    expect(profile.assertionMethod).to.deep.equal([profile.verificationMethod[0].id]);

    // One address for the app (supertest's port changes with every request), as behind PUBLIC_URL.
    const list = await supertest(app).get(`/institutions/${graduate.institution}/status/revocation`).set('Host', host);
    expect(list.status).to.equal(200);
    expect(list.headers['cache-control']).to.equal('public, max-age=60');
    const again = await supertest(app)
      .get(`/institutions/${graduate.institution}/status/revocation`)
      .set('Host', host)
      .set('If-None-Match', list.headers.etag!);
    expect(again.status).to.equal(304);
    expect(JSON.parse(list.text).type).to.deep.equal(['VerifiableCredential', 'BitstringStatusListCredential']);

    expect((await supertest(app).get(`/institutions/${graduate.trainee.id}/issuer`)).status).to.equal(404);
  });

  it('says a revoked record was revoked, why, and by which record it was replaced; its files are gone', async () => {
    const credential = (await trainee.get(certificateLinks(graduate.record).credential!)).text;
    const list = await supertest(app).get(`/institutions/${graduate.institution}/status/revocation`).set('Host', host);
    const { issued } = await revokeCompletion(graduate.coordinator.actor, graduate.record.id, {
      reason: 'Jam pelajaran tercatat salah',
      reissue: true,
    });

    const page = await supertest(app).get(`/verify/${code}`);
    const result = resultOf(page.text);
    expect(result).to.include('Sertifikat dicabut');
    expect(result).to.match(/Dicabut pada \d{1,2} \w{3} \d{4}: Jam pelajaran tercatat salah/);
    expect(result).to.include(formatCode(issued!.code));
    expect(resultOf((await checkCredential(supertest.agent(app), credential)).text)).to.include('Sertifikat dicabut');

    const pdf = await trainee.get(`/certificates/${graduate.record.id}.pdf`);
    expect(pdf.status).to.equal(410);
    expect(pdf.text).to.include('Jam pelajaran tercatat salah');
    expect((await trainee.get(`/certificates/${graduate.record.id}/credential.json`)).status).to.equal(410);
    expect(certificateLinks({ ...graduate.record, status: 'revoked' }).certificate).to.equal(null);

    // The status list changed at once: a cached copy is stale, and the record's bit is set.
    const after = await supertest(app)
      .get(`/institutions/${graduate.institution}/status/revocation`)
      .set('Host', host)
      .set('If-None-Match', list.headers.etag!);
    expect(after.status).to.equal(200);
    const bits = await decodeList({ encodedList: JSON.parse(after.text).credentialSubject.encodedList });
    expect(bits.getStatus(graduate.record.statusIndex)).to.equal(true);
  });
});
