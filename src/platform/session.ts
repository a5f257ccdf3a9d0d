import session from 'express-session';
import type mongoose from 'mongoose';

export const sessionCookieName = 'kompeten.sid';
/** How long a logged-in session lasts, counted from login. */
export const loggedInSessionMs = 14 * 24 * 60 * 60 * 1000;
/** Sessions of visitors (made by the login and registration forms' CSRF tokens) expire soon. */
const visitorSessionMs = 2 * 60 * 60 * 1000;

type SessionRecord = { _id: string; session: string; expires: Date };

/**
 * Sessions in MongoDB, looked up by `_id` alone. We use this instead of connect-mongo because
 * its lookup adds an `$or` on the expiry, which FerretDB 1.x cannot push down to SQLite: with
 * 20,000 sessions it took 155 ms a request instead of 1 ms. Expiry is checked here instead,
 * and expired records are deleted by the periodic clean-up (platform/cleanup.ts), since FerretDB
 * has no TTL index. Sessions are not touched on every request (no sliding expiry), so an
 * unchanged session costs one read and no write.
 */
export class MongoSessionStore extends session.Store {
  constructor(private readonly connection: mongoose.Connection) {
    super();
  }

  private get records() {
    return this.connection.collection<SessionRecord>('sessions');
  }

  override get(sid: string, callback: (error: unknown, session?: session.SessionData | null) => void): void {
    this.records.findOne({ _id: sid }).then((record) => {
      if (!record || record.expires.getTime() <= Date.now()) return callback(null, null);
      callback(null, JSON.parse(record.session) as session.SessionData);
    }, callback);
  }

  override set(sid: string, data: session.SessionData, callback?: (error?: unknown) => void): void {
    const expires = data.cookie.expires ? new Date(data.cookie.expires) : new Date(Date.now() + visitorSessionMs);
    this.records
      .updateOne({ _id: sid }, { $set: { session: JSON.stringify(data), expires } }, { upsert: true })
      .then(() => callback?.(), callback);
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    this.records.deleteOne({ _id: sid }).then(() => callback?.(), callback);
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
