import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { startPeriodicCleanup } from './platform/cleanup.js';
import { type Config, ConfigError, loadConfig } from './platform/config.js';
import { openDatabase } from './platform/db/connect.js';
import { createLogger, type Logger } from './platform/logger.js';
import { resolveSessionSecret } from './platform/secret.js';
import { seedDemoIfEmpty } from './seed/demo.js';

/** Connects the database, starts HTTP, and returns how to stop it all gracefully. */
export async function startServer(config: Config, log: Logger) {
  const database = await openDatabase(config, log);
  try {
    const sessionSecret = await resolveSessionSecret(config);
    // Demo data only on an embedded database, never on a configured MONGODB_URI.
    if (database.embedded && config.seedDemo !== false) await seedDemoIfEmpty(log);
    const { app } = createApp({ config, log, connection: database.connection, sessionSecret });
    const server = http.createServer(app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, resolve);
    });
    const { port } = server.address() as AddressInfo;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    log.info({ url }, `Kompeten is listening on ${url}`);
    const stopCleanup = startPeriodicCleanup(database.connection, log);

    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        stopCleanup();
        // Stop accepting, let in-flight requests finish, then cut whatever is still open.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
        await closed;
        clearTimeout(force);
        await database.close();
      })();
      return stopping;
    };
    return { url, port, server, stop };
  } catch (error) {
    await database.close();
    throw error;
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  let running: Awaited<ReturnType<typeof startServer>>;
  try {
    running = await startServer(config, log);
  } catch (error) {
    log.fatal({ err: error }, (error as Error).message);
    process.exit(1);
  }
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    running.stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/server.ts')) {
  await main();
}
