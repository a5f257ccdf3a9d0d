import mongoose, { type InferSchemaType } from 'mongoose';

const { ObjectId } = mongoose.Schema.Types;

/**
 * What a live class leaves behind, kept in the database rather than in a process's memory: a
 * restart during the class loses none of it, and every app process sees the same room. Most of it
 * is small insert-only records (a message, a vote, a join) with natural unique keys, so a retried
 * event is stored once and concurrent users never update one shared document (DESIGN.md: FerretDB
 * loses concurrent updates of one document). Every record carries its `session`, an indexed
 * top-level field, so a room's records are found by equality.
 */

/**
 * The room's own state, one document per live session (`_id` is the session): when it ended and
 * the slide on screen. Only the class's staff change it, one action at a time.
 */
const liveRoomSchema = new mongoose.Schema(
  {
    _id: { type: ObjectId, ref: 'LiveSession', required: true },
    endedAt: { type: Date, default: null },
    endedBy: { type: ObjectId, ref: 'User', default: null },
    /** The deck on screen (a LiveSlideDeck) and its page, from 1; a latecomer opens here. */
    deck: { type: ObjectId, ref: 'LiveSlideDeck', default: null },
    page: { type: Number, default: 1, min: 1 },
  },
  { timestamps: true },
);
export type LiveRoomDoc = InferSchemaType<typeof liveRoomSchema>;
export const LiveRoom = mongoose.model('LiveRoom', liveRoomSchema);

/** A participant the staff muted (no chat, no questions) or removed (may not come back), per session. */
const liveMemberSchema = new mongoose.Schema(
  {
    session: { type: ObjectId, ref: 'LiveSession', required: true },
    user: { type: ObjectId, ref: 'User', required: true },
    muted: { type: Boolean, default: false },
    removed: { type: Boolean, default: false },
    changedBy: { type: ObjectId, ref: 'User', required: true },
  },
  { timestamps: true },
);
liveMemberSchema.index({ session: 1 });
liveMemberSchema.index({ session: 1, user: 1 }, { unique: true });
export type LiveMemberDoc = InferSchemaType<typeof liveMemberSchema> & { _id: mongoose.Types.ObjectId };
export const LiveMember = mongoose.model('LiveMember', liveMemberSchema);

/**
 * A chat message, or a question (`kind`). `clientId` is the sender's own id for it: sent again
 * after a dropped connection, it is stored once. The author's name is kept as it was, for the
 * transcript. Deleting by the staff hides it and keeps who deleted it.
 */
const livePostSchema = new mongoose.Schema(
  {
    session: { type: ObjectId, ref: 'LiveSession', required: true },
    kind: { type: String, enum: ['message', 'question'], required: true },
    author: { type: ObjectId, ref: 'User', required: true },
    authorName: { type: String, required: true },
    authorRole: { type: String, required: true },
    text: { type: String, required: true },
    clientId: { type: String, required: true },
    /** A question the instructor marked answered. */
    answeredAt: { type: Date, default: null },
    deletedAt: { type: Date, default: null },
    deletedBy: { type: ObjectId, ref: 'User', default: null },
  },
  { timestamps: true },
);
livePostSchema.index({ session: 1 });
livePostSchema.index({ session: 1, author: 1, clientId: 1 }, { unique: true });
export type LivePostDoc = InferSchemaType<typeof livePostSchema> & { _id: mongoose.Types.ObjectId; createdAt: Date };
export const LivePost = mongoose.model('LivePost', livePostSchema);

/** One upvote of a question by one person: a document with a unique key, never a shared counter. */
const liveUpvoteSchema = new mongoose.Schema(
  {
    session: { type: ObjectId, ref: 'LiveSession', required: true },
    question: { type: ObjectId, ref: 'LivePost', required: true },
    voter: { type: ObjectId, ref: 'User', required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false } },
);
liveUpvoteSchema.index({ session: 1 });
liveUpvoteSchema.index({ question: 1, voter: 1 }, { unique: true });
export type LiveUpvoteDoc = InferSchemaType<typeof liveUpvoteSchema>;
export const LiveUpvote = mongoose.model('LiveUpvote', liveUpvoteSchema);

