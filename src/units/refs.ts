import { currentCodePattern, olderCodePattern } from './schemas.js';

/**
 * An element or performance criterion named with its unit: `J.620100.004.02#1` is element 1 of
 * that unit, `J.620100.004.02#1.1` its criterion 1.1. Numbers alone are not enough wherever
 * several units meet (a module, a question): every unit has an element 1 and a criterion 1.1.
 * Modules (programs) and bank questions (assessments) store their elements and criteria this way;
 * this is the one place that builds and reads the form.
 */

const separator = '#';
const elementNoPattern = /^\d{1,2}$/;
const criterionNoPattern = /^\d{1,2}\.\d{1,2}$/;

/** The reference of element `no` (1) or criterion `no` ('1.1') of `unit`. */
export function unitRef(unit: string, no: string | number): string {
  return `${unit}${separator}${no}`;
}

/** A reference's unit and number, or undefined when it names no unit (a bare number, say). */
export function parseUnitRef(ref: string): { unit: string; no: string } | undefined {
  const at = ref.indexOf(separator);
  if (at <= 0) return undefined;
  return { unit: ref.slice(0, at), no: ref.slice(at + 1) };
}

/** The unit a reference names ('' when it names none). */
export function unitOfRef(ref: string): string {
  return parseUnitRef(ref)?.unit ?? '';
}

const isUnitCode = (code: string) => currentCodePattern.test(code) || olderCodePattern.test(code);

/** Whether `ref` is an element of a unit: a unit code, `#`, an element number (`J.620100.004.02#1`). */
export function isElementRef(ref: string): boolean {
  const parsed = parseUnitRef(ref);
  return Boolean(parsed && isUnitCode(parsed.unit) && elementNoPattern.test(parsed.no));
}

/** Whether `ref` is a performance criterion of a unit (`J.620100.004.02#1.1`). */
export function isCriterionRef(ref: string): boolean {
  const parsed = parseUnitRef(ref);
  return Boolean(parsed && isUnitCode(parsed.unit) && criterionNoPattern.test(parsed.no));
}

/** Whether `no` is an element number alone (`1`) or a criterion number alone (`1.1`), as a person types them under one unit. */
export const isElementNo = (no: string) => elementNoPattern.test(no);
export const isCriterionNo = (no: string) => criterionNoPattern.test(no);

/** Every element and criterion reference of a unit as stored (elements with their criteria). */
export function refsOfUnit(unit: { code: string; elements: { no: number | string; criteria: { no: string }[] }[] }): {
  elements: string[];
  criteria: string[];
} {
  return {
    elements: unit.elements.map((element) => unitRef(unit.code, element.no)),
    criteria: unit.elements.flatMap((element) => element.criteria.map((criterion) => unitRef(unit.code, criterion.no))),
  };
}
