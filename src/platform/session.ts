import MongoStore from 'connect-mongo';
import session from 'express-session';
import type mongoose from 'mongoose';

export const sessionCookieName = 'kompeten.sid';
const sessionLifetimeMs = 14 * 24 * 60 * 60 * 1000;

/**
 * One session middleware, shared by Express and Socket.IO. Sessions live in MongoDB.
 */
export function createSessionMiddleware(options: { connection: mongoose.Connection; secret: string; secureCookie: boolean }) {
  const store = MongoStore.create({
    client: options.connection.getClient(),
    dbName: options.connection.name,
    collectionName: 'sessions',
    // Expired sessions are deleted by the periodic clean-up (platform/cleanup.ts): FerretDB has
    // no TTL index, and the store's own timer would close our shared client when stopped.
    autoRemove: 'disabled',
    ttl: sessionLifetimeMs / 1000,
    touchAfter: 60 * 60,
  });
  const middleware = session({
    name: sessionCookieName,
    secret: options.secret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure: options.secureCookie, maxAge: sessionLifetimeMs },
  });
  return middleware;
}
