import { createHash } from 'node:crypto';
import http from 'node:http';
import type { RequestHandler } from 'express';
import type { PassportStatic } from 'passport';
import { Server, type Socket } from 'socket.io';
import type { z } from 'zod';
import type { UserView } from '../users/schemas.js';
import type { Config } from './config.js';
import {
  AppError,
  duplicateKeyConflict,
  isDuplicateKeyError,
  NotFoundError,
  TooManyRequestsError,
  UnauthorizedError,
} from './errors.js';
import { defaultLanguage, isLanguage, type Language, languageCookie, translator } from './i18n.js';
import type { Logger } from './logger.js';
import { type Action, type Actor, authorize } from './permissions.js';
import type { SocketAdapter } from './socketAdapter.js';
import { parseInput } from './validation.js';

/**
 * Socket.IO beside the pages: the same session cookie and the same user (no separate login),
 * the same permission rules (permissions.ts), answers in the user's language. Features add their
 * events with `onEvent` and their rooms with `joinAuthorised`, never with `socket.on`/`join`
 * directly, so no event goes unvalidated, unlimited or unauthorised.
 */

/** The most one message may carry; the engine closes a connection that sends more. */
export const maxMessageBytes = 16 * 1024;
/** A client back within this long gets the events it missed (connection state recovery). */
export const recoveryWindowMs = 2 * 60 * 1000;
/**
 * Each socket's events: a burst of this many, then this many a second. A person types and clicks
 * far slower; a script flooding a class room is cut off without slowing anyone else.
 */
export const eventBurst = 10;
export const eventsPerSecond = 5;

type HandshakeRequest = http.IncomingMessage & {
  user?: Express.User;
  sessionID?: string;
  _query?: Record<string, string>;
  [handshakeIdentity]?: HandshakeIdentity | null;
};

/** The room every socket of a user is in: `io.to(userRoom(id)).emit(...)` reaches all their tabs. */
export const userRoom = (userId: string) => `user:${userId}`;
/** The room of one login session's sockets; named by a hash, since the session id is a credential. */
const sessionRoom = (sessionId: string) => `session:${createHash('sha256').update(sessionId).digest('hex').slice(0, 32)}`;

/**
 * What the rest of the app may ask of live connections, without importing the socket server:
 * created by createApp (before there is a server), connected by createSocketServer. Until then
 * (tests without a listening server) there are no sockets, and each call does nothing.
 */
export type LiveConnections = {
  /** Every socket of the account, on every process (logging out everywhere, a deactivated account). */
  disconnectUser(userId: string): void;
  /** The sockets of one login session (logging out in this browser). */
  disconnectSession(sessionId: string): void;
  /** Sends an event to a room, on every process (a page's form changed what a live room shows). */
  broadcast(room: string, event: string, data: unknown): void;
  /**
   * Declares an event sockets may send, once at start (not per connection: a thousand sockets then
   * share one table instead of each holding twenty listeners). See `handleEvent` for what every
   * event gets: rate limit, validation, authorised handler, an answer in the user's language.
   */
  event<S extends z.ZodType, R>(name: string, schema: S, handler: EventHandler<S, R>): void;
  /** Runs for each new connection (a recovered one too), and as each one is ending (its rooms still known). */
  onConnection(listener: ConnectionListener): void;
  onDisconnecting(listener: ConnectionListener): void;
};

export type EventHandler<S extends z.ZodType, R> = (input: z.output<S>, socket: Socket, io: Server) => R | Promise<R>;
type ConnectionListener = (socket: Socket, io: Server) => void;
type DeclaredEvent = { schema: z.ZodType; handler: EventHandler<z.ZodType, unknown> };

