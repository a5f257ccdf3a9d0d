import type { Request } from 'express';
import session from 'express-session';
import mongoose from 'mongoose';
import { DatabaseUnavailableError } from './errors.js';

export const sessionCookieName = 'kompeten.sid';
/** How long a logged-in session lasts, counted from login. */
export const loggedInSessionMs = 14 * 24 * 60 * 60 * 1000;
/** Sessions of visitors (made by the login and registration forms' CSRF tokens) expire soon. */
const visitorSessionMs = 2 * 60 * 60 * 1000;

type SessionRecord = { _id: string; session: string; expires: Date; expiresOn: string };

/**
 * Every request reads its session and many save one; while the database does not answer, they
 * fail after this long with "database unavailable" (503) instead of holding the page: a page is
 * sent only once its session is saved.
 */
const sessionWaitMs = 2_500;

function bounded<T>(operation: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseUnavailableError()), sessionWaitMs);
  });
  return Promise.race([operation, timeout]).finally(() => clearTimeout(timer));
}

/** Declared for its index (the store itself reads and writes the collection directly). */
const sessionSchema = new mongoose.Schema(
  { _id: String, session: String, expires: Date, expiresOn: String },
  { versionKey: false, autoCreate: true },
);
sessionSchema.index({ expiresOn: 1 });
mongoose.model('Session', sessionSchema, 'sessions');

/** The day a session expires on (UTC), the bucket the clean-up deletes by. */
export const expiryDay = (date: Date) => date.toISOString().slice(0, 10);

/**
 * Sessions in MongoDB, read by `_id` (an index on every backend; on FerretDB its GIN twin).
 * Expiry is checked here, and expired records are deleted by the periodic clean-up by their
 * expiry day (`expiresOn`, indexed), since FerretDB has no TTL index and would read every session
 * for a range on `expires`. connect-mongo would do neither. Sessions are not touched on every
 * request (no sliding expiry), so an unchanged session costs one read and no write.
 */
export class MongoSessionStore extends session.Store {
  constructor(private readonly connection: mongoose.Connection) {
    super();
  }

  private get records() {
    return this.connection.collection<SessionRecord>('sessions');
  }

  override get(sid: string, callback: (error: unknown, session?: session.SessionData | null) => void): void {
    bounded(this.records.findOne({ _id: sid })).then((record) => {
      if (!record || record.expires.getTime() <= Date.now()) return callback(null, null);
      callback(null, JSON.parse(record.session) as session.SessionData);
    }, callback);
  }

  override set(sid: string, data: session.SessionData, callback?: (error?: unknown) => void): void {
    const expires = data.cookie.expires ? new Date(data.cookie.expires) : new Date(Date.now() + visitorSessionMs);
    bounded(
      this.records.updateOne(
        { _id: sid },
        { $set: { session: JSON.stringify(data), expires, expiresOn: expiryDay(expires) } },
        { upsert: true },
      ),
    ).then(() => callback?.(), callback);
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    bounded(this.records.deleteOne({ _id: sid })).then(() => callback?.(), callback);
  }
}

/** One session middleware, shared by Express and Socket.IO. */
export function createSessionMiddleware(options: { connection: mongoose.Connection; secret: string; secureCookie: boolean }) {
  return session({
    name: sessionCookieName,
    secret: options.secret,
    store: new MongoSessionStore(options.connection),
    resave: false,
    saveUninitialized: false,
    rolling: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure: options.secureCookie, maxAge: visitorSessionMs },
  });
}

/** How many days back the clean-up looks for expired sessions (a server stopped longer leaves some). */
const cleanupDays = 60;

/**
 * Deletes expired sessions: whole days before today, then today's that have expired, each an
 * indexed delete.
 */
export async function deleteExpiredSessions(connection: mongoose.Connection, now = new Date()): Promise<number> {
  const sessions = connection.collection<SessionRecord>('sessions');
  const days = Array.from({ length: cleanupDays }, (_, back) => expiryDay(new Date(now.getTime() - (back + 1) * 86_400_000)));
  const results = await Promise.all([
    ...days.map((day) => sessions.deleteMany({ expiresOn: day })),
    sessions.deleteMany({ expiresOn: expiryDay(now), expires: { $lt: now } }),
  ]);
  return results.reduce((sum, result) => sum + result.deletedCount, 0);
}

/**
 * A message for the next page this browser shows, after a redirect (POST, then 303, then GET):
 * kept in the session, shown once. What it says (a count of revoked tokens) comes from the server,
 * so a crafted link cannot make a page claim it.
 */
export type Notice = { key: string; count?: number };

/**
 * Saved before the caller redirects. Left to express-session, the save runs while the redirect's
 * headers are already on their way (it writes the top of the response first), and a browser that
 * follows at once can read the session before the notice is in it.
 */
export function leaveNotice(req: Request, notice: Notice): Promise<void> {
  req.session.notice = notice;
  return new Promise((resolve, reject) => req.session.save((error) => (error ? reject(error) : resolve())));
}

/** The notice left for this page, now removed from the session; null when there is none. */
export function takeNotice(req: Request): Notice | null {
  const notice = req.session?.notice;
  if (!notice) return null;
  delete req.session.notice;
  return notice;
}

declare module 'express-session' {
  interface SessionData {
    notice?: Notice;
  }
}
