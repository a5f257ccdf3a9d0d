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
