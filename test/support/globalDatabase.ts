import { randomBytes } from 'node:crypto';
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

// Uploads made by tests go to a temporary folder, removed after the run. Set as this file loads:
// spec files load before the global setup runs, and some build their app while loading.
const uploadDir = path.join(os.tmpdir(), `kompeten-test-uploads-${process.pid}-${randomBytes(4).toString('hex')}`);
process.env.TEST_UPLOAD_DIR = uploadDir;

export async function mochaGlobalSetup(): Promise<void> {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kompeten-test-'));
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
  await rm(uploadDir, { recursive: true, force: true });
}
