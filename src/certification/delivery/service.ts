import mongoose from 'mongoose';
import { AppError, isDuplicateKeyError, NotFoundError } from '../../platform/errors.js';
import { type Actor, authorize, can } from '../../platform/permissions.js';
import { namesOfUsers } from '../../users/directory.js';
import { findLsp } from '../lsps.js';
import { HandoffBatch } from '../model.js';
import { giveUpAfterMs } from './backoff.js';
import { maxDeliveriesPerBatch, WebhookDelivery, type WebhookDeliveryDoc } from './model.js';
import { wakeDeliveryWorkers } from './worker.js';

/**
 * Queuing webhook pushes of handed batches and showing how they went. Coordinators of the batch's
 * institution queue ('handoff.manage': at hand-over, "send again", "retry now"); they and admins
 * see ('handoff.view'). The worker (worker.ts) does the sending.
 */
type BatchRef = { id: string; institution: string; lsp: string; status: string };

async function batchRef(batchId: string): Promise<BatchRef> {
  const batch = mongoose.isValidObjectId(batchId)
    ? await HandoffBatch.findById(batchId, { institution: 1, lsp: 1, status: 1 }).lean<{
        _id: mongoose.Types.ObjectId;
        institution: mongoose.Types.ObjectId;
        lsp: mongoose.Types.ObjectId;
        status: string;
      }>()
    : null;
  if (!batch) throw new NotFoundError();
  return { id: String(batch._id), institution: String(batch.institution), lsp: String(batch.lsp), status: batch.status };
}

/** The batch, if the actor may see it (someone who may not is told it does not exist). */
async function visibleBatch(actor: Actor | null, batchId: string, action: 'handoff.view' | 'handoff.manage') {
  const batch = await batchRef(batchId);
  if (!can(actor, 'handoff.view', { institution: batch.institution })) throw new NotFoundError();
  authorize(actor, action, { institution: batch.institution });
  return batch;
}

export type DeliveryView = {
  id: string;
  batch: string;
  status: WebhookDeliveryDoc['status'];
  url: string;
  attempts: number;
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string;
  deliveredAt: Date | null;
  queuedAt: Date;
  queuedByName: string;
  /** Newest first. */
  history: { number: number; at: Date; status: number | null; error: string; outcome: string; durationMs: number }[];
  /** "Retry now": a failed push, or a pending one waiting for its next attempt. */
  canRetry: boolean;
};

export type DeliveryPanel = {
  batchId: string;
  /** Newest first. */
  items: DeliveryView[];
  /** Whether the LSP takes pushes (has a webhook URL). */
  hasWebhook: boolean;
  /** "Send again": the actor hands off for the institution, the batch is handed, none is under way. */
  canSend: boolean;
};

function toView(delivery: WebhookDeliveryDoc, manages: boolean): DeliveryView {
  return {
    id: String(delivery._id),
    batch: String(delivery.batch),
    status: delivery.status,
    url: delivery.url,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.status === 'pending' ? delivery.nextAttemptAt : null,
    lastAttemptAt: delivery.lastAttemptAt ?? null,
    lastStatus: delivery.lastStatus ?? null,
    lastError: delivery.lastError ?? '',
    deliveredAt: delivery.deliveredAt ?? null,
    queuedAt: delivery.createdAt,
    queuedByName: delivery.queuedByName ?? '',
    history: [...(delivery.history ?? [])].reverse().map((attempt) => ({
      number: attempt.number,
      at: attempt.at,
      status: attempt.status ?? null,
      error: attempt.error ?? '',
      outcome: attempt.outcome,
      durationMs: attempt.durationMs ?? 0,
    })),
    canRetry: manages && (delivery.status === 'failed' || delivery.status === 'pending'),
  };
}