export function createLiveConnections(): LiveConnections & { attach(io: Server): void; connected(socket: Socket): void } {
  let server: Server | undefined;
  const events = new Map<string, DeclaredEvent>();
  const connectionListeners: ConnectionListener[] = [];
  const disconnectingListeners: ConnectionListener[] = [];
  return {
    attach(io) {
      server = io;
    },
    event(name, schema, handler) {
      if (events.has(name)) throw new Error(`The socket event ${name} is declared twice`);
      events.set(name, { schema, handler: handler as DeclaredEvent['handler'] });
    },
    onConnection(listener) {
      connectionListeners.push(listener);
    },
    onDisconnecting(listener) {
      disconnectingListeners.push(listener);
    },
    connected(socket) {
      const io = server!;
      // One listener per socket for every event, looked up in the shared table.
      socket.onAny((name: string, ...args: unknown[]) => {
        handleEvent(socket, io, name, events.get(name), args);
      });
      if (disconnectingListeners.length)
        socket.on('disconnecting', () => {
          for (const listener of disconnectingListeners) listener(socket, io);
        });
      for (const listener of connectionListeners) listener(socket, io);
    },
    // `true`: the client is told the server ended it and does not reconnect by itself; if it
    // tried, its handshake would be refused, since its session no longer has a user.
    disconnectUser(userId) {
      server?.in(userRoom(userId)).disconnectSockets(true);
    },
    disconnectSession(sessionId) {
      server?.in(sessionRoom(sessionId)).disconnectSockets(true);
    },
    broadcast(room, event, data) {
      server?.to(room).emit(event, data);
    },
  };
}

/**
 * Who a socket belongs to, read from its handshake's session once, at connecting, and kept on the
 * socket: the handshake's request itself (headers, session, the whole user) is let go of then, so a
 * thousand open sockets do not each hold one (see createSocketServer).
 */
export type SocketUser = Pick<UserView, 'id' | 'name' | 'role' | 'institution'>;
type SocketIdentity = { user: SocketUser; language: Language };
const identityOf = (socket: Pick<Socket, 'data'>) => (socket.data as { identity: SocketIdentity }).identity;

/** The signed-in user behind a socket. Only authenticated sockets exist. */
export function userOf(socket: Socket): SocketUser {
  return identityOf(socket).user;
}

export function actorOf(socket: Socket): Actor {
  const { id, role, institution } = userOf(socket);
  return { id, role, institution };
}

/** The language of a handshake: the account's saved choice, else the `lang` cookie, else Accept-Language. */
function languageOfRequest(req: HandshakeRequest): Language {
  const saved = (req.user as { language?: unknown } | undefined)?.language;
  if (isLanguage(saved)) return saved;
  const cookie = new RegExp(`(?:^|;\\s*)${languageCookie}=([^;]*)`).exec(req.headers.cookie ?? '')?.[1];
  if (isLanguage(cookie)) return cookie;
  // The first of our languages the browser names (quality values aside: browsers list by preference).
  const asked = (req.headers['accept-language'] ?? '')
    .split(',')
    .map((part) => part.split(';')[0]!.trim().slice(0, 2).toLowerCase());
  return asked.find(isLanguage) ?? defaultLanguage;
}

export const languageOf = (socket: Socket): Language => identityOf(socket).language;

/** An error as an event's answer: its status and message in the user's language (as the API's problem+json). */
export type EventError = { status: number; message: string; errors?: { field: string; message: string }[] };
export type EventAck<T = unknown> = { ok: true; data: T } | { ok: false; error: EventError };

function eventError(language: Language, error: AppError): EventError {
  const t = translator(language);
  return {
    status: error.status,
    message: t(error.key, error.params),
    ...(error.fields.length
      ? { errors: error.fields.map((issue) => ({ field: issue.field, message: t(issue.key, issue.params ?? {}) })) }
      : {}),
  };
}

