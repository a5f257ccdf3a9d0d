import { z } from 'zod';
import { unitStatuses } from './model.js';

/**
 * SKKNI unit codes, in the forms the decrees use: the current one (KBLI letter, then either six
 * digits or two digits, a field and a group, then unit number and version: J.620100.004.02,
 * C.28LOG20.003.2, I.55HDR00.150.2) and the older one (sector, sub-sector and group, unit number,
 * version: TIK.PR02.001.01, PAR.HT01.001.01, and PAR.UJ.01.002.01 as some decrees print it).
 */
export const currentCodePattern = /^[A-Z]\.(\d{6}\.\d{3}\.\d{2}|\d{2}[A-Z]{3}\d{2}\.\d{3}\.\d)$/;
export const olderCodePattern = /^[A-Z]{2,5}\.[A-Z]{1,3}\.?\d{2}\.\d{3}\.\d{2}$/;
export const unitCodeField = z
  .string()
  .trim()
  .toUpperCase()
  .refine((code) => currentCodePattern.test(code) || olderCodePattern.test(code), 'validation.unitCode');

const text = (max: number) => z.string().trim().max(max);
const list = z.array(z.string().trim().min(1).max(1000)).max(100);

export const criterionInput = z.object({
  no: z
    .string()
    .trim()
    .regex(/^\d+\.\d+$/, 'validation.criterionNo'),
  text: text(2000).min(1),
});
export const elementInput = z.object({
  no: z.coerce.number().int().min(1).max(99),
  title: text(500).min(1),
  criteria: z.array(criterionInput).max(50),
});

/** Elements numbered 1, 2, … in order, each criterion numbered under its element (2.1, 2.2, …). */
export function elementsIssue(elements: z.output<typeof elementInput>[]): string | undefined {
  for (const [index, element] of elements.entries()) {
    if (element.no !== index + 1) return 'validation.elementOrder';
    for (const [criterionIndex, criterion] of element.criteria.entries()) {
      if (criterion.no !== `${element.no}.${criterionIndex + 1}`) return 'validation.criterionOrder';
    }
  }
  return undefined;
}

const guidanceFields = {
  prerequisites: z.array(unitCodeField).max(50).default([]),
  knowledge: list.default([]),
  skills: list.default([]),
  attitudes: list.default([]),
  criticalAspects: list.default([]),
};
const noGuidance = { prerequisites: [], knowledge: [], skills: [], attitudes: [], criticalAspects: [] };

const unitFields = {
  code: unitCodeField,
  title: z.object({ id: text(300).min(3), en: text(300).default('') }),
  description: text(5000).default(''),
  standard: z
    .object({ decree: text(300).default(''), year: z.coerce.number().int().min(1990).max(2100).nullable().default(null) })
    .default({ decree: '', year: null }),
  sector: z.string().trim().toLowerCase().max(40).default(''),
  hours: z.coerce.number().min(0).max(10_000).nullable().default(null),
  elements: z.array(elementInput).max(50).default([]),
  variableContext: text(10_000).default(''),
  assessmentGuidance: z.object(guidanceFields).default(noGuidance),
};

function checkElements(unit: { elements: z.output<typeof elementInput>[] }, context: z.RefinementCtx) {
  const issue = elementsIssue(unit.elements);
  if (issue) context.addIssue({ code: 'custom', path: ['elements'], message: issue });
}

/** A whole unit, as the API, the form and the export use it. */
export const unitInput = z.object(unitFields).superRefine(checkElements);

const isTextList = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');
/** A wrong shape is named as such ("must be text or {id, en}"), not as a bare "invalid". */
const shapeError = (key: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'validation.required' : key);

/**
 * A unit in a JSON import file. Besides the export's shape it takes what SKKNI data files hold
 * (e.g. an LSP's scheme file): the title as plain text (the Indonesian title), the variable
 * context as a list of paragraphs, and the assessment guidance as a list or a text. Such
 * guidance has no heading of its own in the file, so it is kept as the critical aspects (the
 * part of the guidance that says how the unit is assessed) rather than dropped.
 */
