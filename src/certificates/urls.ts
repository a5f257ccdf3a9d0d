import type { Request } from 'express';
import mongoose from 'mongoose';
import { formatCode, normaliseCode } from '../completion/records.js';

/**
 * The public addresses certificates and credentials name. `base` is PUBLIC_URL when it is set,
 * else the origin of the request that made the document (see `publicBase`); an address, once
 * printed on a certificate or signed into a credential, stays what it was.
 */
export const verifyPath = (code: string) => `/verify/${formatCode(code)}`;
export const verifyUrl = (base: string, code: string) => `${base}${verifyPath(code)}`;
export const issuerPath = (institution: string) => `/institutions/${institution}/issuer`;
export const issuerUrl = (base: string, institution: string) => `${base}${issuerPath(institution)}`;
export const keyUrl = (base: string, institution: string, generation: number) =>
  `${issuerUrl(base, institution)}#key-${generation}`;
export const statusListPath = (institution: string) => `/institutions/${institution}/status/revocation`;
export const statusListUrl = (base: string, institution: string) => `${base}${statusListPath(institution)}`;
/** The program's public catalogue page stands for the achievement; the fragment names the version. */
export const achievementUrl = (base: string, program: string, version: number) =>
  `${base}/catalogue/${program}#version-${version}`;

/** The address to print and sign: PUBLIC_URL, else this request's own origin (behind TRUST_PROXY, the proxy's). */
export function publicBase(req: Request, configured: string | undefined): string {
  return configured ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

export type OurAddress =
  | { kind: 'issuer'; institution: string }
  | { kind: 'key'; institution: string; generation: number }
  | { kind: 'statusList'; institution: string }
  | { kind: 'credential'; code: string };

/**
 * What one of our addresses names, read from its path alone, or null for anything else. The origin
 * does not matter: every key it leads to is one of our own institutions' (read from the database,
 * never fetched), and a signature made under one origin does not verify under another, since the
 * addresses are part of what is signed.
 */
export function readAddress(address: string): OurAddress | null {
  if (!URL.canParse(address)) return null;
  const url = new URL(address);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const institution = /\/institutions\/([0-9a-f]{24})\/(issuer|status\/revocation)$/.exec(url.pathname);
  if (institution?.[1] && mongoose.isValidObjectId(institution[1]) && !url.search) {
    if (institution[2] === 'status/revocation') return url.hash ? null : { kind: 'statusList', institution: institution[1] };
    if (!url.hash) return { kind: 'issuer', institution: institution[1] };
    const key = /^#key-([1-9]\d{0,5})$/.exec(url.hash);
    return key?.[1] ? { kind: 'key', institution: institution[1], generation: Number(key[1]) } : null;
  }
  const credential = /\/verify\/([0-9A-Za-z-]{12,20})$/.exec(url.pathname);
  if (credential?.[1] && !url.search && !url.hash) return { kind: 'credential', code: normaliseCode(credential[1]) };
  return null;
}