/** A token bucket per socket: `eventBurst` at once, refilled at `eventsPerSecond`. */
const buckets = new WeakMap<Socket, { tokens: number; at: number }>();
function takeToken(socket: Socket, now = Date.now()): boolean {
  const bucket = buckets.get(socket) ?? { tokens: eventBurst, at: now };
  bucket.tokens = Math.min(eventBurst, bucket.tokens + ((now - bucket.at) / 1000) * eventsPerSecond);
  bucket.at = now;
  buckets.set(socket, bucket);
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

let eventLog: Logger | undefined;

/**
 * Handles one event the way every event must be: rate-limited per socket, its payload validated
 * with its declared schema (the same messages as forms, control characters refused), errors
 * caught and answered, never thrown into Socket.IO. The client's acknowledgement receives
 * `{ ok: true, data }` with what the handler returns, or `{ ok: false, error: { status, message } }`
 * in the user's language (a ForbiddenError from `authorize` is a 403, a ValidationError a 422
 * naming its fields, too many events a 429, an event nobody declared a 404). The handler checks
 * permissions with `authorizeSocket` (or `authorize(actorOf(socket), ...)`), as a route does.
 */
async function handleEvent(socket: Socket, io: Server, name: string, declared: DeclaredEvent | undefined, args: unknown[]) {
  const ack = typeof args.at(-1) === 'function' ? (args.pop() as (answer: EventAck) => void) : undefined;
  try {
    if (!takeToken(socket)) throw new TooManyRequestsError(1, 'errors.tooManyEvents');
    if (!declared) throw new NotFoundError();
    const input = parseInput(declared.schema, args[0]);
    const data = await declared.handler(input, socket, io);
    ack?.({ ok: true, data });
  } catch (error) {
    let appError: AppError;
    if (error instanceof AppError) appError = error;
    else if (isDuplicateKeyError(error)) appError = duplicateKeyConflict(error);
    else {
      eventLog?.error({ err: error, event: name, user: userOf(socket).id }, 'socket event failed');
      appError = new AppError(500, 'errors.status.500detail');
    }
    ack?.({ ok: false, error: eventError(languageOf(socket), appError) });
  }
}

/** Throws a ForbiddenError (answered as a 403) unless the socket's user may do this. */
export function authorizeSocket<A extends Action>(
  socket: Socket,
  action: A,
  resource?: Parameters<typeof authorize<A>>[2],
): void {
  authorize(actorOf(socket), action, resource);
}

/** Joins a room only once `action` on `resource` is allowed (a trainee of cohort A never enters cohort B's room). */
export async function joinAuthorised<A extends Action>(
  socket: Socket,
  room: string,
  action: A,
  resource?: Parameters<typeof authorize<A>>[2],
): Promise<void> {
  authorizeSocket(socket, action, resource);
  await socket.join(room);
}

/**
 * Whether a handshake comes from our own pages. Browsers always send Origin on a WebSocket and on
 * a cross-site request; another site's page opening a socket with our visitor's cookie is refused
 * here. A request without Origin (a same-origin polling GET, or a client outside a browser, which
 * holds no visitor's cookie) passes: the session decides.
 */
export function isOwnOrigin(req: http.IncomingMessage, config: Pick<Config, 'trustProxy'>): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false; // "null" (a sandboxed frame, a file) or nonsense
  }
  const hosts = [req.headers.host];
  // Behind a proxy that Express trusts, the address the browser used is the forwarded one.
  if (config.trustProxy)
    hosts.push(
      String(req.headers['x-forwarded-host'] ?? '')
        .split(',')[0]!
        .trim(),
    );
  return hosts.some((own) => own && own.toLowerCase() === host.toLowerCase());
}

const handshakeIdentity = Symbol('handshake identity');
type HandshakeIdentity = { identity: SocketIdentity; rooms: string[] };

/**
 * The last handshake middleware: notes who the session says the user is, for the socket to keep
 * (see createSocketServer), and lets go of the request. engine.io's stand-in response for a
 * WebSocket upgrade stays referenced until the connection closes and would hold the request, with
 * its session, cookie, the whole account and express-session's state: kilobytes per socket.
 * `null`: no user.
 */
