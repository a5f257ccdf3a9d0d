import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { isDuplicateKeyError } from '../platform/errors.js';
import { InstitutionKey, type InstitutionKeyDoc } from './model.js';

/**
 * Institutions' signing keys. The secret half is stored encrypted with AES-256-GCM under a key
 * derived (HKDF-SHA-256) from the app's session secret, with the institution and generation as
 * associated data, so a database copy alone signs nothing and a sealed key cannot be moved to
 * another institution.
 *
 * Rotating the session secret (SESSION_SECRET) makes every stored secret key unreadable: the next
 * signing for an institution then makes its next generation of key and signs with it. The older
 * public keys stay published in the issuer profile, so credentials already handed out still
 * verify; a credential downloaded again is re-signed with the new key. Rotation therefore retires
 * keys, it does not revoke them: a secret key that leaked must also be removed from the database
 * (which makes every credential signed by it fail verification), and the credentials re-issued.
 */
export type SigningKey = { generation: number; publicKeyMultibase: string; secretKeyMultibase: string };
export type PublicKey = { generation: number; publicKeyMultibase: string; createdAt: Date };

const sealingKey = (sessionSecret: string) =>
  Buffer.from(hkdfSync('sha256', sessionSecret, 'kompeten', 'certificates: institution signing keys v1', 32));
const associatedData = (institution: string, generation: number) => Buffer.from(`${institution}:${generation}`);

export function sealSecretKey(sessionSecret: string, institution: string, generation: number, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(sessionSecret), iv);
  cipher.setAAD(associatedData(institution, generation));
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), sealed]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** The secret key, or null when it was sealed under another session secret (or altered). */
export function openSecretKey(sessionSecret: string, institution: string, generation: number, sealed: string): string | null {
  const [version, iv, tag, data] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || data === undefined) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealingKey(sessionSecret), Buffer.from(iv, 'base64url'));
    decipher.setAAD(associatedData(institution, generation));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/** Every key the institution has had, newest first (a handful at most). */
async function keysOf(institution: string): Promise<InstitutionKeyDoc[]> {
  return InstitutionKey.find({ institution }).sort({ generation: -1 }).limit(100).lean<InstitutionKeyDoc[]>();
}

/** The institution's public keys, newest first; none before its first credential was signed. */
export async function publicKeysOf(institution: string): Promise<PublicKey[]> {
  return (await keysOf(institution)).map(({ generation, publicKeyMultibase, createdAt }) => ({
    generation,
    publicKeyMultibase,
    createdAt,
  }));
}

/**
 * The key the institution signs with now: its newest, made on first need (or anew when the session
 * secret changed). Two requests making the same generation at once insert one key between them
 * (unique index); the loser reads the winner's.
 */
export async function signingKeyOf(institution: string, sessionSecret: string): Promise<SigningKey> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const newest = (await keysOf(institution))[0];
    if (newest) {
      const secret = openSecretKey(sessionSecret, institution, newest.generation, newest.sealedSecretKey);
      if (secret)
        return { generation: newest.generation, publicKeyMultibase: newest.publicKeyMultibase, secretKeyMultibase: secret };
    }
    const generation = (newest?.generation ?? 0) + 1;
    const pair = await Ed25519Multikey.generate();
    const exported = await pair.export({ publicKey: true, secretKey: true });
    if (!exported.secretKeyMultibase) throw new Error('The new key pair has no secret key');
    try {
      await InstitutionKey.create({
        institution,
        generation,
        publicKeyMultibase: exported.publicKeyMultibase,
        sealedSecretKey: sealSecretKey(sessionSecret, institution, generation, exported.secretKeyMultibase),
      });
      return { generation, publicKeyMultibase: exported.publicKeyMultibase, secretKeyMultibase: exported.secretKeyMultibase };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Another request made this generation first: read it on the next turn.
    }
  }
  throw new Error(`No signing key could be made for institution ${institution}`);
}
