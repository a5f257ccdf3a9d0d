import { z } from 'zod';

export const reasonSchema = z.object({ reason: z.string().trim().max(500).default('') });
export const addTraineeSchema = z.object({ email: z.string().trim().toLowerCase().email().max(200) });
/** The decision an Undo button names (the enrolment's lastChange.id). */
export const undoSchema = z.object({ change: z.string().trim().uuid() });
