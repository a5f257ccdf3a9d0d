import { z } from 'zod';
import { objectIdField } from '../../platform/validation.js';

/** The sizes a live room accepts: a chat line, not an essay; small enough for a weak connection. */
export const roomLimits = { message: 1_000, question: 500, pollQuestion: 300, pollOption: 120, minOptions: 2, maxOptions: 6 };

const session = objectIdField;
/** The sender's own id for what it sends, so a retry after a dropped connection is stored once. */
const clientId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'validation.invalid');
const text = (max: number) => z.string().trim().min(1, 'validation.required').max(max);

export const inSession = z.object({ session });
export const chatSend = z.object({ session, text: text(roomLimits.message), clientId });
export const onMessage = z.object({ session, message: objectIdField });
export const questionAsk = z.object({ session, text: text(roomLimits.question), clientId });
export const onQuestion = z.object({ session, question: objectIdField });
export const pollLaunch = z.object({
  session,
  question: text(roomLimits.pollQuestion),
  options: z
    .array(text(roomLimits.pollOption))
    .min(roomLimits.minOptions, 'live.room.errors.options')
    .max(roomLimits.maxOptions, 'live.room.errors.options'),
  clientId,
});
export const pollVote = z.object({
  session,
  poll: objectIdField,
  option: z
    .number()
    .int()
    .min(0)
    .max(roomLimits.maxOptions - 1),
});
export const pollShow = z.object({ session, poll: objectIdField, shown: z.boolean() });
export const onPoll = z.object({ session, poll: objectIdField });
export const handLower = z.object({ session, user: objectIdField.optional() });
export const slidesGoto = z.object({ session, page: z.number().int().min(1).max(10_000) });
export const memberMute = z.object({ session, user: objectIdField, muted: z.boolean() });
export const memberRemove = z.object({ session, user: objectIdField });
