import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import mongoose from 'mongoose';
import { isDuplicateKeyError } from '../platform/errors.js';
import { ActivityEntry, type ActivityKind, type AuditAction, AuditEntry, LogMonth, monthOf, orderOf } from './model.js';

/** Repeated opens of one lesson by one trainee within this long are one entry: a reload writes nothing. */
export const openCollapseMs = 30 * 60_000;

/**
 * Month documents this process has already made (LogMonth): each is inserted once per scope and
 * month, so most entries skip the insert. Only a shortcut: a miss inserts, and the key refuses a
 * duplicate. Keys carry the database's name (tests use one per file).
 */
const knownMonths = new LRUCache<string, true>({ max: 50_000 });

async function noteMonth(scope: string, month: string): Promise<void> {
  const id = `${scope}:${month}`;
  const cacheKey = `${mongoose.connection.name}/${id}`;
  if (knownMonths.has(cacheKey)) return;
  await insertOnce(LogMonth, { _id: id, scope, month });
  knownMonths.set(cacheKey, true);
}

/** Inserts a document whose `_id` is its natural key; false when it was there already (a repeated event). */
// biome-ignore lint/suspicious/noExplicitAny: one helper for the three models of the logs
async function insertOnce(model: mongoose.Model<any>, document: Record<string, unknown>): Promise<boolean> {
  try {
    await model.create(document);
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

export type ActivityInput = {
  /** The natural key when the same event may come twice; else a new one is made. */
  key?: string;
  trainee: string;
  cohort: string;
  institution: string;
  kind: ActivityKind;
  subject: string;
  title: string;
  thread?: string | null;
  detail?: Record<string, unknown>;
  at: Date;
};

/** Writes an activity entry (once per key); true when it was new. */
export async function recordActivity(input: ActivityInput): Promise<boolean> {
  const id = input.key ?? `${input.kind}:${randomUUID()}`;
  const month = monthOf(input.at);
  const inserted = await insertOnce(ActivityEntry, {
    _id: id,
    order: orderOf(input.at, id),
    trainee: input.trainee,
    cohort: input.cohort,
    institution: input.institution,
    traineeMonth: `${input.trainee}:${month}`,
    kind: input.kind,
    subject: input.subject,
    title: input.title,
    thread: input.thread ?? null,
    detail: input.detail ?? {},
    at: input.at,
  });
  if (inserted) await noteMonth(`activity:${input.trainee}`, month);
  return inserted;
}

/** A lesson of a trainee in a cohort: the thread of its opens, completions and reopens. */
export const lessonThread = (trainee: string, cohort: string, lesson: string) => `${trainee}:${cohort}:${lesson}`;

/** The thread's entries of some kinds, newest first (a lesson's few entries for one trainee). */
async function threadEntries(thread: string, kinds: ActivityKind[]) {
  const entries = await ActivityEntry.find({ thread }, { kind: 1, order: 1, title: 1, at: 1 })
    .limit(5_000)
    .lean<{ _id: string; kind: ActivityKind; order: string; title: string; at: Date }[]>();
  return entries.filter((entry) => kinds.includes(entry.kind)).sort((a, b) => (a.order < b.order ? 1 : -1));
}

/**
 * A lesson opened: written unless the same trainee opened the same lesson within the last 30
 * minutes (a reload, going back and forth). Two opens at once in the same half-hour slot share a
 * key, so a double request writes one entry too.
 */
export async function recordLessonOpened(event: {
  trainee: string;
  cohort: string;
  institution: string;
  lesson: string;
  title: string;
  at: Date;
}): Promise<boolean> {
  const thread = lessonThread(event.trainee, event.cohort, event.lesson);
  const [last] = await threadEntries(thread, ['lessonOpened']);
  if (last && Math.abs(event.at.getTime() - last.at.getTime()) < openCollapseMs) return false;
  return recordActivity({
    key: `opened:${thread}:${Math.floor(event.at.getTime() / openCollapseMs)}`,
    ...event,
    kind: 'lessonOpened',
    subject: event.lesson,
    thread,
  });
}

/**
 * A lesson done, once per completion: the key names the lesson and the reopen before it (if any),
 * so the same completion told twice writes one entry, and a lesson done again after it was reopened
 * writes a new one.
 */
export async function recordLessonCompleted(
  base: { trainee: string; cohort: string; institution: string; at: Date },
  lesson: { id: string; title: string },
  detail: Record<string, unknown>,
): Promise<boolean> {
  const thread = lessonThread(base.trainee, base.cohort, lesson.id);
  const [reopened] = await threadEntries(thread, ['lessonReopened']);
  return recordActivity({
    key: `completed:${thread}:${reopened ? reopened.at.getTime() : 0}`,
    ...base,
    kind: 'lessonCompleted',
    subject: lesson.id,
    title: lesson.title,
    thread,
    detail,
  });
}

/** A lesson's completion undone; its title comes from the lesson's earlier entries (the event has none). */
export async function recordLessonReopened(
  base: { trainee: string; cohort: string; institution: string; at: Date },
  lesson: string,
  detail: Record<string, unknown>,
): Promise<boolean> {
  const thread = lessonThread(base.trainee, base.cohort, lesson);
  const [earlier] = await threadEntries(thread, ['lessonCompleted', 'lessonOpened']);
  return recordActivity({
    key: `reopened:${thread}:${base.at.getTime()}`,
    ...base,
    kind: 'lessonReopened',
    subject: lesson,
    title: earlier?.title ?? '',
    thread,
    detail,
  });
}

export type AuditInput = {
  key: string;
  actor: string;
  actorKind?: 'user' | 'lsp';
  actorName: string;
  action: AuditAction;
  subject: { kind: string; id: string; label: string };
  trainee?: string | null;
  traineeName?: string;
  cohort?: string | null;
  cohortName?: string;
  institution: string | null;
  detail?: Record<string, unknown>;
  at: Date;
};

/** Writes an audit entry once per key; true when it was new. */
export async function recordAudit(input: AuditInput): Promise<boolean> {
  const month = monthOf(input.at);
  const inserted = await insertOnce(AuditEntry, {
    _id: input.key,
    order: orderOf(input.at, input.key),
    actor: input.actor,
    actorKind: input.actorKind ?? 'user',
    actorName: input.actorName,
    action: input.action,
    subject: input.subject,
    trainee: input.trainee ?? null,
    traineeName: input.traineeName ?? '',
    cohort: input.cohort ?? null,
    cohortName: input.cohortName ?? '',
    institution: input.institution,
    institutionMonth: input.institution ? `${input.institution}:${month}` : null,
    month,
    detail: input.detail ?? {},
    at: input.at,
  });
  if (inserted) {
    await noteMonth('audit:*', month);
    if (input.institution) await noteMonth(`audit:${input.institution}`, month);
  }
  return inserted;
}
