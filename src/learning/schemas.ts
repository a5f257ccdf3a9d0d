import { z } from 'zod';
import { objectIdField } from '../platform/validation.js';

/** Made by the device; the server answers by it which events it has, so it is sent back as it came. */
const eventId = z.string().min(1).max(64);

/**
 * One thing a trainee did in a lesson, made by the lesson page and kept on the device until the
 * server has it. `id` lets the device forget what the server listed as stored; the server needs
 * no memory of it, because completions are sets and positions carry their time, so a replay is
 * stored again without changing anything.
 */
export const progressEvent = z.object({
  id: eventId,
  /** The account that made it: a phone is shared, and its queue must never be sent as someone else's. */
  account: objectIdField,
  cohort: objectIdField,
  lesson: objectIdField,
  kind: z.enum(['complete', 'position']),
  /** Seconds into the video, or the fraction (0–1) of the text scrolled. */
  position: z.number().min(0).max(1_000_000).optional(),
  via: z.enum(['text', 'video', 'files', 'manual']).optional(),
  /** The device's clock when it happened; a replay days later still knows its order. */
  at: z.coerce.date(),
});
export type ProgressEvent = z.output<typeof progressEvent>;

/**
 * A device's batch. Each event is judged on its own (recordProgress): one that is not valid is
 * refused by its id and the others are stored, so the device drops only that one. A batch is
 * refused whole only when an event has no id to answer by.
 */
export const progressBatch = z.object({
  events: z
    .array(
      z.union([progressEvent, z.looseObject({ id: eventId }).meta({ description: 'An event refused as invalid, by its id' })]),
    )
    .min(1)
    .max(200),
  /**
   * The device's clock when it sent the batch. Event times are read against it (recordProgress),
   * so a device whose clock is off still orders its places rightly against another device's.
   */
  sentAt: z.coerce.date().optional(),
});

/** Why an event was refused for good; the device drops it, except one made by another account (kept for its owner). */
export const progressRefusals = ['invalid', 'notEnrolled', 'account'] as const;
export type ProgressRefusal = (typeof progressRefusals)[number];
