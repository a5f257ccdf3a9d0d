import { stringify } from 'csv-stringify/sync';
import { csvColumns, listSeparator } from './import.js';
import type { UnitView } from './schemas.js';

/** A unit as CSV lines in the import format: one line per performance criterion. */
export function unitCsvLines(unit: UnitView): string {
  const header = {
    code: unit.code,
    title_id: unit.title.id,
    title_en: unit.title.en,
    description: unit.description,
    decree: unit.standard.decree,
    year: unit.standard.year ?? '',
    sector: unit.sector,
    hours: unit.hours ?? '',
    variable_context: unit.variableContext,
    prerequisites: unit.assessmentGuidance.prerequisites.join(listSeparator),
    knowledge: unit.assessmentGuidance.knowledge.join(listSeparator),
    skills: unit.assessmentGuidance.skills.join(listSeparator),
    attitudes: unit.assessmentGuidance.attitudes.join(listSeparator),
    critical_aspects: unit.assessmentGuidance.criticalAspects.join(listSeparator),
  };
  const rows: Record<string, unknown>[] = [];
  for (const element of unit.elements) {
    const criteria = element.criteria.length ? element.criteria : [{ no: '', text: '' }];
    for (const criterion of criteria) {
      rows.push({
        code: unit.code,
        element_no: element.no,
        element_title: element.title,
        criterion_no: criterion.no,
        criterion_text: criterion.text,
      });
    }
  }
  if (!rows.length) rows.push({ code: unit.code });
  // Every line carries the code; the unit's other columns are written once, on its first line.
  return stringify(
    rows.map((row, index) => (index === 0 ? { ...header, ...row } : row)),
    { columns: [...csvColumns] },
  );
}

export const csvHeaderLine = stringify([csvColumns as unknown as string[]]);

/** The JSON export's shape is the import's: the unit without its database id and status. */
export function unitJson(unit: UnitView) {
  const { id: _id, status: _status, ...rest } = unit;
  return rest;
}
