import mongoose, { type InferSchemaType } from 'mongoose';

const { ObjectId } = mongoose.Schema.Types;

export const liveStatuses = ['scheduled', 'cancelled'] as const;
export type LiveStatus = (typeof liveStatuses)[number];
/** What last happened to a session that its trainees should hear about. */
export const liveChanges = ['', 'moved', 'cancelled'] as const;

/**
 * A live class of a cohort at a fixed time. A cancelled session stays (with its status), so
 * calendars that subscribed to it learn of the cancellation instead of seeing it vanish.
 */
const liveSessionSchema = new mongoose.Schema(
  {
    cohort: { type: ObjectId, ref: 'Cohort', required: true },
    title: { type: String, required: true, trim: true },
    startsAt: { type: Date, required: true },
    durationMinutes: { type: Number, required: true, min: 15, max: 480 },
    /** A module id of the cohort's program version, or '' for none. */
    module: { type: String, default: '' },
    /** An external video meeting (Jitsi, BigBlueButton, Zoom), http(s) only, or ''. */
    meetingUrl: { type: String, default: '' },
    status: { type: String, enum: liveStatuses, default: 'scheduled' },
    /** Grows on each change: an edit carries the revision it was made from (stale: 409); the .ics SEQUENCE. */
    revision: { type: Number, default: 1 },
    change: { type: String, enum: liveChanges, default: '' },
    changedAt: { type: Date, default: null },
    createdBy: { type: ObjectId, ref: 'User', required: true },
  },
  { timestamps: true },
);
liveSessionSchema.index({ cohort: 1 });
// The natural key: one session per cohort and start, so generating from the weekly slot twice (or
// two staff at once) cannot make duplicates; the unique index holds under concurrency on FerretDB too.
liveSessionSchema.index({ cohort: 1, startsAt: 1 }, { unique: true });
export type LiveSessionDoc = InferSchemaType<typeof liveSessionSchema> & { _id: mongoose.Types.ObjectId };
export const LiveSession = mongoose.model('LiveSession', liveSessionSchema);

/**
 * A user's personal calendar feed: a long random token in the feed's address (calendar apps
 * cannot log in). One per user (`_id` is the user); resetting replaces the token.
 */
const calendarFeedSchema = new mongoose.Schema(
  {
    _id: { type: ObjectId, ref: 'User', required: true },
    token: { type: String, required: true },
  },
  { timestamps: true },
);
calendarFeedSchema.index({ token: 1 }, { unique: true });
export type CalendarFeedDoc = InferSchemaType<typeof calendarFeedSchema>;
export const CalendarFeed = mongoose.model('CalendarFeed', calendarFeedSchema);
