import { createHash } from 'node:crypto';

/**
 * Name-based UUIDs (version 5, RFC 9562 §5.5): the same name always gives the same id, so a
 * statement made again from the same event (a retry, a replay) has the id of the first one, and the
 * LRS keeps one. Made here with node:crypto (SHA-1 of the namespace's bytes and the name, version
 * and variant bits set) rather than adding a dependency for twenty lines.
 */
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Kompeten's namespace for xAPI names (a fixed random UUID: v5 ids are only comparable within one namespace). */
export const xapiNamespace = 'b5f1c3e2-6a4d-4f0e-9c3b-2d7e8a91f4c6';

export function uuidV5(name: string, namespace: string = xapiNamespace): string {
  if (!uuidPattern.test(namespace)) throw new Error(`Not a UUID: ${namespace}`);
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
