import { createHash } from 'node:crypto';
/**
 * Words for search without `$text` (FerretDB has none): lower-case, without diacritics, split on
 * anything that is not a letter or digit. Stored in an indexed array field and matched with `$all`.
 */
export function searchWords(...texts: (string | null | undefined)[]): string[] {
  const words = new Set<string>();
  for (const text of texts) {
    if (!text) continue;
    for (const word of text
      .normalize('NFD')
      .replace(/\p{Diacritic}/gu, '')
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)) {
      if (word.length >= 2) words.add(word);
    }
  }
  return [...words];
}

/** Escapes text for use inside a regular expression, so user input is matched literally. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Control characters no one types: Unicode's (\p{Cc}: C0, DEL, C1) other than tab, line feed
 * and carriage return, which multi-line text keeps. NUL in particular cannot be stored on
 * PostgreSQL (FerretDB answers "unsupported Unicode escape sequence"), and none of them shows on
 * a page.
 */
const controlCharacter = /[^\P{Cc}\t\n\r]/u;

export function hasControlCharacters(text: string): boolean {
  return controlCharacter.test(text);
}

/** An email address as accounts store it (emailField does the same): the key of throttles and device proofs. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The SHA-256 of a text in hex: lesson texts' fingerprints, API tokens as stored. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A cell of a CSV file made for spreadsheets: text a spreadsheet would run as a formula (starting
 * with =, +, -, @, a tab or a carriage return) is kept as text by a leading apostrophe, so a name
 * typed as `=HYPERLINK(...)` cannot act when a coordinator opens the file (CSV injection).
 */
export function spreadsheetSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** A JSON object (not null, not an array): what a parsed document's fields are checked against. */
export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
