import { NotFoundError } from '../platform/errors.js';
import { type Page, paginate } from '../platform/pagination.js';
import { type Actor, authorize, can } from '../platform/permissions.js';
import { escapeRegExp, searchWords } from '../platform/text.js';
import { CompetencyUnit, type UnitDoc, UnitEntry, type UnitEntryDoc, type UnitStatus } from './model.js';
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

/**
 * Units matching the query: code prefix, words of the title and description (the last one as a
 * prefix), sector. `codeField` is `code` on units and `_id` on their search entries.
 */
export function unitFilter(
  actor: Actor | null,
  query: Omit<UnitSearchQuery, 'page'>,
  codeField = 'code',
): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  if (!can(actor, 'unit.viewProposed')) filter.status = 'approved';
  else if (query.status) filter.status = query.status;
  if (query.code) filter[codeField] = { $regex: `^${escapeRegExp(query.code)}` };
  if (query.sector) filter.sector = query.sector;
  const words = searchWords(query.q);
  const last = words.pop();
  const conditions: Record<string, unknown>[] = [];
  if (words.length) conditions.push({ words: { $all: words } });
  if (last) conditions.push({ words: { $regex: `^${escapeRegExp(last)}` } });
  if (conditions.length) filter.$and = conditions;
  return filter;
}

export type UnitSummary = { code: string; title: { id: string; en: string }; sector: string; status: UnitStatus };

/** A page of units matching the query, in code order, from their search entries. */
export async function searchUnits(actor: Actor | null, query: UnitSearchQuery): Promise<Page<UnitSummary>> {
  authorize(actor, 'unit.browse');
  const filter = unitFilter(actor, query, '_id');
  const found = await paginate(query.page, unitsPerPage, (skip, limit) =>
    UnitEntry.find(filter, { words: 0 }).sort({ _id: 1 }).skip(skip).limit(limit).lean<UnitEntryDoc[]>(),
  );
  return {
    ...found,
    items: found.items.map((entry) => ({
      code: entry._id,
      title: { id: entry.title?.id ?? '', en: entry.title?.en ?? '' },
      sector: entry.sector ?? '',
      status: entry.status,
    })),
  };
}

function entryFor(unit: {
  code: string;
  title: { id: string; en: string };
  sector: string;
  status: UnitStatus;
  words: string[];
}) {
  return {
    updateOne: {
      filter: { _id: unit.code },
      update: { $set: { title: unit.title, sector: unit.sector, status: unit.status, words: unit.words } },
      upsert: true,
    },
  };
}

/** Inserts the entries of new units in one go (an upsert each is slow on FerretDB); any already there are upserted. */
async function insertEntries(
  units: { code: string; title: { id: string; en: string }; sector: string; status: UnitStatus; words: string[] }[],
) {
  if (!units.length) return;
  const docs = units.map((unit) => ({
    _id: unit.code,
    title: unit.title,
    sector: unit.sector,
    status: unit.status,
    words: unit.words,
  }));
  try {
    await UnitEntry.collection.insertMany(docs as never[], { ordered: false });
  } catch (error) {
    const writeErrors = (error as { writeErrors?: { index: number; code: number }[] }).writeErrors;
    if (!writeErrors || writeErrors.some((writeError) => writeError.code !== 11000)) throw error;
    await writeEntries(writeErrors.map((writeError) => entryFor(units[writeError.index]!)));
  }
}

/** Upserts search entries; two imports upserting the same new code race once, so once more settles it. */
async function writeEntries(operations: ReturnType<typeof entryFor>[]): Promise<void> {
  try {
    await UnitEntry.bulkWrite(operations, { ordered: false });
  } catch (error) {
    if (
      (error as { code?: number }).code !== 11000 &&
      !(error as { writeErrors?: { code: number }[] }).writeErrors?.every((e) => e.code === 11000)
    ) {
      throw error;
    }
    await UnitEntry.bulkWrite(operations, { ordered: false });
  }
}

/** Rebuilds missing search entries (a database from before they existed, or a crash between writes). */
export async function ensureUnitEntries(): Promise<number> {
  const [units, entries] = await Promise.all([CompetencyUnit.estimatedDocumentCount(), UnitEntry.estimatedDocumentCount()]);
  if (units === entries) return 0;
  let written = 0;
  let batch: ReturnType<typeof entryFor>[] = [];
  for await (const unit of CompetencyUnit.find({}, { code: 1, title: 1, sector: 1, status: 1, words: 1 })
    .lean<UnitDoc[]>()
    .cursor()) {
    const doc = unit as unknown as UnitDoc;
    batch.push(
      entryFor({
        code: doc.code,
        title: { id: doc.title?.id ?? '', en: doc.title?.en ?? '' },
        sector: doc.sector ?? '',
        status: doc.status,
        words: doc.words ?? [],
      }),
    );
    if (batch.length === 500) {
      await writeEntries(batch);
      written += batch.length;
      batch = [];
    }
  }
  if (batch.length) await writeEntries(batch);
  return written + batch.length;
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
  const now = new Date();
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
        // Inserted through the driver in one batch, so the timestamps Mongoose's save would add are set here.
        doc: {
          ...new CompetencyUnit({ ...unitFields(input), status, proposedBy: actor.id, ...approval }).toObject(),
          createdAt: now,
          updatedAt: now,
        },
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
  type Written = { code: string; title: { id: string; en: string }; sector: string; status: UnitStatus; words: string[] };
  const created = inserts.filter((insert) => !raced.includes(insert.index)).map((insert) => insert.doc as unknown as Written);
  const changed = updates.map((update) => ({
    ...update.fields,
    status: existing.get(inputs[update.index]!.code)!.status,
  })) as Written[];
  await insertEntries(created);
  if (changed.length) await writeEntries(changed.map(entryFor));
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
  await UnitEntry.updateOne({ _id: code.toUpperCase() }, { $set: { status: 'approved' } });
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
