import { z } from 'zod';
import { objectIdField } from '../platform/validation.js';

/**
 * One thing a trainee did in a lesson, made by the lesson page and kept on the device until the
 * server has it. `id` lets the device forget what was sent; the server needs no memory of it,
 * because completions are sets and positions carry their time.
 */
export const progressEvent = z.object({
  id: z.string().trim().min(1).max(64),
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

export const progressBatch = z.object({ events: z.array(progressEvent).min(1).max(200) });
