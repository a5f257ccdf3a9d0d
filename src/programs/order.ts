import type mongoose from 'mongoose';
import { ConflictError, NotFoundError } from '../platform/errors.js';
import { Lesson, Module, Program } from './model.js';

/**
 * The order of a program's modules and of a module's lessons. It is a list of ids kept on the
 * parent (`Program.moduleOrder`, `Module.lessonOrder`), and every change of it is one update of
 * that one document: a move writes the whole list, conditional on the `orderRevision` it was read
 * at (a move computed from a list someone changed meanwhile is not written, but computed again);
 * an addition is `$addToSet` and a removal `$pull`, both moving the revision. An item's place is
 * its index in the list, so places are unique and without gaps by construction.
 *
 * Why not numbered positions under a unique index on (parent, position): a swap then takes three
 * writes of two documents (one through a free place), and with no multi-document transactions on
 * FerretDB a crash or a concurrent swap between them leaves an item on the free place or the swap
 * half-done; a deletion leaves a gap. One document's update is atomic on MongoDB, and on FerretDB
 * too, since every update goes through one connection (platform/db/ferretdbAdapter.ts).
 *
 * Items the list does not name (saved before the parent kept a list, or whose creation stopped
 * between inserting the item and listing it) follow the listed ones, by their old position, then
 * by creation; the next move writes them into the list. Ids of deleted items are skipped.
 */

type Orderable = { _id: unknown; position?: number | null };

export function inOrder<T extends Orderable>(items: T[], order: readonly unknown[] | null | undefined): T[] {
  const unlisted = new Map(items.map((item) => [String(item._id), item]));
  const listed: T[] = [];
  for (const id of order ?? []) {
    const item = unlisted.get(String(id));
    if (!item) continue;
    listed.push(item);
    unlisted.delete(String(id));
  }
  const byCreation = (a: T, b: T) => (String(a._id) < String(b._id) ? -1 : String(a._id) > String(b._id) ? 1 : 0);
  const rest = [...unlisted.values()].sort(
    (a, b) => (a.position ?? Number.MAX_SAFE_INTEGER) - (b.position ?? Number.MAX_SAFE_INTEGER) || byCreation(a, b),
  );
  return [...listed, ...rest];
}

type Update = mongoose.UpdateQuery<unknown>;
type Id = mongoose.Types.ObjectId | string;

/** One ordered list: how to read its parent and its items, and to update its parent. */
type List = {
  field: 'moduleOrder' | 'lessonOrder';
  parent: () => Promise<{ order?: unknown[] | null; revision?: number | null } | null>;
  items: () => Promise<Orderable[]>;
  update: (filter: Record<string, unknown>, update: Update) => Promise<{ matchedCount: number }>;
};

export function modulesOf(programId: Id): List {
  return {
    field: 'moduleOrder',
    parent: async () => {
      const program = await Program.findById(programId, { moduleOrder: 1, orderRevision: 1 }).lean();
      return program && { order: program.moduleOrder, revision: program.orderRevision };
    },
    items: () => Module.find({ program: programId }, { position: 1 }).lean(),
    update: (filter, update) => Program.updateOne({ ...filter, _id: programId }, update),
  };
}

export function lessonsOf(moduleId: Id): List {
  return {
    field: 'lessonOrder',
    parent: async () => {
      const module = await Module.findById(moduleId, { lessonOrder: 1, orderRevision: 1 }).lean();
      return module && { order: module.lessonOrder, revision: module.orderRevision };
    },
    items: () => Lesson.find({ module: moduleId }, { position: 1 }).lean(),
    update: (filter, update) => Module.updateOne({ ...filter, _id: moduleId }, update),
  };
}

/**
 * Tries a move this often: each round, at least one of the writers racing for the list succeeds,
 * so only a crowd of editors moving items of one list at the very same moment ever exhausts it.
 */
const moveAttempts = 25;

/**
 * The list's items in order, with the revision it was read at. A parent saved before it kept a
 * list gets one written first, as the items are shown now (conditional, so once).
 */
async function readList(list: List): Promise<{ ids: string[]; revision: number }> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const [parent, items] = await Promise.all([list.parent(), list.items()]);
    if (!parent) throw new NotFoundError();
    const ids = inOrder(items, parent.order).map((item) => String(item._id));
    if (Array.isArray(parent.order) && typeof parent.revision === 'number') return { ids, revision: parent.revision };
    await list.update({ orderRevision: { $exists: false } }, { $set: { [list.field]: ids, orderRevision: 0 } });
  }
  throw new ConflictError('programs.errors.orderChangedMeanwhile');
}

/** Moves an item one place up or down; at the top (or bottom) already, or gone, nothing changes. */
export async function moveInList(list: List, id: string, direction: 'up' | 'down'): Promise<void> {
  for (let attempt = 0; attempt < moveAttempts; attempt += 1) {
    const { ids, revision } = await readList(list);
    const from = ids.indexOf(id);
    const to = direction === 'up' ? from - 1 : from + 1;
    if (from < 0 || to < 0 || to >= ids.length) return;
    [ids[from], ids[to]] = [ids[to]!, ids[from]!];
    const { matchedCount } = await list.update(
      { orderRevision: revision },
      { $set: { [list.field]: ids }, $inc: { orderRevision: 1 } },
    );
    if (matchedCount > 0) return;
  }
  throw new ConflictError('programs.errors.orderChangedMeanwhile');
}

/**
 * Puts a new item (inserted already) at the end of the list. `parent` is the parent as read
 * before: without an order revision it was saved before it kept a list, which is written first.
 */
export async function addToList(list: List, parent: { orderRevision?: number | null }, id: unknown): Promise<void> {
  if (typeof parent.orderRevision !== 'number') await readList(list);
  await list.update({}, { $addToSet: { [list.field]: id }, $inc: { orderRevision: 1 } });
}

/** Takes a deleted item out of the list (a parent without a list has nothing to take it from). */
export async function removeFromList(list: List, id: unknown): Promise<void> {
  await list.update({ orderRevision: { $exists: true } }, { $pull: { [list.field]: id }, $inc: { orderRevision: 1 } });
}
