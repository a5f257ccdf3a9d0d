import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import type { ServerOptions } from 'socket.io';
import type { Logger } from './logger.js';

/**
 * How Socket.IO events travel between app processes. Without REDIS_URL there is one process and
 * Socket.IO's in-memory adapter suffices (no adapter here). With it, every process reads and
 * writes one Redis stream, so `io.to(room).emit(...)` on one process reaches the room's sockets on
 * all of them, and logout ends a user's sockets wherever they are.
 *
 * Why the Redis *Streams* adapter and not `@socket.io/redis-adapter`: the latter (Redis pub/sub)
 * does not support connection state recovery, and the live room relies on it (a phone that drops
 * for a few seconds gets the chat it missed instead of reloading the room). The streams adapter
 * keeps each disconnected socket's session in Redis and replays missed broadcasts from the stream,
 * so a client recovers even when it comes back through another process; and it resumes the stream
 * after a short loss of Redis without losing packets, where pub/sub drops what was sent meanwhile.
 */
export type SocketAdapter = {
  /** Socket.IO's `adapter` option. */
  adapter: NonNullable<Partial<ServerOptions>['adapter']>;
  /** Closes the namespaces' adapters, then Redis, once pending writes (persisted sessions) are sent. */
  close(): Promise<void>;
};

/** How long a starting process waits for Redis (one starting beside it) before it gives up with a clear line. */
export const redisConnectTimeoutMs = 10_000;

/** A Redis URL fit for a log line or an error: without its password. */
export function redactedRedisUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/**
 * The adapter for REDIS_URL, connected; `undefined` without it (a single process). A process that
 * cannot reach Redis does not start: alone, it would split every live room in two without a word.
 */
export async function createSocketAdapter(
  redisUrl: string | undefined,
  log: Logger,
  { connectTimeoutMs = redisConnectTimeoutMs } = {},
): Promise<SocketAdapter | undefined> {
  if (!redisUrl) return undefined;
  const where = redactedRedisUrl(redisUrl);
  const client = createClient({ url: redisUrl, socket: { connectTimeout: connectTimeoutMs } });
  // An 'error' without a listener would end the process. While Redis is away the client reconnects
  // (and emits an error each try): say so once, and once more when it is back. Before the first
  // connection, the error goes into the line that stops the start.
  let connected = false;
  let down = false;
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
    if (!connected || down) return;
    down = true;
    log.error({ err: error, redis: where }, 'Lost the connection to Redis; live events between processes wait for it');
  });
  client.on('ready', () => {
    if (down) log.info({ redis: where }, 'Connected to Redis again');
    down = false;
  });

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer')), connectTimeoutMs);
  });
  try {
    await Promise.race([client.connect(), timeout]);
    connected = true;
  } catch (error) {
    client.destroy();
    const reason = lastError?.message ?? (error as Error).message;
    throw new Error(`Could not reach Redis at ${where} (REDIS_URL) within ${connectTimeoutMs / 1000} s: ${reason}`);
  } finally {
    clearTimeout(timer);
  }
  log.info({ redis: where }, 'Live events travel between processes through Redis');

  // The adapter saves a disconnected socket's session with a SET whose failure it leaves unhandled
  // (socketio/socket.io-redis-streams-adapter#21): an error reply (Redis out of memory, a read-only
  // replica) would be an unhandled rejection, and that ends the process, every class on it. Such a
  // failure costs one client its recovery (it joins again and gets the room's snapshot), no more.
  const set = client.set.bind(client);
  const guardedSet = (...args: Parameters<typeof set>) => {
    const reply = set(...args);
    reply.catch((error: unknown) => log.warn({ err: error, redis: where }, 'Could not save a live connection for recovery'));
    return reply;
  };
  Object.assign(client, { set: guardedSet });

  // The adapter opens connections of its own (duplicates of `client`) to read the stream and hear
  // other processes' answers; closing the namespaces' adapters ends them (a reader after its
  // current blocking read, within 5 s; a stopping process exits without waiting for it).
  const createNamespaceAdapter = createAdapter(client);
  const adapters: { close(): unknown }[] = [];
  return {
    // Socket.IO calls `new adapter(namespace)`: a function, not an arrow, and what it returns is the adapter.
    adapter: function namespaceAdapter(namespace: unknown) {
      const adapter = createNamespaceAdapter(namespace);
      adapters.push(adapter);
      return adapter;
    },
    async close() {
      for (const adapter of adapters.splice(0)) adapter.close();
      // close(), not destroy(): the sessions of sockets just disconnected are still being saved.
      if (client.isOpen) await client.close();
    },
  };
}
