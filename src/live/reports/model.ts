import mongoose, { type InferSchemaType } from 'mongoose';

const { ObjectId } = mongoose.Schema.Types;

/**
 * A trainee's part in one live session, summarised from the room's records (live/room/model.ts)
 * by service.ts: what the completion rules and the cohort's report read, by indexed `cohort` or
 * `session`, without going through the records again. Rebuildable at any time from the records
 * (summarising again writes the same), so it is a cache of them, never the only copy.
 */
const liveParticipationSchema = new mongoose.Schema(
  {
    session: { type: ObjectId, ref: 'LiveSession', required: true },
    cohort: { type: ObjectId, ref: 'Cohort', required: true },
    user: { type: ObjectId, ref: 'User', required: true },
    /** Whole minutes in the room within the class's window (reports/attendance.ts). */
    minutes: { type: Number, required: true, min: 0 },
    /** Attended at least one whole minute. */
    present: { type: Boolean, required: true },
    /** Chat messages sent and not deleted by the staff. */
    messages: { type: Number, default: 0 },
    /** Questions asked and not deleted by the staff. */
    questions: { type: Number, default: 0 },
    /** Poll votes cast. */
    votes: { type: Number, default: 0 },
    /** Hands raised. */
    hands: { type: Number, default: 0 },
    firstJoinAt: { type: Date, default: null },
    lastLeaveAt: { type: Date, default: null },
  },
  { timestamps: true },
);
liveParticipationSchema.index({ session: 1, user: 1 }, { unique: true });
liveParticipationSchema.index({ cohort: 1 });
export type LiveParticipationDoc = InferSchemaType<typeof liveParticipationSchema> & { _id: mongoose.Types.ObjectId };
export const LiveParticipation = mongoose.model('LiveParticipation', liveParticipationSchema);

/**
 * That a session has been summarised, and over which window (`_id` is the session): a report
 * finds here whether it must summarise (none yet, or the room ended after it was made) and the
 * class's length; the staff present are kept here apart from the trainees, whom completion counts.
 */
const liveSummarySchema = new mongoose.Schema(
  {
    _id: { type: ObjectId, ref: 'LiveSession', required: true },
    cohort: { type: ObjectId, ref: 'Cohort', required: true },
    windowStart: { type: Date, required: true },
    windowEnd: { type: Date, required: true },
    /** The class's length in whole minutes (its window). */
    minutes: { type: Number, required: true, min: 0 },
    trainees: { type: Number, required: true },
    present: { type: Number, required: true },
    staff: {
      type: [{ _id: false, user: { type: ObjectId, ref: 'User' }, name: String, role: String, minutes: Number }],
      default: [],
    },
    summarisedAt: { type: Date, required: true },
  },
  { timestamps: false },
);
liveSummarySchema.index({ cohort: 1 });
export type LiveSummaryDoc = InferSchemaType<typeof liveSummarySchema>;
export const LiveSummary = mongoose.model('LiveSummary', liveSummarySchema);
