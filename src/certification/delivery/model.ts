import mongoose, { type InferSchemaType } from 'mongoose';

const { ObjectId } = mongoose.Schema.Types;

/**
 * The durable outbox of webhook pushes: one document per push of a handed batch to its LSP's
 * webhook, written when the coordinator hands the batch over and worked off by the delivery worker
 * of whichever process is up (worker.ts), so a push waiting for its next attempt survives a restart.
 *
 * `pending` (due at `nextAttemptAt`) -> `delivering` (claimed by one process until `leaseUntil`)
 * -> `delivered` | `pending` again (with backoff) | `failed` (a 4xx, or given up after three days).
 * A lease that runs out (its process died mid-send) makes the delivery claimable again.
 */
export const deliveryStatuses = ['pending', 'delivering', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/** Most attempts a delivery keeps in its history (the newest): enough to see a pattern, bounded. */
export const maxHistory = 20;

const attemptSchema = new mongoose.Schema(
  {
    number: { type: Number, required: true },
    at: { type: Date, required: true },
    /** The HTTP status the receiver answered, null when it did not (refused, timed out). */
    status: { type: Number, default: null },
    /** Why it did not count, in a few words (no personal data: the body is never kept). */
    error: { type: String, default: '' },
    /** What followed: delivered, retry (when), fail, or interrupted (the process stopped mid-send). */
    outcome: { type: String, enum: ['delivered', 'retry', 'fail', 'interrupted'], required: true },
    durationMs: { type: Number, default: 0 },
    /** SHA-256 of the body sent (the batch's JSON), so a changed payload would show. */
    payloadHash: { type: String, default: '' },
  },
  { _id: false },
);

const webhookDeliverySchema = new mongoose.Schema(
  {
    batch: { type: ObjectId, ref: 'HandoffBatch', required: true },
    lsp: { type: ObjectId, ref: 'Lsp', required: true },
    institution: { type: ObjectId, ref: 'Institution', required: true },
    /** The LSP's webhook URL when the push was queued (a changed URL takes effect on the next push). */
    url: { type: String, required: true },
    status: { type: String, enum: deliveryStatuses, default: 'pending' },
    /**
     * The batch id while the delivery is pending or delivering, `done:<delivery id>` after: the
     * unique index lets a batch have one push under way at a time, however often it is queued.
     */
    activeKey: { type: String, required: true },
    /** Attempts started (claimed), including one whose process died before it answered. */
    attempts: { type: Number, default: 0 },
    nextAttemptAt: { type: Date, required: true },
    /** Retrying stops at this time: queued (or retried by hand) plus three days (backoff.ts). */
    giveUpAt: { type: Date, required: true },
    leaseUntil: { type: Date, default: null },
    /** The worker holding the lease (process and instance), so only it records the attempt's end. */
    leaseOwner: { type: String, default: '' },
    payloadHash: { type: String, default: '' },
    lastStatus: { type: Number, default: null },
    lastError: { type: String, default: '' },
    lastAttemptAt: { type: Date, default: null },
    deliveredAt: { type: Date, default: null },
    history: { type: [attemptSchema], default: [] },
    queuedBy: { type: ObjectId, ref: 'User', required: true },
    queuedByName: { type: String, default: '' },
  },
  { timestamps: true, minimize: false },
);
webhookDeliverySchema.index({ activeKey: 1 }, { unique: true });
// The worker reads the pending and delivering ones by indexed equality (few at any time).
webhookDeliverySchema.index({ status: 1 });
webhookDeliverySchema.index({ batch: 1 });

export type DeliveryAttempt = InferSchemaType<typeof attemptSchema>;
export type WebhookDeliveryDoc = Omit<InferSchemaType<typeof webhookDeliverySchema>, 'history' | 'status'> & {
  _id: mongoose.Types.ObjectId;
  status: DeliveryStatus;
  history: DeliveryAttempt[];
  createdAt: Date;
  updatedAt: Date;
};
export const WebhookDelivery = mongoose.model('WebhookDelivery', webhookDeliverySchema);

/** Most pushes one batch lists on its page (the newest). */
export const maxDeliveriesPerBatch = 50;
