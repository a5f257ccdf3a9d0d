import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import { decodeList } from '@digitalbazaar/vc-bitstring-status-list';
import { expect } from 'chai';
import { LoginFailure } from '../../src/auth/throttle.js';
import { issuedCredentialOf, openBadgeCredential } from '../../src/certificates/badge.js';
import { contextLoader } from '../../src/certificates/contexts.js';
import { verificationLoader } from '../../src/certificates/documents.js';
import { openSecretKey, publicKeysOf, signingKeyOf } from '../../src/certificates/keys.js';
import { InstitutionKey } from '../../src/certificates/model.js';
import { type Json, signCredential } from '../../src/certificates/signing.js';
import { minimumListLength, statusListOf } from '../../src/certificates/statusList.js';
import { checkCredential, verifyProof } from '../../src/certificates/verify.js';
import { formatCode, type RecordView } from '../../src/completion/records.js';
import { revokeCompletion } from '../../src/completion/service.js';
import { completionUnits, makeApprovedRecord } from '../support/completion.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution } from '../support/factories.js';

const base = 'https://lms.example.test';
const secret = 'certificate-test-session-secret-0123456789abcdef';
const client = '192.0.2.10';
type Subject = { identifier: { identityHash: string }[]; achievement: { alignment: Json[]; criteria: { narrative: string } } };
const subjectOf = (credential: Json) => credential.credentialSubject as Subject;

