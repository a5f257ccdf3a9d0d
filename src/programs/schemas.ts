import { z } from 'zod';
import { objectIdField } from '../platform/validation.js';
import { isElementRef } from '../units/refs.js';

const idList = z.preprocess(
  (value) => (value === undefined || value === '' ? [] : Array.isArray(value) ? value : [value]),
  z.array(objectIdField).max(200),
);
/**
 * Unit codes: a list (JSON, checkboxes) or one text with codes separated by spaces, commas or
 * semicolons, or both at once: the program form sends its ticked units and the pasted list under
 * one name, and an empty hidden entry so that "none ticked" reaches the server as such. Each
 * entry is split and empty ones dropped.
 */
const codeList = z.preprocess(
  (value) => {
    if (value === undefined) return [];
    const entries = Array.isArray(value) ? value : [value];
    if (!entries.every((entry) => typeof entry === 'string')) return value;
    return entries.flatMap((entry) => entry.split(/[\s,;]+/)).filter(Boolean);
  },
  z.array(z.string().trim().toUpperCase().max(40)).max(200),
);

export const programSchema = z.object({
  code: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z0-9][A-Z0-9.-]{1,29}$/, 'validation.programCode'),
  title: z.string().trim().min(3).max(200),
  description: z.string().trim().max(5000).default(''),
  sector: z.string().trim().max(40).default(''),
  level: z.coerce.number().int().min(1).max(9),
  /** Unit codes, in the order given. */
  units: codeList.default([]),
  prerequisites: z.string().trim().max(2000).default(''),
  /** Owner instructors; the creating instructor is always one of them. */
  instructors: idList.default([]),
  institution: objectIdField.optional(),
});
export type ProgramInput = z.output<typeof programSchema>;

export const moduleSchema = z.object({
  title: z.string().trim().min(2).max(200),
  description: z.string().trim().max(5000).default(''),
  hours: z.coerce.number().min(0).max(2000).default(0),
  units: codeList.default([]),
  /** "UNITCODE#2" for element 2 of a unit; none means all elements of the chosen units. */
  elements: z
    .preprocess(
      (value) => (value === undefined || value === '' ? [] : Array.isArray(value) ? value : [value]),
      z.array(z.string().trim().refine(isElementRef, 'validation.invalid')).max(500),
    )
    .default([]),
});
export type ModuleInput = z.output<typeof moduleSchema>;

/**
 * The unit picker's part of the program form (views/partials/unitPicker.ejs): the units chosen so
 * far, and the search the instructor asked for without JavaScript ("Cari unit"). `intent` is the
 * button that sent the form: `searchUnits`, `save`, or `enter` (the form's default button, which
 * Enter in a text field presses): Enter searches when the search box holds a query other than
 * the one whose results are shown (`unitQueryShown`), and saves otherwise.
 */
export const unitPickerForm = z.object({
  units: codeList.default([]),
  unitQuery: z.string().trim().max(200).default(''),
  unitQueryShown: z.string().trim().max(200).default(''),
  unitSector: z.string().trim().max(40).default(''),
  intent: z.enum(['save', 'searchUnits', 'enter']).catch('save'),
});
export type UnitPickerForm = z.output<typeof unitPickerForm>;

/** Whether a posted program form asks for a unit search rather than a save. */
export function asksForUnitSearch(form: UnitPickerForm): boolean {
  if (form.intent === 'searchUnits') return true;
  return form.intent === 'enter' && form.unitQuery !== '' && form.unitQuery !== form.unitQueryShown;
}

/** A YouTube or Vimeo link, reduced to the video's id; anything else is refused. */
export function parseVideoLink(link: string): { kind: 'youtube' | 'vimeo'; embedId: string } | undefined {
  let url: URL;
  try {
    url = new URL(link.trim());
  } catch {
    return undefined;
  }
  const host = url.hostname.replace(/^www\.|^m\./, '');
  const youtube =
    host === 'youtu.be'
      ? url.pathname.slice(1)
      : host === 'youtube.com' || host === 'youtube-nocookie.com'
        ? (url.searchParams.get('v') ?? /^\/(?:embed|shorts|live)\/([\w-]+)/.exec(url.pathname)?.[1])
        : undefined;
  if (youtube && /^[\w-]{6,20}$/.test(youtube)) return { kind: 'youtube', embedId: youtube };
  const vimeo =
    host === 'vimeo.com' || host === 'player.vimeo.com' ? /(?:^|\/)(\d{5,12})(?:$|\/)/.exec(url.pathname)?.[1] : undefined;
  if (vimeo) return { kind: 'vimeo', embedId: vimeo };
  return undefined;
}

export const lessonSchema = z.object({
  title: z.string().trim().min(2).max(200),
  body: z.string().max(200_000).default(''),
  estimatedMinutes: z.coerce.number().int().min(1).max(1000).default(10),
  /** A YouTube or Vimeo link; empty keeps an uploaded video (or none). */
  videoLink: z
    .string()
    .trim()
    .max(500)
    .default('')
    .refine((link) => link === '' || link === '-' || parseVideoLink(link) !== undefined, 'validation.videoLink'),
});
export type LessonInput = z.output<typeof lessonSchema>;

/** The fields beside an uploaded lesson image: its alt text, which readers without the picture get. */
export const lessonImageSchema = z.object({
  alt: z
    .string()
    .default('')
    .transform((alt) => alt.replace(/\s+/g, ' ').trim())
    .refine((alt) => alt.length > 0, 'programs.errors.altRequired')
    .refine((alt) => alt.length <= 300, 'programs.errors.altTooLong'),
});

export const moveSchema = z.object({ direction: z.enum(['up', 'down']) });

export const catalogueQuery = z.object({
  sector: z.string().trim().max(40).default(''),
  institution: z.union([z.literal(''), objectIdField]).default(''),
  province: z.string().trim().max(2).default(''),
  q: z.string().trim().max(100).default(''),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
});
export type CatalogueQuery = z.output<typeof catalogueQuery>;