/** A poll the instructor launched: open for votes until closed; results shown to everyone or only to the staff. */
const livePollSchema = new mongoose.Schema(
  {
    session: { type: ObjectId, ref: 'LiveSession', required: true },
    question: { type: String, required: true },
    options: { type: [String], required: true },
    open: { type: Boolean, default: true },
    resultsShown: { type: Boolean, default: false },
    createdBy: { type: ObjectId, ref: 'User', required: true },
    clientId: { type: String, required: true },
    closedAt: { type: Date, default: null },
  },
  { timestamps: true },
);
livePollSchema.index({ session: 1 });
livePollSchema.index({ session: 1, createdBy: 1, clientId: 1 }, { unique: true });
export type LivePollDoc = InferSchemaType<typeof livePollSchema> & { _id: mongoose.Types.ObjectId; createdAt: Date };
export const LivePoll = mongoose.model('LivePoll', livePollSchema);

/** One person's vote in one poll: the unique key makes a vote sent twice (or from two tabs) count once. */
const livePollVoteSchema = new mongoose.Schema(
  {
    session: { type: ObjectId, ref: 'LiveSession', required: true },
    poll: { type: ObjectId, ref: 'LivePoll', required: true },
    voter: { type: ObjectId, ref: 'User', required: true },
    option: { type: Number, required: true, min: 0 },
  },
  { timestamps: { createdAt: true, updatedAt: false } },
);
livePollVoteSchema.index({ session: 1 });
livePollVoteSchema.index({ poll: 1 });
livePollVoteSchema.index({ poll: 1, voter: 1 }, { unique: true });
export type LivePollVoteDoc = InferSchemaType<typeof livePollVoteSchema>;
export const LivePollVote = mongoose.model('LivePollVote', livePollVoteSchema);

/**
 * A raised hand, from raising to lowering. `openKey` is 'open' while it is up and the hand's own
 * id once lowered: the unique (session, user, openKey) lets a person have one hand up at a time
 * (two tabs raising at once store one) and any number of lowered ones, on every backend.
 */
const liveHandSchema = new mongoose.Schema(
  {
    session: { type: ObjectId, ref: 'LiveSession', required: true },
    user: { type: ObjectId, ref: 'User', required: true },
    userName: { type: String, required: true },
    openKey: { type: String, default: 'open' },
    raisedAt: { type: Date, required: true },
    loweredAt: { type: Date, default: null },
    loweredBy: { type: ObjectId, ref: 'User', default: null },
  },
  { timestamps: false },
);
liveHandSchema.index({ session: 1 });
liveHandSchema.index({ session: 1, user: 1, openKey: 1 }, { unique: true });
export type LiveHandDoc = InferSchemaType<typeof liveHandSchema> & { _id: mongoose.Types.ObjectId };
export const LiveHand = mongoose.model('LiveHand', liveHandSchema);

/**
 * Attendance as it happened: one record when a connection enters the room and one when it leaves,
 * named by the connection (a person with two tabs has two). Minutes are worked out from these
 * (live/reports): a leave missing after a crash ends at the person's next join or the class's end.
 */
export const attendanceKinds = ['join', 'leave'] as const;
const liveAttendanceSchema = new mongoose.Schema(
  {
    session: { type: ObjectId, ref: 'LiveSession', required: true },
    user: { type: ObjectId, ref: 'User', required: true },
    userName: { type: String, required: true },
    role: { type: String, required: true },
    connection: { type: String, required: true },
    kind: { type: String, enum: attendanceKinds, required: true },
    at: { type: Date, required: true },
  },
  { timestamps: false },
);
liveAttendanceSchema.index({ session: 1 });
liveAttendanceSchema.index({ session: 1, connection: 1, kind: 1 }, { unique: true });
export type LiveAttendanceDoc = InferSchemaType<typeof liveAttendanceSchema> & { _id: mongoose.Types.ObjectId };
export const LiveAttendance = mongoose.model('LiveAttendance', liveAttendanceSchema);