describe('Open Badges credentials', () => {
  useTestDatabase(import.meta.url);
  let graduate: Awaited<ReturnType<typeof makeApprovedRecord>>;
  let record: RecordView;
  let credential: Json;

  before(async () => {
    graduate = await makeApprovedRecord({ institutionName: 'BLK Bandung' });
    record = graduate.record;
    credential = JSON.parse(await issuedCredentialOf(record, base, secret)) as Json;
  });
  // Checks from one address share one throttle: each test starts with none of its failures.
  beforeEach(() => LoginFailure.deleteMany({ key: `certificate-lookup:${client}` }));

  it('is an OpenBadgeCredential of the program, aligned to each SKKNI unit, issued by the institution', () => {
    expect(credential['@context']).to.deep.equal([
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
    ]);
    expect(credential.type).to.deep.equal(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(credential.id).to.equal(`${base}/verify/${formatCode(record.code)}`);
    expect(credential.issuer).to.deep.include({
      id: `${base}/institutions/${record.institution}/issuer`,
      type: ['Profile'],
      name: 'BLK Bandung',
    });
    expect(credential.validFrom).to.equal(`${record.approvedAt.toISOString().slice(0, 19)}Z`);
    const subject = subjectOf(credential);
    expect(subject.identifier[0]?.identityHash).to.equal(graduate.trainee.name);
    expect(subject.achievement).to.deep.include({ name: 'Junior Web Programmer', humanCode: record.content.program.code });
    expect(
      subject.achievement.alignment.map((alignment) => [alignment.targetCode, alignment.targetName, alignment.targetFramework]),
    ).to.deep.equal(completionUnits.map((unit) => [unit.code, unit.title, 'SKKNI']));
    // The default rules: every unit competent; said in Indonesian, then English.
    expect(subject.achievement.criteria.narrative).to.match(
      /Kompeten \(K\) pada setiap unit[\s\S]*Competent \(K\) in every competency unit/,
    );
    expect(credential.credentialStatus).to.deep.equal({
      id: `${base}/institutions/${record.institution}/status/revocation#${record.statusIndex}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(record.statusIndex),
      statusListCredential: `${base}/institutions/${record.institution}/status/revocation`,
    });
  });

  it('carries an eddsa-rdfc-2022 Data Integrity proof by the institution key, which verifies offline', async () => {
    const [key] = await publicKeysOf(record.institution);
    expect(credential.proof).to.deep.include({
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-rdfc-2022',
      proofPurpose: 'assertionMethod',
      verificationMethod: `${base}/institutions/${record.institution}/issuer#key-1`,
    });
    expect(key?.publicKeyMultibase).to.match(/^z6Mk/);
    expect(await verifyProof(credential, secret)).to.deep.equal({ proof: true, listed: false, statusChecked: true });
    expect((await checkCredential(JSON.stringify(credential), client, secret)).state).to.equal('valid');
  });

  it('is signed once: every download is the same bytes', async () => {
    const [again, andAgain] = await Promise.all([
      issuedCredentialOf(record, base, secret),
      issuedCredentialOf(record, base, secret),
    ]);
    expect(again).to.equal(`${JSON.stringify(credential, null, 2)}\n`);
    expect(andAgain).to.equal(again);
  });

  it('fails when one field is changed', async () => {
    const changed = structuredClone(credential);
    subjectOf(changed).identifier[0]!.identityHash = 'Orang Lain';
    expect((await verifyProof(changed, secret)).proof).to.equal(false);
    const check = await checkCredential(JSON.stringify(changed), client, secret);
    expect(check.state).to.equal('tampered');
    // What the genuine certificate says is shown instead.
    expect(check.state === 'tampered' && check.facts.trainee).to.equal(graduate.trainee.name);

    const moreUnits = structuredClone(credential);
    subjectOf(moreUnits).achievement.alignment.push({
      ...subjectOf(moreUnits).achievement.alignment[0],
      targetCode: 'J.620100.010.01',
    });
    expect((await checkCredential(JSON.stringify(moreUnits), client, secret)).state).to.equal('tampered');
  });

  it('fails when signed by another key, under our key id or its own', async () => {
    const { proof: _proof, ...unsigned } = credential;
    const stranger = await Ed25519Multikey.generate({
      id: `${base}/institutions/${record.institution}/issuer#key-1`,
      controller: `${base}/institutions/${record.institution}/issuer`,
    });
    const underOurId = await vc.issue({
      credential: structuredClone(unsigned),
      suite: new DataIntegrityProof({ signer: stranger.signer(), cryptosuite: eddsaRdfc2022 }),
      documentLoader: contextLoader,
    });
    expect((await verifyProof(underOurId, secret)).proof).to.equal(false);
    expect((await checkCredential(JSON.stringify(underOurId), client, secret)).state).to.equal('tampered');

    const elsewhere = await Ed25519Multikey.generate({
      id: 'https://keys.example.org/issuer#key-1',
      controller: 'https://keys.example.org/issuer',
    });
    const underItsOwn = await vc.issue({
      credential: structuredClone(unsigned),
      suite: new DataIntegrityProof({ signer: elsewhere.signer(), cryptosuite: eddsaRdfc2022 }),
      documentLoader: contextLoader,
    });
    expect((await verifyProof(underItsOwn, secret)).proof).to.equal(false);
    expect((await checkCredential(JSON.stringify(underItsOwn), client, secret)).state).to.equal('tampered');
  });

  it('is unknown when it names no record of ours, or is not a credential at all', async () => {
    const stray = { ...structuredClone(credential), id: `${base}/verify/ZZZZ-ZZZZ-ZZZZ` };
    for (const text of [
      JSON.stringify(stray),
      '{"not": "a credential"}',
      'not json',
      '[]',
      JSON.stringify({ id: 'urn:uuid:1' }),
    ]) {
      expect((await checkCredential(text, client, secret)).state, text.slice(0, 30)).to.equal('unknown');
    }
  });

  it('publishes a signed status list of at least 131,072 bits that sets the bit of a revoked record at once', async () => {
    const before = await statusListOf(base, record.institution, secret);
    const subject = before!.credential.credentialSubject as { encodedList: string; statusPurpose: string };
    expect(subject.statusPurpose).to.equal('revocation');
    expect(subject.encodedList.startsWith('u')).to.equal(true);
    const list = await decodeList({ encodedList: subject.encodedList });
    expect(list.length).to.be.at.least(minimumListLength);
    expect(list.getStatus(record.statusIndex)).to.equal(false);
    const listVerified = await vc.verifyCredential({
      credential: before!.credential,
      suite: new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }),
      documentLoader: verificationLoader(secret),
    });
    expect(listVerified.verified).to.equal(true);

    const { issued } = await revokeCompletion(graduate.coordinator.actor, record.id, {
      reason: 'Nama peserta salah eja',
      reissue: true,
    });
    const after = await statusListOf(base, record.institution, secret);
    const revokedList = await decodeList({
      encodedList: (after!.credential.credentialSubject as { encodedList: string }).encodedList,
    });
    expect(revokedList.getStatus(record.statusIndex)).to.equal(true);
    expect(after!.etag).to.not.equal(before!.etag);

    // The credential handed out before still verifies as signed, and now says revoked.
    expect(await verifyProof(credential, secret)).to.deep.equal({ proof: true, listed: true, statusChecked: true });
    const check = await checkCredential(JSON.stringify(credential), client, secret);
    expect(check.state).to.equal('revoked');
    if (check.state !== 'revoked') return;
    expect(check.revoked.reason).to.equal('Nama peserta salah eja');
    expect(check.revoked.replacement).to.equal(formatCode(issued!.code));
  });

  describe('institution keys', () => {
    it('makes one key when two first signings race', async () => {
      const institution = (await makeInstitution()).id;
      const keys = await Promise.all([1, 2, 3, 4].map(() => signingKeyOf(institution, secret)));
      expect(new Set(keys.map((key) => key.publicKeyMultibase)).size).to.equal(1);
      expect(await InstitutionKey.countDocuments({ institution })).to.equal(1);
    });

    it('stores the secret key sealed, readable only with the session secret', async () => {
      const institution = (await makeInstitution()).id;
      const key = await signingKeyOf(institution, secret);
      const stored = await InstitutionKey.findOne({ institution }).lean();
      expect(stored!.sealedSecretKey).to.not.include(key.secretKeyMultibase);
      expect(openSecretKey(secret, institution, 1, stored!.sealedSecretKey)).to.equal(key.secretKeyMultibase);
      expect(openSecretKey(`${secret}-rotated`, institution, 1, stored!.sealedSecretKey)).to.equal(null);
      // Sealed for one institution, it opens for no other.
      expect(openSecretKey(secret, (await makeInstitution()).id, 1, stored!.sealedSecretKey)).to.equal(null);
    });

    it('after the session secret changes, signs with a new key and keeps the old one published', async () => {
      const institution = (await makeInstitution({ name: 'BLK Rotasi' })).id;
      // Without a status entry: this institution has no list of its own in the test.
      const { credentialStatus: _status, ...unlisted } = openBadgeCredential({ ...record, institution }, base);
      const signed = await signCredential(unlisted, { base, institution, sessionSecret: secret, created: new Date() });
      const rotated = `${secret}-rotated`;
      const next = await signingKeyOf(institution, rotated);
      expect(next.generation).to.equal(2);
      expect((await publicKeysOf(institution)).map((key) => key.generation)).to.deep.equal([2, 1]);
      expect((await verifyProof(signed, rotated)).proof).to.equal(true);
    });
  });
});
