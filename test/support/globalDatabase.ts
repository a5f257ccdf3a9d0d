import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../../src/platform/db/embedded.js';

/**
 * Mocha global fixtures: one database server for the whole run, found by the same resolver as
 * the app (TEST_MONGODB_URI, else mongod, else FerretDB on PostgreSQL), with its data in
 * a temporary folder. Each test file then uses a fresh database of its own (see database.ts).
 */
let embedded: EmbeddedDatabase | undefined;
let dataDir: string | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kompeten-test-'));
  // Uploads made by tests go to a temporary folder, removed with the rest after the run.
  process.env.TEST_UPLOAD_DIR = path.join(dataDir, 'uploads');
  if (process.env.TEST_MONGODB_URI) return;
  embedded = await startEmbeddedDatabase({
    dataDir,
    ferretdbBin: process.env.FERRETDB_BIN,
    durable: false,
    log: pino({ level: 'warn' }),
  });
  process.env.TEST_MONGODB_URI = embedded.uri;
  if (embedded.postgresUrl) process.env.TEST_POSTGRES_URL = embedded.postgresUrl;
  process.env.TEST_DATABASE_KIND = embedded.kind;
}

export async function mochaGlobalTeardown(): Promise<void> {
  await embedded?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}
