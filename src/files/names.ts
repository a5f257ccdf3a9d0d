import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { acceptedType } from './kinds.js';

/**
 * A new storage key: random, with nothing of the user's file name in it, so no name can steer
 * where a file is written. The first two characters make a folder, keeping folders small.
 */
export function newStorageKey(): string {
  const id = randomBytes(16).toString('hex');
  return `${id.slice(0, 2)}/${id}`;
}

const maxNameLength = 200;
// Control characters, and invisible format characters such as the right-to-left override that
// makes "gpj.exe" read as "exe.jpg".
const unsafeCharacters = /[\p{Cc}\p{Cf}]/gu;

/**
 * The user's file name as kept for display: the last path segment only (browsers on Windows
 * once sent `C:\Users\...`), without control or direction characters, at most 200 characters
 * with the extension kept. Only ever metadata: it never becomes part of a path on disk.
 */
export function cleanFileName(name: string | undefined): string {
  const lastSegment = (name ?? '').split(/[\\/]/).pop() ?? '';
  let clean = lastSegment.normalize('NFC').replace(unsafeCharacters, '').replace(/\s+/g, ' ').trim();
  clean = clean.replace(/^\.+/, ''); // no "..", no hidden-file names
  const characters = Array.from(clean); // by code point, so no emoji is cut in half
  if (characters.length > maxNameLength) {
    const extension = Array.from(path.extname(clean)).slice(0, 20);
    clean = [...characters.slice(0, maxNameLength - extension.length), ...extension].join('');
  }
  return clean || 'file';
}

/**
 * The name a download is saved under: the original name, with the extension of the type the
 * bytes really are added when the name claims another (so "page.html" holding a PDF is saved as
 * "page.html.pdf" and never opened as a web page from the user's disk).
 */
export function downloadName(originalName: string, mimeType: string): string {
  const extensions = acceptedType(mimeType)?.extensions ?? [];
  const given = path.extname(originalName).slice(1).toLowerCase();
  if (extensions.length === 0 || extensions.includes(given)) return originalName;
  return `${originalName}.${extensions[0]}`;
}
