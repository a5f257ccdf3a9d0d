import { z } from 'zod';
import { ValidationError } from '../platform/errors.js';
import type { Actor } from '../platform/permissions.js';
import { checkboxField, objectIdField } from '../platform/validation.js';
import { Module, Program } from './model.js';
import { editableProgram, touchDraft } from './service.js';

/**
 * A program's completion rules: what a trainee must have done for a completion record to be
 * proposed (src/completion/). Edited in the draft like the rest of the program and frozen into each
 * published version, so a cohort keeps the rules of the version it runs. Each rule can be off.
 */
export type CompletionRules = {
  /** Every competency unit of the program with the verdict K. */
  allUnitsCompetent: boolean;
  /** Minutes attended at or above this percent of the minutes of live classes held (0: no rule). */
  minAttendancePercent: number;
  /** Module ids whose every lesson the trainee has completed. */
  requiredModules: string[];
};

/**
 * The rules of versions published before programs had them, and of a new program: every unit
 * competent and 80% of live-class minutes (a cohort that holds no live class meets it).
 */
export const defaultCompletionRules: CompletionRules = { allUnitsCompetent: true, minAttendancePercent: 80, requiredModules: [] };

export const completionRulesSchema = z.object({
  allUnitsCompetent: checkboxField(false),
  minAttendancePercent: z.coerce.number().int().min(0).max(100),
  requiredModules: z
    .preprocess(
      (value) => (value === undefined || value === '' ? [] : Array.isArray(value) ? value : [value]),
      z.array(objectIdField).max(200),
    )
    .transform((ids) => ids.filter((id) => id !== ''))
    .default([]),
});
export type CompletionRulesInput = z.output<typeof completionRulesSchema>;

/** The rules a draft or version states: stored ones, with modules no longer in it left out. */
export function rulesOf(snapshot: { modules: { id: string }[]; completion?: CompletionRules }): CompletionRules {
  const stored = snapshot.completion ?? defaultCompletionRules;
  const modules = new Set(snapshot.modules.map((module) => module.id));
  return {
    allUnitsCompetent: stored.allUnitsCompetent,
    minAttendancePercent: stored.minAttendancePercent,
    requiredModules: stored.requiredModules.filter((id) => modules.has(id)),
  };
}

/** The rules of a program's draft, as stored (a program saved before rules existed has the defaults). */
export function draftRules(program: {
  completion?: { allUnitsCompetent?: boolean; minAttendancePercent?: number; requiredModules?: unknown[] } | null;
}): CompletionRules {
  const stored = program.completion;
  return {
    allUnitsCompetent: stored?.allUnitsCompetent ?? defaultCompletionRules.allUnitsCompetent,
    minAttendancePercent: stored?.minAttendancePercent ?? defaultCompletionRules.minAttendancePercent,
    requiredModules: (stored?.requiredModules ?? []).map(String),
  };
}

/** Changes the draft's rules; the next published version carries them. Modules must be the program's own. */
export async function setCompletionRules(actor: Actor | null, programId: string, input: CompletionRulesInput): Promise<void> {
  const program = await editableProgram(actor, programId);
  const modules = await Module.find({ program: program._id }, { _id: 1 }).lean();
  const own = new Set(modules.map((module) => String(module._id)));
  if (input.requiredModules.some((id) => !own.has(id)))
    throw new ValidationError([{ field: 'requiredModules', key: 'validation.invalid' }]);
  await Program.updateOne(
    { _id: program._id },
    { $set: { completion: { ...input, requiredModules: [...new Set(input.requiredModules)] } } },
  );
  await touchDraft(program._id);
}

/** The rules as one line of the changes page (programs/diff.ts): the same marks in every language. */
export function rulesSummary(rules: CompletionRules, moduleTitle: (id: string) => string): string {
  return [
    `K: ${rules.allUnitsCompetent ? '✓' : '–'}`,
    `≥ ${rules.minAttendancePercent}%`,
    rules.requiredModules.map(moduleTitle).join(', ') || '–',
  ].join(' · ');
}