function keepIdentityOnly(req: HandshakeRequest, res: http.ServerResponse, next: (error?: unknown) => void): void {
  const user = req.user as UserView | undefined;
  req[handshakeIdentity] = user
    ? {
        identity: {
          user: { id: user.id, name: user.name, role: user.role, institution: user.institution },
          language: languageOfRequest(req),
        },
        rooms: [userRoom(user.id), ...(req.sessionID ? [sessionRoom(req.sessionID)] : [])],
      }
    : null;
  // Only the upgrade's stand-in: a real response (a long-polling handshake) is done with soon.
  // Its wrapped writeHead and end (express-session's, closures over the request) give way to the
  // stand-in's own, which do nothing: the handshake writes no header and saves no session.
  if (!(res instanceof http.ServerResponse)) {
    const standIn = res as unknown as Record<string, unknown>;
    delete standIn.writeHead;
    delete standIn.end;
    standIn.req = null;
  }
  next();
}

/** Engine middleware that runs on a connection's first request (its handshake) only. */
const onHandshake =
  (middleware: RequestHandler) =>
  (req: HandshakeRequest, res: http.ServerResponse, next: (error?: unknown) => void): void => {
    if (req._query?.sid === undefined) middleware(req as never, res as never, next);
    else next();
  };

export type SocketServerDependencies = {
  session: RequestHandler;
  passport: PassportStatic;
  config: Config;
  log: Logger;
  /** Filled in here, so logout (auth/routes.ts) can end sockets without importing this module. */
  connections?: ReturnType<typeof createLiveConnections>;
  /** Carries events between app processes (REDIS_URL, socketAdapter.ts); absent, one process. */
  adapter?: SocketAdapter | undefined;
};

/** Attaches Socket.IO to the HTTP server. `close()` ends every connection (clients will reconnect). */
export function createSocketServer(
  httpServer: http.Server,
  { session, passport, config, log, connections, adapter }: SocketServerDependencies,
) {
  eventLog = log;
  const io = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: maxMessageBytes,
    allowRequest: (req, callback) => callback(isOwnOrigin(req, config) ? null : 'foreign origin', isOwnOrigin(req, config)),
    // Auth runs again on a recovered connection (skipMiddlewares false): a session ended during
    // the drop must not come back through recovery.
    connectionStateRecovery: { maxDisconnectionDuration: recoveryWindowMs, skipMiddlewares: false },
    ...(adapter ? { adapter: adapter.adapter } : {}),
  });
  // The very session and passport of the pages (app.ts): the same cookie means the same user,
  // deserialised with the same checks (an ended session or a deactivated account has none).
  io.engine.use(onHandshake(session));
  io.engine.use(onHandshake(passport.initialize()));
  io.engine.use(onHandshake(passport.session()));
  io.engine.use(onHandshake(keepIdentityOnly));

  io.use((socket, next) => {
    const req = socket.request as HandshakeRequest;
    const handshake = req[handshakeIdentity];
    if (!handshake) {
      const error = new Error('unauthorized') as Error & { data?: EventError };
      error.data = eventError(handshake === null ? languageOfRequest(req) : defaultLanguage, new UnauthorizedError());
      return next(error);
    }
    socket.data.identity = handshake.identity;
    socket.data.platformRooms = handshake.rooms;
    // Socket.IO would keep the handshake's request for as long as the socket lives (engine.io's
    // upgrade keeps it too); what the socket needs of it is above.
    (socket.conn as unknown as { request: unknown }).request = null;
    next();
  });

  io.on('connection', (socket) => {
    socket.join(socket.data.platformRooms as string[]);
    connections?.connected(socket);
  });

  connections?.attach(io);
  return {
    io,
    /** Ends every connection without telling clients to stay away: after a restart they reconnect. */
    async close() {
      io.engine.close();
      // After the engine: the sockets it just ended save their sessions (for recovery) through it.
      await adapter?.close();
    },
  };
}

export type SocketServer = ReturnType<typeof createSocketServer>;
