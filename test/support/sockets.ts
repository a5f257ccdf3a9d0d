import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Socket as ClientSocket, io as connect, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { sessionCookieName } from '../../src/platform/session.js';
import { createSocketServer, type LiveConnections } from '../../src/platform/socket.js';
import { buildTestServer, testSessionSecret } from './app.js';

/** Socket.IO on a test server of the app, as server.ts attaches it. */
export function attachTestSockets(server: http.Server, built: ReturnType<typeof buildTestServer>) {
  return createSocketServer(server, {
    session: built.sessionMiddleware,
    passport: built.passport,
    config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', SESSION_SECRET: testSessionSecret }),
    log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    connections: built.liveConnections,
  });
}

/**
 * The real app with Socket.IO (platform/socket.ts), listening on 127.0.0.1 on a free port, as
 * server.ts starts it. Call it in `before`; it stops itself (clients, sockets, server) in `after`.
 */
export function useSocketServer() {
  const state = {} as {
    base: string;
    sockets: ReturnType<typeof createSocketServer>;
    /** The app's live connections: where features declare their events (`connections.event`). */
    connections: LiveConnections;
    server: http.Server;
    clients: ClientSocket[];
  };
  let built: ReturnType<typeof buildTestServer>;
  const listen = async (port: number) => {
    state.server = http.createServer(built.app);
    state.sockets = attachTestSockets(state.server, built);
    await new Promise<void>((resolve) => state.server.listen(port, '127.0.0.1', resolve));
    state.base = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  };
  const stop = async () => {
    state.sockets.close();
    state.server.closeAllConnections();
    await new Promise((resolve) => state.server.close(resolve));
  };
  before(async () => {
    built = buildTestServer();
    state.connections = built.liveConnections;
    await listen(0);
    state.clients = [];
  });
  after(async () => {
    for (const client of state.clients) client.disconnect();
    await stop();
  });

  /** A client (not yet connected: call `.connect()`), closed after the tests; no reconnection unless asked. */
  const client = (options: Partial<ManagerOptions & SocketOptions> = {}) => {
    const socket = connect(state.base, { autoConnect: false, reconnection: false, forceNew: true, ...options });
    state.clients.push(socket);
    return socket;
  };
  /**
   * Stops the server and starts a new one on the same port, as a restarted process would be: the
   * same database, nothing kept in memory (clients cannot recover, they reconnect and resync).
   */
  const restart = async () => {
    const port = (state.server.address() as AddressInfo).port;
    await stop();
    await listen(port);
  };
  return { state, client, restart };
}

/** The session cookie of `name=value` pairs from a response's Set-Cookie headers, if it set one. */
function sessionCookieOf(response: Response): string | undefined {
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith(`${sessionCookieName}=`));
  return cookie?.split(';')[0];
}

/** The CSRF token on a page, read as a browser would. */
async function csrfToken(base: string, page: string, cookie?: string) {
  const response = await fetch(`${base}${page}`, { headers: cookie ? { cookie } : {} });
  const token = /name="_csrf" value="([^"]+)"/.exec(await response.text())?.[1];
  if (!token) throw new Error(`No CSRF token on ${page} (status ${response.status})`);
  return { token, cookie: sessionCookieOf(response) ?? cookie };
}

/** Logs in through the login form of the listening server; the session cookie, as `name=value`. */
export async function logInForCookie(base: string, email: string, password: string): Promise<string> {
  const { token, cookie } = await csrfToken(base, '/login');
  const response = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie ?? '' },
    body: new URLSearchParams({ _csrf: token, email, password }),
  });
  const loggedIn = sessionCookieOf(response) ?? cookie;
  if (response.status !== 303 || !loggedIn) throw new Error(`Login of ${email} failed with ${response.status}`);
  return loggedIn;
}

/** Posts a logged-in form (e.g. /logout) with the session's CSRF token; the response status. */
export async function postWithSession(
  base: string,
  path: string,
  cookie: string,
  fields: Record<string, string> = {},
): Promise<number> {
  const { token } = await csrfToken(base, '/dashboard', cookie);
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ ...fields, _csrf: token }),
  });
  return response.status;
}

/** Resolves with the first of `connect` or `connect_error` (the error's message and data). */
export function connectOutcome(
  socket: ClientSocket,
): Promise<{ connected: true } | { connected: false; message: string; data?: unknown }> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ connected: true }));
    socket.once('connect_error', (error: Error & { data?: unknown }) =>
      resolve({ connected: false, message: error.message, data: error.data }),
    );
    socket.connect();
  });
}

/** The next `event` the client receives, or 'nothing' once `ms` pass without it. */
export function nextEvent<T = unknown>(socket: ClientSocket, event: string, ms = 1_500): Promise<T | 'nothing'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      resolve('nothing');
    }, ms);
    const listener = (value: T) => {
      clearTimeout(timer);
      resolve(value);
    };
    socket.once(event, listener);
  });
}
