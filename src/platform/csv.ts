import { stringify } from 'csv-stringify/sync';
import { spreadsheetSafe } from './text.js';

/**
 * A CSV file as the app's exports make it: UTF-8 with a byte-order mark and CRLF, as Excel opens
 * it; every text cell through spreadsheetSafe, so a name typed as "=HYPERLINK(...)" stays text;
 * numbers as numbers.
 */
export const csvFile = (lines: (string | number)[][]) =>
  `\uFEFF${stringify(
    lines.map((line) => line.map((cell) => (typeof cell === 'string' ? spreadsheetSafe(cell) : cell))),
    { record_delimiter: 'windows' },
  )}`;
