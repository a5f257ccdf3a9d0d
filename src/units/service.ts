import { NotFoundError } from '../platform/errors.js';
import { type Page, paginate } from '../platform/pagination.js';
import { type Actor, authorize, can } from '../platform/permissions.js';
import { escapeRegExp, searchWords } from '../platform/text.js';
import { CompetencyUnit, type UnitDoc } from './model.js';
import type { UnitInput, UnitSearchQuery, UnitView } from './schemas.js';

export const unitsPerPage = 25;

export function toUnitView(unit: UnitDoc): UnitView {
  const guidance = unit.assessmentGuidance;
  return {
    id: String(unit._id),
    code: unit.code,
    title: { id: unit.title?.id ?? '', en: unit.title?.en ?? '' },
    description: unit.description ?? '',
    standard: { decree: unit.standard?.decree ?? '', year: unit.standard?.year ?? null },
    sector: unit.sector ?? '',
    hours: unit.hours ?? null,
    elements: unit.elements.map((element) => ({
      no: element.no,
      title: element.title,
      criteria: element.criteria.map((criterion) => ({ no: criterion.no, text: criterion.text })),
    })),
    variableContext: unit.variableContext ?? '',
    assessmentGuidance: {
      prerequisites: guidance?.prerequisites ?? [],
      knowledge: guidance?.knowledge ?? [],
      skills: guidance?.skills ?? [],
      attitudes: guidance?.attitudes ?? [],
      criticalAspects: guidance?.criticalAspects ?? [],
    },
    status: unit.status,
  };
}

/** The stored fields of a unit, including its search words. */
export function unitFields(input: UnitInput) {
  return {
    ...input,
    words: searchWords(input.code, input.code.replace(/\./g, ' '), input.title.id, input.title.en, input.description),
  };
}

/** Units matching the query: code prefix, words of the title and description (the last one as a prefix), sector. */
export function unitFilter(actor: Actor | null, query: Omit<UnitSearchQuery, 'page'>): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  if (!can(actor, 'unit.viewProposed')) filter.status = 'approved';
  else if (query.status) filter.status = query.status;
  if (query.code) filter.code = { $regex: `^${escapeRegExp(query.code)}` };
  if (query.sector) filter.sector = query.sector;
  const words = searchWords(query.q);
  const last = words.pop();
  const conditions: Record<string, unknown>[] = [];
  if (words.length) conditions.push({ words: { $all: words } });
  if (last) conditions.push({ words: { $regex: `^${escapeRegExp(last)}` } });
  if (conditions.length) filter.$and = conditions;
  return filter;
}

export async function searchUnits(actor: Actor | null, query: UnitSearchQuery): Promise<Page<UnitView>> {
  authorize(actor, 'unit.browse');
  const filter = unitFilter(actor, query);
  const found = await paginate(query.page, unitsPerPage, (skip, limit) =>
    CompetencyUnit.find(filter, { words: 0 }).sort({ code: 1 }).skip(skip).limit(limit).lean<UnitDoc[]>(),
  );
  return { ...found, items: found.items.map(toUnitView) };
}

export async function getUnit(actor: Actor | null, code: string): Promise<UnitView & { proposedBy: string | null }> {
  authorize(actor, 'unit.browse');
  const unit = await CompetencyUnit.findOne({ code: code.toUpperCase() }, { words: 0 }).lean<UnitDoc>();
  if (!unit || (unit.status !== 'approved' && !can(actor, 'unit.viewProposed'))) throw new NotFoundError();
  return { ...toUnitView(unit), proposedBy: unit.proposedBy ? String(unit.proposedBy) : null };
}

function sameContent(unit: UnitDoc, input: UnitInput): boolean {
  const { id: _id, status: _status, ...stored } = toUnitView(unit);
  return JSON.stringify(stored) === JSON.stringify({ ...stored, ...input });
}

export type SaveOutcome = 'created' | 'updated' | 'unchanged' | { error: string };

/**
 * Creates or updates units by their codes, in one batch (imports save thousands). Coordinators'
 * and admins' units are approved at once; an instructor's new unit is a proposal, and an
 * instructor may change only their own proposals. Safe to run concurrently for the same codes:
 * the unique index on `code` decides who inserts, and the loser updates instead.
 */
export async function saveUnits(actor: Actor | null, inputs: UnitInput[]): Promise<SaveOutcome[]> {
  authorize(actor, 'unit.propose');
  const approves = can(actor, 'unit.approve');
  const existing = new Map(
    (await CompetencyUnit.find({ code: { $in: inputs.map((input) => input.code) } }).lean<UnitDoc[]>()).map((unit) => [
      unit.code,
      unit,
    ]),
  );
  const outcomes: SaveOutcome[] = [];
  const inserts: { index: number; doc: Record<string, unknown> }[] = [];
  const updates: { index: number; id: unknown; fields: Record<string, unknown> }[] = [];
  inputs.forEach((input, index) => {
    const unit = existing.get(input.code);
    if (!unit) {
      const status = approves ? 'approved' : 'proposed';
      const approval = approves ? { approvedBy: actor.id, approvedAt: new Date() } : {};
      inserts.push({
        index,
        doc: new CompetencyUnit({ ...unitFields(input), status, proposedBy: actor.id, ...approval }).toObject(),
      });
      outcomes[index] = 'created';
    } else if (sameContent(unit, input)) {
      outcomes[index] = 'unchanged';
    } else if (!can(actor, 'unit.edit', { status: unit.status, proposedBy: unit.proposedBy ? String(unit.proposedBy) : null })) {
      outcomes[index] = { error: 'units.errors.approvedByOthers' };
    } else {
      updates.push({ index, id: unit._id, fields: unitFields(input) });
      outcomes[index] = 'updated';
    }
  });
  const raced: number[] = [];
  if (inserts.length) {
    try {
      await CompetencyUnit.collection.insertMany(
        inserts.map((insert) => insert.doc),
        { ordered: false },
      );
    } catch (error) {
      const writeErrors = (error as { writeErrors?: { index: number; code: number }[] }).writeErrors;
      if (!writeErrors || writeErrors.some((writeError) => writeError.code !== 11000)) throw error;
      for (const writeError of writeErrors) raced.push(inserts[writeError.index]!.index);
    }
  }
  if (updates.length) {
    await CompetencyUnit.bulkWrite(
      updates.map((update) => ({ updateOne: { filter: { _id: update.id }, update: { $set: update.fields } } })),
      { ordered: false },
    );
  }
  if (raced.length) {
    // Another import inserted these codes since we looked: save them again, now as updates.
    const again = await saveUnits(
      actor,
      raced.map((index) => inputs[index]!),
    );
    raced.forEach((index, position) => {
      outcomes[index] = again[position]!;
    });
  }
  return outcomes;
}

export async function approveUnit(actor: Actor | null, code: string): Promise<void> {
  authorize(actor, 'unit.approve');
  const result = await CompetencyUnit.updateOne(
    { code: code.toUpperCase() },
    { $set: { status: 'approved', approvedBy: actor.id, approvedAt: new Date() } },
  );
  if (result.matchedCount === 0) throw new NotFoundError();
}

/** All units matching a query, in code order, for export. */
export async function* exportUnits(actor: Actor | null, query: Omit<UnitSearchQuery, 'page'>): AsyncGenerator<UnitView> {
  authorize(actor, 'unit.browse');
  for await (const unit of CompetencyUnit.find(unitFilter(actor, query), { words: 0 })
    .sort({ code: 1 })
    .lean<UnitDoc[]>()
    .cursor()) {
    yield toUnitView(unit as unknown as UnitDoc);
  }
}
