import mongoose, { type InferSchemaType } from 'mongoose';

/**
 * The durable outbox of xAPI statements: one document per statement, `_id` the statement's own
 * UUID (made from its event), so the same event queued twice is one document, however often it
 * comes. The statement is kept as its JSON text: its extension keys are IRIs, full of dots, which a
 * document's field names should not carry.
 *
 * `queued` (due at `nextAttemptAt`; while a worker sends it, `lease` holds that send's token until
 * `leaseUntil`) -> `sent` | `queued` again (the LRS did not answer or was down: backoff) |
 * `failed` (the LRS refused it: 4xx, kept with the answer until an admin sends it again).
 * A lease that ran out (its process died mid-send) is taken over by the next worker.
 */
export const statementStatuses = ['queued', 'sent', 'failed'] as const;
export type StatementStatus = (typeof statementStatuses)[number];

const xapiStatementSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    json: { type: String, required: true },
    /** What made it (the event's name) and whose it is: for the admin page and for logs. */
    event: { type: String, required: true },
    institution: { type: String, default: '' },
    /**
     * The record it reports, where that can be corrected (`live.attended|<trainee>|<session>`,
     * `assessment.graded|<trainee>|<quiz>|<attempt time>`), '' otherwise: a newer statement of the
     * subject takes the earlier back (service.ts, supersede), and `superseded` marks the earlier.
     */
    subject: { type: String, default: '' },
    superseded: { type: Boolean, default: false },
    status: { type: String, enum: statementStatuses, default: 'queued' },
    attempts: { type: Number, default: 0 },
    queuedAt: { type: Date, required: true },
    nextAttemptAt: { type: Date, required: true },
    /** The send that holds it ('' when none): one token per claimed batch. */
    lease: { type: String, default: '' },
    leaseUntil: { type: Date, default: null },
    lastStatus: { type: Number, default: null },
    lastError: { type: String, default: '' },
    sentAt: { type: Date, default: null },
    /** The UTC day it was sent (YYYY-MM-DD): clean-up deletes a day's sent statements by equality. */
    sentDay: { type: String, default: '' },
  },
  { versionKey: false },
);
// The worker reads the queued ones by status (due first); the page counts by status.
xapiStatementSchema.index({ status: 1, nextAttemptAt: 1 });
xapiStatementSchema.index({ status: 1, queuedAt: 1 });
// A worker reads back what its claim took, by the lease's token.
xapiStatementSchema.index({ lease: 1 });
xapiStatementSchema.index({ sentDay: 1 });
xapiStatementSchema.index({ subject: 1 });

export type XapiStatementDoc = InferSchemaType<typeof xapiStatementSchema> & { _id: string; status: StatementStatus };
export const XapiStatement = mongoose.model('XapiStatement', xapiStatementSchema);

/**
 * How the store answers, as one small document (`_id` 'lrs') every worker reads at each tick:
 * while the store is down, the queue waits for `retryAt` (backoff on the store's consecutive
 * failures), so a long outage costs one read per tick, not a read of every waiting statement. Also
 * the last answer and error for the admin page, the count of statements sent so far, and how far
 * the clean-up has gone.
 */
const xapiStoreSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    failures: { type: Number, default: 0 },
    retryAt: { type: Date, default: null },
    lastAttemptAt: { type: Date, default: null },
    lastStatus: { type: Number, default: null },
    lastError: { type: String, default: '' },
    lastErrorAt: { type: Date, default: null },
    lastSentAt: { type: Date, default: null },
    sentTotal: { type: Number, default: 0 },
    /** The first day a statement was sent, and the last day whose sent statements are deleted. */
    // No defaults: $min on a missing field sets it, on a null one keeps the null (null sorts first).
    firstSentDay: { type: String },
    cleanedThrough: { type: String },
  },
  { versionKey: false },
);
export type XapiStoreDoc = InferSchemaType<typeof xapiStoreSchema> & { _id: string };
export const XapiStore = mongoose.model('XapiStore', xapiStoreSchema);
export const storeId = 'lrs';