/** The pushes of a batch for its page (views/certification/partials/deliveries.ejs, local `deliveries`). */
export async function deliveriesForBatch(actor: Actor | null, batchId: string): Promise<DeliveryPanel> {
  const batch = await visibleBatch(actor, batchId, 'handoff.view');
  const [found, lsp] = await Promise.all([
    WebhookDelivery.find({ batch: batch.id }).limit(maxDeliveriesPerBatch).lean<WebhookDeliveryDoc[]>(),
    findLsp(batch.lsp),
  ]);
  const manages = can(actor, 'handoff.manage', { institution: batch.institution });
  const items = found.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).map((item) => toView(item, manages));
  const underWay = items.some((item) => item.status === 'pending' || item.status === 'delivering');
  return {
    batchId: batch.id,
    items,
    hasWebhook: Boolean(lsp.webhookUrl),
    canSend: manages && batch.status === 'handed' && Boolean(lsp.webhookUrl) && !underWay,
  };
}

/**
 * Queues a push of a handed batch to its LSP's webhook (at hand-over, and "send again"). A batch
 * has one push under way at a time: queuing it again meanwhile returns that push. Every push of a
 * batch carries the same Idempotency-Key (the batch id), so the LSP takes them as one batch.
 */
export async function queueDelivery(actor: Actor | null, batchId: string, now = new Date()): Promise<DeliveryView> {
  const batch = await visibleBatch(actor, batchId, 'handoff.manage');
  if (batch.status !== 'handed') throw new AppError(409, 'certificationDelivery.errors.notHanded');
  const lsp = await findLsp(batch.lsp);
  if (!lsp.webhookUrl) throw new AppError(409, 'certificationDelivery.errors.noWebhook');
  const queuedByName = (await namesOfUsers([actor!.id])).get(actor!.id) ?? '';
  try {
    const created = await WebhookDelivery.create({
      batch: batch.id,
      lsp: batch.lsp,
      institution: batch.institution,
      url: lsp.webhookUrl,
      activeKey: batch.id,
      nextAttemptAt: now,
      giveUpAt: new Date(now.getTime() + giveUpAfterMs),
      queuedBy: actor!.id,
      queuedByName,
    });
    wakeDeliveryWorkers();
    return toView(created.toObject() as WebhookDeliveryDoc, true);
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    // Under way already (a double click, hand-over and "send again" at once): that push.
    const current = await WebhookDelivery.findOne({ activeKey: batch.id }).lean<WebhookDeliveryDoc>();
    if (!current) throw new AppError(409, 'certificationDelivery.errors.busy');
    return toView(current, true);
  }
}

/**
 * "Retry now": a failed push is queued again (to the LSP's webhook URL as it is now, with three
 * more days of retries), a waiting one is made due at once.
 */
export async function retryDelivery(actor: Actor | null, deliveryId: string, now = new Date()): Promise<DeliveryView> {
  const delivery = mongoose.isValidObjectId(deliveryId)
    ? await WebhookDelivery.findById(deliveryId).lean<WebhookDeliveryDoc>()
    : null;
  if (!delivery) throw new NotFoundError();
  const batch = await visibleBatch(actor, String(delivery.batch), 'handoff.manage');
  if (delivery.status === 'pending') {
    await WebhookDelivery.updateOne({ _id: delivery._id, status: 'pending' }, { $set: { nextAttemptAt: now } });
  } else if (delivery.status === 'failed') {
    const lsp = await findLsp(batch.lsp);
    if (!lsp.webhookUrl) throw new AppError(409, 'certificationDelivery.errors.noWebhook');
    try {
      const retried = await WebhookDelivery.updateOne(
        { _id: delivery._id, status: 'failed' },
        {
          $set: {
            status: 'pending',
            activeKey: batch.id,
            url: lsp.webhookUrl,
            nextAttemptAt: now,
            giveUpAt: new Date(now.getTime() + giveUpAfterMs),
          },
        },
      );
      if (retried.modifiedCount !== 1) throw new AppError(409, 'certificationDelivery.errors.busy');
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new AppError(409, 'certificationDelivery.errors.busy');
      throw error;
    }
  } else {
    throw new AppError(
      409,
      delivery.status === 'delivered' ? 'certificationDelivery.errors.delivered' : 'certificationDelivery.errors.busy',
    );
  }
  wakeDeliveryWorkers();
  const updated = await WebhookDelivery.findById(delivery._id).lean<WebhookDeliveryDoc>();
  return toView(updated!, true);
}
