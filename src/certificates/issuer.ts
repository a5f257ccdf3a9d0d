import mongoose from 'mongoose';
import { Institution } from '../institutions/model.js';
import { provinceName } from '../platform/provinces.js';
import { publicKeysOf } from './keys.js';
import { issuerUrl, keyUrl } from './urls.js';

/** The contexts of every document we sign or publish: the VC data model 2.0 and Open Badges 3.0. */
export const credentialsContext = 'https://www.w3.org/ns/credentials/v2';
export const openBadgesContext = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
const multikeyContext = 'https://w3id.org/security/multikey/v1';
// Defines `verificationMethod` and `assertionMethod`, which a verifier reads from the issuer's profile.
const securityContext = 'https://w3id.org/security/v2';

export type IssuerSummary = { id: string; name: string; province: string };

/**
 * The institution as the public may see it (name and province), or null. Read here directly since
 * the institutions feature has no reader without an actor, and this is public.
 */
export async function publicInstitution(institution: string): Promise<IssuerSummary | null> {
  if (!mongoose.isValidObjectId(institution)) return null;
  const found = await Institution.findById(institution, { name: 1, province: 1 }).lean<{ name: string; province: string }>();
  return found ? { id: institution, name: found.name, province: provinceName(found.province) } : null;
}

/** The issuer as credentials embed it: an Open Badges Profile. */
export const issuerProfileReference = (base: string, issuer: Pick<IssuerSummary, 'id' | 'name'>) => ({
  id: issuerUrl(base, issuer.id),
  type: ['Profile'],
  name: issuer.name,
});

/** A published key: a Multikey controlled by the issuer profile. */
export const keyDocument = (base: string, institution: string, key: { generation: number; publicKeyMultibase: string }) => ({
  '@context': multikeyContext,
  id: keyUrl(base, institution, key.generation),
  type: 'Multikey',
  controller: issuerUrl(base, institution),
  publicKeyMultibase: key.publicKeyMultibase,
});

/**
 * The issuer profile at its public address, or null for an institution that never signed: an Open
 * Badges Profile that is also the controller document of its keys (every generation, so older
 * credentials keep verifying), as verifiers of a Data Integrity proof dereference it.
 */
export async function issuerProfile(base: string, institution: string) {
  const [issuer, keys] = await Promise.all([publicInstitution(institution), publicKeysOf(institution)]);
  if (!issuer || keys.length === 0) return null;
  const methods = keys.map((key) => {
    const { '@context': _context, ...method } = keyDocument(base, institution, key);
    return method;
  });
  return {
    '@context': [credentialsContext, openBadgesContext, multikeyContext, securityContext],
    ...issuerProfileReference(base, issuer),
    address: { type: ['Address'], addressRegion: issuer.province, addressCountry: 'Indonesia', addressCountryCode: 'ID' },
    verificationMethod: methods,
    assertionMethod: methods.map((method) => method.id),
  };
}
