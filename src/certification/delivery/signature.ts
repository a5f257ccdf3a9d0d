import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature of a webhook push, Stripe-style, so an LSP can check that a request comes from
 * this platform and was not replayed:
 *
 *   Kompeten-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
 *
 * where the HMAC is keyed with the LSP's webhook secret (the whole string, `whsec_` included, as
 * UTF-8 bytes) over the bytes `<t>.<raw body>`: the decimal timestamp, a full stop, then the
 * request body exactly as received (before any JSON parsing). A receiver recomputes it, compares
 * in constant time, and refuses a timestamp more than five minutes from its own clock.
 */
export const signatureHeader = 'Kompeten-Signature';

/** How far a receiver should let the signed time differ from its own clock. */
export const signatureToleranceSeconds = 5 * 60;

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The header value for `body` sent at `timestamp` (unix seconds). */
export function signPayload(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

/** The parts of a signature header: its timestamp and every `v1` signature in it. */
export function parseSignature(header: string): { timestamp: number; signatures: string[] } | null {
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  return timestamp === null || signatures.length === 0 ? null : { timestamp, signatures };
}

/**
 * What a receiver does with a push (documented for LSPs; used by the tests as their receiver):
 * true when one `v1` signature matches `body` under `secret` and the timestamp is within the
 * tolerance of `nowSeconds`.
 */
export function verifySignature(
  header: string | undefined,
  body: string,
  secret: string,
  { nowSeconds = Math.floor(Date.now() / 1000), toleranceSeconds = signatureToleranceSeconds } = {},
): boolean {
  const parsed = header ? parseSignature(header) : null;
  if (!parsed || Math.abs(nowSeconds - parsed.timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, parsed.timestamp, body), 'hex');
  return parsed.signatures.some((signature) => timingSafeEqual(Buffer.from(signature, 'hex'), expected));
}
