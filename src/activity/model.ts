import mongoose, { type InferSchemaType } from 'mongoose';
import { institutionZone } from '../platform/zone.js';

/** What a trainee did (or what happened to them) that their activity log shows. */
export const activityKinds = [
  'lessonOpened',
  'lessonCompleted',
  'lessonReopened',
  'submitted',
  'graded',
  'verdict',
  'attended',
  'enrolment',
  'completion',
  'certification',
  'employment',
] as const;
export type ActivityKind = (typeof activityKinds)[number];

/** What a person (or a certification body) decided or took out that the audit log keeps. */
export const auditActions = [
  'grade',
  'verdict',
  'verdictReopened',
  'completionApproved',
  'completionRevoked',
  'enrolmentDecision',
  'certificationResult',
  'export',
] as const;
export type AuditAction = (typeof auditActions)[number];

/** The month (YYYY-MM) of an instant in the institutions' zone (WIB): the logs' buckets. */
export const monthOf = (at: Date) => new Date(at.getTime() + institutionZone.offsetMs).toISOString().slice(0, 7);
/** The instant a month (YYYY-MM, WIB) begins. */
export const monthStart = (month: string) => new Date(`${month}-01T00:00:00${institutionZone.offset}`);

/**
 * The key entries are listed by, newest first: the time (milliseconds, 13 digits, so text order is
 * time order until the year 2286) and the entry's id, so entries of the same millisecond still have
 * one order and a page's last key is where the next page starts (keyset paging, no skip).
 */
export const orderOf = (at: Date, id: string) => `${String(at.getTime()).padStart(13, '0')}:${id}`;
/** The key of a moment alone: every entry before it sorts lower (an "older" link between months). */
export const orderBefore = (at: Date) => String(at.getTime()).padStart(13, '0');

/**
 * Both logs are insert-only: nothing in the app edits or removes an entry. The model refuses
 * updates and deletions outright, so a mistake in code fails loudly instead of rewriting history.
 */
function insertOnly(schema: mongoose.Schema, what: string) {
  const refuse = () => {
    throw new Error(`${what} entries are insert-only`);
  };
  for (const operation of [
    'updateOne',
    'updateMany',
    'findOneAndUpdate',
    'replaceOne',
    'findOneAndReplace',
    'deleteOne',
    'deleteMany',
    'findOneAndDelete',
  ] as const) {
    schema.pre(operation, refuse);
  }
}

/**
 * One thing in a trainee's activity log. `_id` is the entry's natural key where the same event may
 * come twice (a lesson done, a class attended: see record.ts), so a second insert is refused by the
 * key and changes nothing. Read by `traineeMonth` (the trainee's entries of one WIB month), so a
 * page reads a month of one trainee at a time however long the log grows.
 */
const activityEntrySchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    order: { type: String, required: true },
    trainee: { type: String, required: true },
    cohort: { type: String, required: true },
    institution: { type: String, required: true },
    traineeMonth: { type: String, required: true },
    kind: { type: String, enum: activityKinds, required: true },
    /** What it was about: a lesson, an assessment, a unit code, a live class, an enrolment, a record. */
    subject: { type: String, default: '' },
    title: { type: String, default: '' },
    /** A lesson of a trainee in a cohort (`trainee:cohort:lesson`): its opens, completions and reopens. */
    thread: { type: String, default: null },
    /** Figures of the entry: score, minutes, verdict, status (see record.ts for each kind's). */
    detail: { type: mongoose.Schema.Types.Mixed, default: {} },
    at: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
activityEntrySchema.index({ traineeMonth: 1, order: -1 });
activityEntrySchema.index({ thread: 1 });
insertOnly(activityEntrySchema, 'Activity log');
export type ActivityEntryDoc = InferSchemaType<typeof activityEntrySchema> & { _id: string; kind: ActivityKind };
export const ActivityEntry = mongoose.model('ActivityEntry', activityEntrySchema);

/**
 * One decision or export in the audit log: who (and their name at the time), what, about whom, in
 * which institution, when. Read by `institutionMonth` (a coordinator's own institution, one WIB
 * month at a time) or by `month` (an admin, every institution).
 */
const auditEntrySchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    order: { type: String, required: true },
    /** A user's id, or a certification body's (`actorKind` 'lsp'). */
    actor: { type: String, required: true },
    actorKind: { type: String, enum: ['user', 'lsp'], default: 'user' },
    actorName: { type: String, default: '' },
    action: { type: String, enum: auditActions, required: true },
    subject: {
      kind: { type: String, required: true },
      id: { type: String, default: '' },
      label: { type: String, default: '' },
    },
    trainee: { type: String, default: null },
    traineeName: { type: String, default: '' },
    cohort: { type: String, default: null },
    cohortName: { type: String, default: '' },
    /** Null for what belongs to no institution (an admin's nationwide export): only admins see it. */
    institution: { type: String, default: null },
    institutionMonth: { type: String, default: null },
    month: { type: String, required: true },
    detail: { type: mongoose.Schema.Types.Mixed, default: {} },
    at: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
auditEntrySchema.index({ institutionMonth: 1, order: -1 });
auditEntrySchema.index({ month: 1, order: -1 });
insertOnly(auditEntrySchema, 'Audit log');
export type AuditEntryDoc = InferSchemaType<typeof auditEntrySchema> & { _id: string; action: AuditAction };
export const AuditEntry = mongoose.model('AuditEntry', auditEntrySchema);

/**
 * The months a log scope has entries in (`activity:<trainee>`, `audit:<institution>`, `audit:*`),
 * one document each, inserted once: a page walks these months back from the newest instead of
 * guessing at empty ones, and knows when there is nothing older.
 */
const logMonthSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    scope: { type: String, required: true },
    month: { type: String, required: true },
  },
  { versionKey: false },
);
logMonthSchema.index({ scope: 1 });
export const LogMonth = mongoose.model('LogMonth', logMonthSchema);
