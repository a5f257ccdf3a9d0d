/**
 * Elements and performance criteria as one block of text, so a unit can be typed or pasted into
 * a plain form (no JavaScript needed) in the layout of the decrees:
 *
 *   1. Mengidentifikasi konsep data dan struktur data
 *   1.1 Konsep data dan struktur data diidentifikasi sesuai dengan konteks permasalahan.
 *   1.2 Alternatif struktur data dibandingkan kelebihan dan kekurangannya.
 *   2. Menerapkan struktur data
 *   2.1 ...
 *
 * Numbers are kept as written; the unit schema checks that they run in order.
 */
type Element = { no: number | string; title: string; criteria: { no: string; text: string }[] };

export function formatElements(elements: Element[]): string {
  return elements
    .flatMap((element) => [
      `${element.no}. ${element.title}`,
      ...element.criteria.map((criterion) => `${criterion.no} ${criterion.text}`),
    ])
    .join('\n');
}

/** Parses the text; a line that is neither an element nor a criterion continues the one before. */
export function parseElements(text: string): { elements: Element[]; badLine?: number } {
  const elements: Element[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line) continue;
    const criterion = /^(\d+\.\d+)\.?\s+(.+)$/.exec(line);
    const element = /^(\d+)\.?\s+(.+)$/.exec(line);
    const current = elements.at(-1);
    if (criterion) {
      if (!current) return { elements, badLine: index + 1 };
      current.criteria.push({ no: criterion[1]!, text: criterion[2]! });
    } else if (element) {
      elements.push({ no: Number(element[1]), title: element[2]!, criteria: [] });
    } else if (current) {
      const last = current.criteria.at(-1);
      if (last) last.text += ` ${line}`;
      else current.title += ` ${line}`;
    } else {
      return { elements, badLine: index + 1 };
    }
  }
  return { elements };
}
