import { provinceCodes } from '../platform/provinces.js';

/**
 * The Indonesian national identity number (NIK, Nomor Induk Kependudukan), as Dukcapil issues it:
 * 16 digits, PP KK CC DDMMYY SSSS: the province, regency and district where it was first
 * registered, the birth date (a woman's day plus 40: 41-71), and a serial number from 0001. No
 * check digit exists, so what can be checked is the shape: digits only, a province that exists
 * (the Kemendagri codes, 11-96 with gaps: 20 or 99 are no province), a birth date part that is a
 * real date matching the stated date of birth, and a serial that is not 0000.
 */
export type NikProblem = 'length' | 'digits' | 'province' | 'birthDate' | 'mismatch' | 'serial';

const knownProvinces = new Set<string>(provinceCodes);

/** Removes the spaces, dots and dashes people type between groups ("3201 01 ..."). */
export const normaliseNik = (value: string) => value.replace(/[\s.-]/g, '');

/**
 * The first problem of `nik` (already normalised), or null when it is plausible. `dateOfBirth`
 * (YYYY-MM-DD) is checked against the NIK's date part when given.
 */
export function nikProblem(nik: string, dateOfBirth?: string): NikProblem | null {
  if (!/^\d*$/.test(nik)) return 'digits';
  if (nik.length !== 16) return 'length';
  if (!knownProvinces.has(nik.slice(0, 2))) return 'province';
  const encodedDay = Number(nik.slice(6, 8));
  const day = encodedDay > 40 ? encodedDay - 40 : encodedDay;
  const month = Number(nik.slice(8, 10));
  const year2 = Number(nik.slice(10, 12));
  // Any century will do for the shape: 29 February needs a leap year, and 2000 is one.
  if (!isCalendarDate(2000 + year2, month, day) && !isCalendarDate(1900 + year2, month, day)) return 'birthDate';
  if (nik.slice(12) === '0000') return 'serial';
  if (dateOfBirth) {
    const [y, m, d] = dateOfBirth.split('-').map(Number);
    if (d !== day || m !== month || (y ?? 0) % 100 !== year2) return 'mismatch';
  }
  return null;
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Whether a YYYY-MM-DD text is a real date. */
export function isIsoDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return Boolean(match && isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3])));
}

/** 'P' (perempuan) when the day part is 41-71, else 'L' (laki-laki): what BNSP's list asks as sex. */
export const sexFromNik = (nik: string): 'L' | 'P' => (Number(nik.slice(6, 8)) > 40 ? 'P' : 'L');

/**
 * The NIK as anyone but the trainee and their coordinators sees it: the province and regency (4)
 * and the serial (4) stay, so a person can tell two entries apart; the district and the birth
 * date, which identify, do not: 3201••••••••0001.
 */
export function maskNik(nik: string): string {
  if (nik.length < 8) return '•'.repeat(nik.length);
  return `${nik.slice(0, 4)}${'•'.repeat(nik.length - 8)}${nik.slice(-4)}`;
}
