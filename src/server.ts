import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { closeExpiredAttempts } from './assessments/quizzes/scoring.js';
import { startDeliveryWorker } from './certification/delivery/start.js';
import { startPeriodicCleanup } from './cleanup.js';
import { startExportWorker } from './exports/start.js';
import type { Config } from './platform/config.js';
import { openDatabase } from './platform/db/connect.js';
import type { Logger } from './platform/logger.js';
import { runPeriodically } from './platform/periodic.js';
import { resolveSessionSecret } from './platform/secret.js';
import { createSocketServer } from './platform/socket.js';
import { createSocketAdapter, type SocketAdapter } from './platform/socketAdapter.js';
import { seedDemoIfEmpty } from './seed/demo.js';
import { loadUnitIndex } from './units/search.js';
import { startXapiWorker } from './xapi/start.js';

/** Connects the database, starts HTTP, and returns how to stop it all gracefully. */
export async function startServer(config: Config, log: Logger) {
  const database = await openDatabase(config, log);
  let adapter: SocketAdapter | undefined;
  try {
    const sessionSecret = await resolveSessionSecret(config);
    // Unit search keeps every unit's summary in memory: read them now, not on the first search.
    loadUnitIndex().catch((error: unknown) => log.warn({ err: error }, 'Could not load the unit search index yet'));
    const { app, sessionMiddleware, passport, liveConnections } = createApp({
      config,
      log,
      connection: database.connection,
      sessionSecret,
    });
    // Demo data only on an embedded database, never on a configured MONGODB_URI. Seeded after the
    // app is built, so the features following domain events (monitoring, logs) see it made.
    if (database.embedded && config.seedDemo !== false) {
      const logins = await seedDemoIfEmpty();
      if (logins) process.stdout.write(`${logins}\n`);
    }
    // With REDIS_URL, live events reach the sockets of every process; without it, this one's.
    adapter = await createSocketAdapter(config.redisUrl, log);
    const server = http.createServer(app);
    const sockets = createSocketServer(server, {
      session: sessionMiddleware,
      passport,
      config,
      log,
      connections: liveConnections,
      adapter,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, resolve);
    });
    const { port } = server.address() as AddressInfo;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    log.info({ url }, `Kompeten is listening on ${url}`);
    const stopCleanup = startPeriodicCleanup(database.connection, log, config.uploadDir);
    // Quiz attempts left open are ended and graded at their deadline, even if nobody comes back.
    const stopQuizDeadlines = runPeriodically(() => closeExpiredAttempts(), 30_000, log, 'quiz deadlines');
    // Webhook pushes of handed batches to certification bodies, from the outbox (every process runs one).
    const stopDeliveries = startDeliveryWorker(log);
    const stopExports = startExportWorker(config, log); // background exports of long tables (every process runs one)
    // xAPI statements of learning records to the LRS, from the outbox (every process runs one; none without XAPI_ENDPOINT).
    const stopXapi = startXapiWorker(config, log);

    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        stopCleanup();
        stopQuizDeadlines();
        const deliveriesStopped = stopDeliveries();
        const exportsStopped = stopExports(); // a job under way goes back to the queue at its next row
        const xapiStopped = stopXapi();
        // Sockets first: an open WebSocket would hold the server open. Their clients reconnect
        // (to this server once restarted, or another process) and recover or resync.
        const socketsClosed = sockets.close().catch((error: unknown) => log.warn({ err: error }, 'Redis did not close'));
        // Stop accepting, let in-flight requests finish, then cut whatever is still open.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
        await closed;
        clearTimeout(force);
        await socketsClosed;
        await deliveriesStopped; // its pushes end within their 10 s timeout; an unfinished one is retried
        await exportsStopped;
        await xapiStopped; // likewise: an unanswered batch is sent again (same statement ids) after its lease
        await database.close();
      })();
      return stopping;
    };
    return { url, port, server, stop };
  } catch (error) {
    await adapter?.close();
    await database.close();
    throw error;
  }
}
