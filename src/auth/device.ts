import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { normaliseEmail } from '../platform/text.js';

/**
 * Device cookies (OWASP, "Slow brute force attacks: device cookies"): after a successful login
 * the browser keeps a signed proof that it has logged in to that account before. Such a browser is
 * judged by the login throttle by its own failures only (throttle.ts), so nobody else failing at
 * the same address (a training centre's lab behind one public IP) or against the same account can
 * lock it out, while a browser without the proof stays throttled.
 *
 * Each proof names a random device id, so a trusted browser's own failures lock out that browser
 * and not the owner's other devices: `<device id>.<HMAC(secret, email, device id)>`. One cookie
 * keeps the proofs of the last few accounts that logged in on the browser, newest first, so a lab
 * computer shared by several trainees stays trusted for each of them.
 */
export const deviceCookie = 'kompeten.device';
export const deviceCookieMaxAgeMs = 180 * 24 * 60 * 60 * 1000;
/** A lab computer used by more accounts than this forgets the oldest (a cookie stays under 1 KB). */
const accountsPerBrowser = 10;
const separator = '~';

const sign = (secret: string, email: string, device: string) =>
  createHmac('sha256', secret)
    .update(`device|${normaliseEmail(email)}|${device}`)
    .digest('base64url');

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function proofsIn(cookie: unknown): string[] {
  if (typeof cookie !== 'string' || cookie.length > 2_000) return [];
  return cookie.split(separator).slice(0, accountsPerBrowser);
}

/**
 * The device id this browser proves for the account, or null. A proof in the first format (no
 * device id, one per account) still counts until those cookies expire, as one shared device.
 */
export function trustedDeviceOf(secret: string, email: string, cookie: unknown): string | null {
  if (!email) return null;
  for (const proof of proofsIn(cookie)) {
    const [device, mac] = proof.split('.');
    if (device && mac) {
      if (/^[\w-]{22}$/.test(device) && sameText(mac, sign(secret, email, device))) return device;
    } else if (device && sameText(device, legacyProof(secret, email))) {
      return 'legacy';
    }
  }
  return null;
}

/** The cookie after a login to the account: its proof first (same device id as before, if any). */
export function rememberDevice(secret: string, email: string, cookie: unknown): string {
  const known = trustedDeviceOf(secret, email, cookie);
  const device = known && known !== 'legacy' ? known : randomBytes(16).toString('base64url');
  const others = proofsIn(cookie).filter((proof) => {
    const [id, mac] = proof.split('.');
    // Drops this account's proof (put first below), the legacy one, and anything malformed.
    return id && mac && id !== device && /^[\w-]{22}$/.test(id) && /^[\w-]{43}$/.test(mac);
  });
  return [`${device}.${sign(secret, email, device)}`, ...others].slice(0, accountsPerBrowser).join(separator);
}

/** The first format: one proof per account, the same in every browser. */
function legacyProof(secret: string, email: string): string {
  return createHmac('sha256', secret)
    .update(`device:${normaliseEmail(email)}`)
    .digest('base64url');
}
