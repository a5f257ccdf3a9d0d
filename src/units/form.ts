import { ValidationError } from '../platform/errors.js';
import { parseInput } from '../platform/validation.js';
import { formatElements, parseElements } from './elementsText.js';
import {
  type UnitFormFields,
  type UnitInput,
  type UnitView,
  unitFormFieldFor,
  unitFormFields,
  unitFormToInput,
  unitInput,
} from './schemas.js';

/** The unit form's fields as a unitInput; errors are named after the form's fields. */
export function parseUnitForm(body: unknown): UnitInput {
  const form = parseInput(unitFormFields, body);
  const { elements, badLine } = parseElements(form.elementsText);
  if (badLine)
    throw new ValidationError([{ field: 'elementsText', key: 'units.form.badElementLine', params: { line: badLine } }]);
  try {
    return parseInput(unitInput, unitFormToInput(form, elements));
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(
      error.fields.map((issue) => {
        const path = Object.keys(unitFormFieldFor).find(
          (prefix) => issue.field === prefix || issue.field.startsWith(`${prefix}.`),
        );
        return { ...issue, field: path ? (unitFormFieldFor[path] as string) : issue.field };
      }),
    );
  }
}

/** A unit as the form's values, for editing. */
export function unitToForm(unit: UnitView): UnitFormFields {
  return {
    code: unit.code,
    titleId: unit.title.id,
    titleEn: unit.title.en,
    description: unit.description,
    decree: unit.standard.decree,
    year: unit.standard.year === null ? '' : String(unit.standard.year),
    sector: unit.sector,
    hours: unit.hours === null ? '' : String(unit.hours),
    elementsText: formatElements(unit.elements),
    variableContext: unit.variableContext,
    prerequisites: unit.assessmentGuidance.prerequisites.join(' '),
    knowledge: unit.assessmentGuidance.knowledge.join('\n'),
    skills: unit.assessmentGuidance.skills.join('\n'),
    attitudes: unit.assessmentGuidance.attitudes.join('\n'),
    criticalAspects: unit.assessmentGuidance.criticalAspects.join('\n'),
  };
}
