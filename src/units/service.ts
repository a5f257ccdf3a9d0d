import { duplicatePositions, NotFoundError } from '../platform/errors.js';
import { type Page, paginate } from '../platform/pagination.js';
import { type Actor, authorize, can } from '../platform/permissions.js';
import { searchWords } from '../platform/text.js';
import { CompetencyUnit, type UnitDoc } from './model.js';
import type { UnitInput, UnitSearchQuery, UnitView } from './schemas.js';
import {
  findUnits,
  splitUnitQuery,
  type UnitMatch,
  type UnitSummary,
  unitsByCode,
  writeUnits,
  writeUnitsInSlices,
} from './search.js';

export type { UnitSummary } from './search.js';

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

/** What a search query and the actor's permission ask of units (non-staff see approved units only). */
function unitMatch(actor: Actor | null, query: Omit<UnitSearchQuery, 'page'>): UnitMatch {
  const words = searchWords(query.q);
  const wordPrefix = words.pop();
  return {
    status: can(actor, 'unit.viewProposed') ? query.status || undefined : 'approved',
    sector: query.sector || undefined,
    codePrefix: query.code || undefined,
    words,
    wordPrefix,
  };
}

/**
 * A page of units matching the query, in code order: words of the code, titles and description
 * (all of them, the last one as a prefix: "struktur dat"), code prefix, sector, status (staff).
 */
export async function searchUnits(actor: Actor | null, query: UnitSearchQuery): Promise<Page<UnitSummary>> {
  authorize(actor, 'unit.browse');
  const match = unitMatch(actor, query);
  return paginate(query.page, unitsPerPage, (skip, limit) => findUnits(match, skip, limit));
}

/**
 * The unit picker's search (program form): one box for a code prefix or words (splitUnitQuery),
 * a sector, the first `limit` matches in code order, and whether more follow.
 */
export async function pickUnits(
  actor: Actor | null,
  query: { text: string; sector: string; limit: number },
): Promise<{ items: UnitSummary[]; hasMore: boolean }> {
  authorize(actor, 'unit.browse');
  const parts = splitUnitQuery(query.text);
  // Typed text with nothing to match ("(.*", one letter) finds nothing rather than every unit.
  if (parts.q && !searchWords(parts.q).length) return { items: [], hasMore: false };
  const match = unitMatch(actor, { ...parts, sector: query.sector, status: '' });
  const found = await findUnits(match, 0, query.limit + 1);
  return { items: found.slice(0, query.limit), hasMore: found.length > query.limit };
}

/** The units with these codes that the actor may see (non-staff: approved ones), by code. */
export async function visibleUnitsByCode(actor: Actor | null, codes: string[]): Promise<Map<string, UnitSummary>> {
  authorize(actor, 'unit.browse');
  const found = await unitsByCode(codes);
  if (!can(actor, 'unit.viewProposed')) {
    for (const [code, unit] of found) if (unit.status !== 'approved') found.delete(code);
  }
  return found;
}

export async function getUnit(actor: Actor | null, code: string): Promise<UnitView & { proposedBy: string | null }> {
  authorize(actor, 'unit.browse');
  const unit = await CompetencyUnit.findOne({ code: code.toUpperCase() }).lean<UnitDoc>();
  if (!unit || (unit.status !== 'approved' && !can(actor, 'unit.viewProposed'))) throw new NotFoundError();
  return { ...toUnitView(unit), proposedBy: unit.proposedBy ? String(unit.proposedBy) : null };
}

function sameContent(unit: UnitDoc, input: UnitInput): boolean {
  const { id: _id, status: _status, ...stored } = toUnitView(unit);
  return JSON.stringify(stored) === JSON.stringify({ ...stored, ...input });
}

export type SaveOutcome = 'created' | 'updated' | 'unchanged' | { error: string };
type Insert = { index: number; doc: Record<string, unknown> };
type Update = { index: number; id: unknown; fields: UnitInput };

/**
 * Inserts new units in one go, stamped with `revision`. Returns the indexes of the inputs another
 * writer inserted meanwhile (their codes are taken now).
 */
async function insertUnits(inserts: Insert[], revision: number): Promise<number[]> {
  try {
    await CompetencyUnit.collection.insertMany(
      inserts.map((insert) => ({ ...insert.doc, revision })),
      { ordered: false },
    );
    return [];
  } catch (error) {
    const duplicates = duplicatePositions(error);
    if (!duplicates) throw error;
    return duplicates.map((position) => inserts[position]!.index);
  }
}

/** Updates changed units, stamped with `revision`. */
async function updateUnits(updates: Update[], revision: number): Promise<void> {
  if (!updates.length) return;
  await CompetencyUnit.bulkWrite(
    updates.map((update) => ({
      updateOne: { filter: { _id: update.id }, update: { $set: { ...update.fields, revision } } },
    })),
    { ordered: false },
  );
}

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
  const inserts: Insert[] = [];
  const updates: Update[] = [];
  inputs.forEach((input, index) => {
    const unit = existing.get(input.code);
    if (!unit) {
      const status = approves ? 'approved' : 'proposed';
      const approval = approves ? { approvedBy: actor.id, approvedAt: new Date() } : {};
      inserts.push({
        index,
        // Inserted through the driver in one batch, so the timestamps Mongoose's save would add are set here.
        doc: {
          ...new CompetencyUnit({ ...input, status, proposedBy: actor.id, ...approval }).toObject(),
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
      updates.push({ index, id: unit._id, fields: input });
      outcomes[index] = 'updated';
    }
  });
  const raced = (await writeUnitsInSlices(inserts, insertUnits)).flat();
  await writeUnitsInSlices(updates, updateUnits);
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
  const result = await writeUnits((revision) =>
    CompetencyUnit.updateOne(
      { code: code.toUpperCase() },
      { $set: { status: 'approved', approvedBy: actor.id, approvedAt: new Date(), revision } },
    ),
  );
  if (result.matchedCount === 0) throw new NotFoundError();
}

/** Units read at a time by the export (one indexed query each). */
const exportBatch = 100;

/** All units matching a query, in code order, for export: their codes from the search, then the units by code. */
export async function* exportUnits(actor: Actor | null, query: Omit<UnitSearchQuery, 'page'>): AsyncGenerator<UnitView> {
  authorize(actor, 'unit.browse');
  const viewsProposed = can(actor, 'unit.viewProposed');
  const codes = (await findUnits(unitMatch(actor, query))).map((unit) => unit.code);
  for (let start = 0; start < codes.length; start += exportBatch) {
    const batch = codes.slice(start, start + exportBatch);
    const units = new Map(
      (await CompetencyUnit.find({ code: { $in: batch } }).lean<UnitDoc[]>()).map((unit) => [unit.code, unit]),
    );
    for (const code of batch) {
      const unit = units.get(code);
      if (unit && (viewsProposed || unit.status === 'approved')) yield toUnitView(unit);
    }
  }
}