export const unitImportInput = z
  .object({
    ...unitFields,
    title: z.preprocess(
      (value) => (typeof value === 'string' ? { id: value } : value),
      z.object({ id: text(300).min(3), en: text(300).default('') }, { error: shapeError('validation.titleShape') }),
    ),
    variableContext: z.preprocess(
      (value) =>
        isTextList(value)
          ? value
              .map((item) => item.trim())
              .filter(Boolean)
              .join('\n')
          : value,
      z.string({ error: 'validation.textOrList' }).trim().max(10_000).default(''),
    ),
    assessmentGuidance: z.preprocess(
      (value) =>
        typeof value === 'string' ? { criticalAspects: [value] } : isTextList(value) ? { criticalAspects: value } : value,
      z.object(guidanceFields, { error: shapeError('validation.guidanceShape') }).default(noGuidance),
    ),
  })
  .superRefine(checkElements);
export type UnitInput = z.output<typeof unitInput>;

export const unitSearchQuery = z.object({
  q: z.string().trim().max(200).default(''),
  code: z.string().trim().toUpperCase().max(40).default(''),
  sector: z.string().trim().max(40).default(''),
  status: z.union([z.literal(''), z.enum(unitStatuses)]).default(''),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});
export type UnitSearchQuery = z.output<typeof unitSearchQuery>;

export const unitView = z.object({
  id: z.string(),
  code: z.string(),
  title: z.object({ id: z.string(), en: z.string() }),
  description: z.string(),
  standard: z.object({ decree: z.string(), year: z.number().nullable() }),
  sector: z.string(),
  hours: z.number().nullable(),
  elements: z.array(
    z.object({ no: z.number(), title: z.string(), criteria: z.array(z.object({ no: z.string(), text: z.string() })) }),
  ),
  variableContext: z.string(),
  assessmentGuidance: z.object({
    prerequisites: z.array(z.string()),
    knowledge: z.array(z.string()),
    skills: z.array(z.string()),
    attitudes: z.array(z.string()),
    criticalAspects: z.array(z.string()),
  }),
  status: z.enum(unitStatuses),
});
export type UnitView = z.output<typeof unitView>;

const lines = (value: string) =>
  value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);

/**
 * The unit form: elements and criteria as one block of text (see elementsText.ts), lists one per
 * line, prerequisite codes separated by spaces, commas or semicolons. Turned into a unitInput.
 */
export const unitFormFields = z.object({
  code: z.string().default(''),
  titleId: z.string().default(''),
  titleEn: z.string().default(''),
  description: z.string().default(''),
  decree: z.string().default(''),
  year: z.string().default(''),
  sector: z.string().default(''),
  hours: z.string().default(''),
  elementsText: z.string().max(100_000).default(''),
  variableContext: z.string().default(''),
  prerequisites: z.string().default(''),
  knowledge: z.string().default(''),
  skills: z.string().default(''),
  attitudes: z.string().default(''),
  criticalAspects: z.string().default(''),
});
export type UnitFormFields = z.output<typeof unitFormFields>;

export function unitFormToInput(form: UnitFormFields, elements: unknown[]): unknown {
  return {
    code: form.code,
    title: { id: form.titleId, en: form.titleEn },
    description: form.description,
    standard: { decree: form.decree, year: form.year.trim() ? form.year : null },
    sector: form.sector,
    hours: form.hours.trim() ? form.hours : null,
    elements,
    variableContext: form.variableContext,
    assessmentGuidance: {
      prerequisites: form.prerequisites.split(/[\s,;]+/).filter(Boolean),
      knowledge: lines(form.knowledge),
      skills: lines(form.skills),
      attitudes: lines(form.attitudes),
      criticalAspects: lines(form.criticalAspects),
    },
  };
}

/** Field names of the form for each part of a unitInput, so errors show beside the right field. */
export const unitFormFieldFor: Record<string, string> = {
  code: 'code',
  'title.id': 'titleId',
  'title.en': 'titleEn',
  description: 'description',
  'standard.decree': 'decree',
  'standard.year': 'year',
  sector: 'sector',
  hours: 'hours',
  elements: 'elementsText',
  variableContext: 'variableContext',
  'assessmentGuidance.prerequisites': 'prerequisites',
  'assessmentGuidance.knowledge': 'knowledge',
  'assessmentGuidance.skills': 'skills',
  'assessmentGuidance.attitudes': 'attitudes',
  'assessmentGuidance.criticalAspects': 'criticalAspects',
};

/** A unit as a search result lists it. */
export const unitSummary = z.object({
  code: z.string(),
  title: z.object({ id: z.string(), en: z.string() }),
  sector: z.string(),
  status: z.enum(unitStatuses),
});
