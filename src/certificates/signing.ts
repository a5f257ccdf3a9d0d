import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import { contextLoader } from './contexts.js';
import { signingKeyOf } from './keys.js';
import { issuerUrl, keyUrl } from './urls.js';

export type Json = Record<string, unknown>;

/** XSD dateTimeStamp to the second, as Data Integrity and the VC data model write dates. */
export const stamp = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

/**
 * Signs a credential with the institution's key: an embedded DataIntegrityProof, cryptosuite
 * eddsa-rdfc-2022 (RDF Dataset Canonicalization, then Ed25519), proof purpose assertionMethod, as
 * Open Badges 3.0 asks. `created` is given, not "now": Ed25519 is deterministic, so the same
 * credential signed again by the same key is the same bytes.
 */
export async function signCredential(
  credential: Json,
  options: { base: string; institution: string; sessionSecret: string; created: Date },
): Promise<Json> {
  const key = await signingKeyOf(options.institution, options.sessionSecret);
  const keyPair = await Ed25519Multikey.from({
    id: keyUrl(options.base, options.institution, key.generation),
    controller: issuerUrl(options.base, options.institution),
    publicKeyMultibase: key.publicKeyMultibase,
    secretKeyMultibase: key.secretKeyMultibase,
  });
  const suite = new DataIntegrityProof({ signer: keyPair.signer(), cryptosuite: eddsaRdfc2022, date: stamp(options.created) });
  return vc.issue({ credential: structuredClone(credential), suite, documentLoader: contextLoader });
}

/** A suite that verifies eddsa-rdfc-2022 proofs (the key comes from the document loader). */
export const verifyingSuite = () => new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
