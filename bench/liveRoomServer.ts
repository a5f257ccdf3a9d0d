import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent } from 'mongodb';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/platform/config.js';
import { connectMongoose, databaseClients, disconnectMongoose } from '../src/platform/db/connect.js';
import { createLogger } from '../src/platform/logger.js';
import { createSocketServer } from '../src/platform/socket.js';
import { answerMeasurements, type ServerAnswer } from './liveRoomProtocol.js';

/**
 * The app for the live-room benchmark (liveRoom.ts), in a process of its own started with
 * --expose-gc: connected to the bench database (BENCH_DATABASE_URI) and put together as
 * server.ts does it for one process without REDIS_URL (createApp, an HTTP server,
 * createSocketServer with the app's session, passport and live connections), minus server.ts's
 * periodic jobs and unit-search index, which no live room uses. Its database driver emits command
 * events, so the orchestrator can count the commands each phase sent. It answers the
 * orchestrator's questions over IPC (liveRoomProtocol.ts); nothing of this is in src/.
 */

const send = (answer: ServerAnswer) => process.send?.(answer);
const log = createLogger('silent');

async function main() {
  const uri = process.env.BENCH_DATABASE_URI;
  const sessionSecret = process.env.BENCH_SESSION_SECRET;
  if (!uri || !sessionSecret) throw new Error('BENCH_DATABASE_URI and BENCH_SESSION_SECRET are required');
  // As in production behind a TLS proxy on this machine (the clients say x-forwarded-proto: https).
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    SESSION_SECRET: sessionSecret,
    TRUST_PROXY: 'loopback',
  });
  const connection = await connectMongoose(uri, { log, monitorCommands: true });
  const { app, sessionMiddleware, passport, liveConnections } = createApp({ config, log, connection, sessionSecret });
  const server = http.createServer(app);
  const sockets = createSocketServer(server, { session: sessionMiddleware, passport, config, log, connections: liveConnections });

  // Each command's count and the time the database took for it (sent to answered, not the wait for a connection).
  let counts: Record<string, { count: number; ms: number }> = {};
  const housekeeping = new Set(['endSessions', 'killCursors', 'ping', 'hello', 'isMaster']);
  const names = new Map<number, string>();
  const started = (event: CommandStartedEvent) => {
    if (housekeeping.has(event.commandName)) return;
    const key = `${event.commandName} ${String(event.command[event.commandName])}`;
    names.set(event.requestId, key);
    counts[key] ??= { count: 0, ms: 0 };
    counts[key].count += 1;
  };
  const ended = (event: CommandSucceededEvent | CommandFailedEvent) => {
    const key = names.get(event.requestId);
    names.delete(event.requestId);
    if (key && counts[key]) counts[key].ms += event.duration;
  };
  for (const client of databaseClients())
    client.on('commandStarted', started).on('commandSucceeded', ended).on('commandFailed', ended);

  let stopping = false;
  answerMeasurements('liveRoomServer', async (request) => {
    if (request.type === 'commands') {
      send({ type: 'commands', counts });
      counts = {};
    } else if (request.type === 'stop' && !stopping) {
      stopping = true;
      await sockets.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await disconnectMongoose();
      process.disconnect?.();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  send({ type: 'ready', port: (server.address() as AddressInfo).port });
}

main().catch((error: unknown) => {
  send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  process.disconnect?.();
});
