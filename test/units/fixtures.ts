import { csvColumns } from '../../src/units/import.js';
import type { UnitInput } from '../../src/units/schemas.js';

/** CSV text from rows of named cells; missing cells are empty. */
export function unitsCsv(rows: Partial<Record<(typeof csvColumns)[number], string | number>>[]): string {
  const quote = (value: string | number | undefined) => {
    const text = value === undefined ? '' : String(value);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [csvColumns.join(','), ...rows.map((row) => csvColumns.map((column) => quote(row[column])).join(','))].join('\n');
}

/** A unit of two elements with two criteria each, as CSV rows. */
export function unitRows(code: string, title = `Unit ${code}`) {
  return [
    {
      code,
      title_id: title,
      title_en: `Unit ${code} (en)`,
      sector: 'ict',
      hours: 8,
      decree: 'Kepmenaker 282/2016',
      year: 2016,
      element_no: 1,
      element_title: 'Elemen satu',
      criterion_no: '1.1',
      criterion_text: 'Kriteria satu satu',
      knowledge: 'Pengetahuan A;Pengetahuan B',
    },
    { code, element_no: 1, criterion_no: '1.2', criterion_text: 'Kriteria satu dua' },
    { code, element_no: 2, element_title: 'Elemen dua', criterion_no: '2.1', criterion_text: 'Kriteria dua satu' },
    { code, element_no: 2, criterion_no: '2.2', criterion_text: 'Kriteria dua dua' },
  ];
}

/** A distinct valid code for each index (unit numbers run to 999 within each six-digit group). */
export const codeOf = (index: number) => `J.${620100 + Math.floor(index / 1000)}.${String(index % 1000).padStart(3, '0')}.01`;

/** A unit as the API takes it. */
export function unitInput(code: string, title: string, fields: Partial<UnitInput> = {}): UnitInput {
  return {
    code,
    title: { id: title, en: '' },
    description: '',
    standard: { decree: '', year: null },
    sector: 'ict',
    hours: null,
    elements: [],
    variableContext: '',
    assessmentGuidance: { prerequisites: [], knowledge: [], skills: [], attitudes: [], criticalAspects: [] },
    ...fields,
  };
}
