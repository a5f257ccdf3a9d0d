import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { findOnPath, locateFerretdb } from './ferretdb.js';
import { startFerretdb } from './ferretdbServer.js';
import { ensureGinTwins } from './ginTwins.js';
import { type PostgresServer, startEmbeddedPostgres } from './postgres.js';
import { acceptsConnections, freeLoopbackPort, startChildServer } from './processes.js';
import { carryOverSqliteData, hasSqliteData } from './sqliteCarryOver.js';

export { acceptsConnections, freeLoopbackPort };

/** A MongoDB-compatible server this process started, and how to stop it. */
export type EmbeddedDatabase = {
  kind: 'mongod' | 'ferretdb';
  /** What FerretDB stores its data in. */
  backend: 'postgresql' | 'sqlite' | undefined;
  /** Server address without a database name, e.g. mongodb://127.0.0.1:41234 */
  uri: string;
  /** PostgreSQL's address, when FerretDB runs on PostgreSQL (for its indexes). */
  postgresUrl: string | undefined;
  /** The server's process (FerretDB or mongod), when it runs as a child of this one. */
  pid: number | undefined;
  /** PostgreSQL's process, when this process started it. */
  postgresPid: number | undefined;
  stop(): Promise<void>;
};

export type EmbeddedOptions = {
  dataDir: string;
  ferretdbBin?: string | undefined;
  /** An existing PostgreSQL for FerretDB, instead of starting one under dataDir. */
  postgresUrl?: string | undefined;
  /** Tests: no fsync, so a run's many small databases are quick to make and drop. */
  durable?: boolean;
  log: Logger;
};

export class NoDatabaseError extends Error {
  constructor(reasons: string[]) {
    super(
      [
        'No MongoDB-compatible database could be started. Fix it in one of three ways:',
        '  1. set MONGODB_URI to a running MongoDB (for example mongodb://127.0.0.1:27017/kompeten);',
        '  2. put `mongod` on the PATH;',
        '  3. install Go (FerretDB is then built once), or set FERRETDB_BIN to a FerretDB 1.x binary.',
        'What was tried:',
        ...reasons.map((reason) => `  - ${reason.split('\n')[0]}`),
      ].join('\n'),
    );
  }
}

/** What a deployment on the SQLite fallback gives up, said whenever it is used. */
export const sqliteFallbackWarning =
  'FerretDB runs on its SQLite backend because PostgreSQL could not start. You lose: every index ' +
  '(each query reads its whole collection: pages take seconds once there are thousands of trainees), ' +
  'atomic updates under concurrency, and writes while another write runs (SQLITE_BUSY). Fix PostgreSQL ' +
  '(see the reason above) or set POSTGRES_URL or MONGODB_URI; the data is carried over to PostgreSQL on the next start.';

async function startMongod(dataDir: string): Promise<EmbeddedDatabase | undefined> {
  const mongod = await findOnPath('mongod');
  if (!mongod) return undefined;
  const dbPath = path.join(dataDir, 'mongod');
  await mkdir(dbPath, { recursive: true });
  const port = await freeLoopbackPort();
  const server = await startChildServer({
    command: mongod,
    args: ['--dbpath', dbPath, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet'],
    port,
    name: 'mongod',
  });
  return {
    kind: 'mongod',
    backend: undefined,
    uri: `mongodb://127.0.0.1:${port}`,
    postgresUrl: undefined,
    pid: server.pid,
    postgresPid: undefined,
    stop: server.stop,
  };
}

/**
 * FerretDB on PostgreSQL: the one given (POSTGRES_URL), else one started from the npm package's
 * binaries with its cluster under dataDir. A DATA_DIR written by the SQLite-backed version is
 * carried over first.
 */
async function startFerretdbOnPostgres(options: EmbeddedOptions, binary: string): Promise<EmbeddedDatabase> {
  const postgres: PostgresServer | undefined = options.postgresUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: options.dataDir, log: options.log, durable: options.durable });
  const postgresUrl = options.postgresUrl ?? (postgres as PostgresServer).url;
  try {
    await ensureGinTwins(postgresUrl, options.log);
    const ferretdb = await startFerretdb({
      binary,
      stateDir: path.join(options.dataDir, 'ferretdb-state'),
      backend: { postgresql: postgresUrl },
    });
    const stop = async () => {
      await ferretdb.stop();
      await postgres?.stop();
    };
    const database: EmbeddedDatabase = {
      kind: 'ferretdb',
      backend: 'postgresql',
      uri: ferretdb.uri,
      postgresUrl,
      pid: ferretdb.pid,
      postgresPid: postgres?.pid,
      stop,
    };
    if (await hasSqliteData(options.dataDir)) {
      try {
        await carryOverSqliteData({ dataDir: options.dataDir, binary, target: database, log: options.log });
      } catch (error) {
        await stop();
        throw error;
      }
    }
    return database;
  } catch (error) {
    await postgres?.stop();
    throw error;
  }
}

async function startFerretdbOnSqlite(options: EmbeddedOptions, binary: string): Promise<EmbeddedDatabase> {
  const storage = path.join(options.dataDir, 'ferretdb');
  await mkdir(storage, { recursive: true });
  const ferretdb = await startFerretdb({ binary, stateDir: storage, backend: { sqlite: storage } });
  return {
    kind: 'ferretdb',
    backend: 'sqlite',
    uri: ferretdb.uri,
    postgresUrl: undefined,
    pid: ferretdb.pid,
    postgresPid: undefined,
    stop: ferretdb.stop,
  };
}

/**
 * Starts a MongoDB-compatible server on a free loopback port, keeping its data under `dataDir`:
 * `mongod` on the PATH, else FerretDB on PostgreSQL, else (with a warning naming what is lost)
 * FerretDB on SQLite.
 */
export async function startEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const reasons: string[] = [];
  try {
    const mongod = await startMongod(options.dataDir);
    if (mongod) return mongod;
    reasons.push('mongod: not on the PATH');
  } catch (error) {
    reasons.push(`mongod: ${(error as Error).message}`);
  }
  let binary: string;
  try {
    binary = await locateFerretdb(options.ferretdbBin, options.log);
  } catch (error) {
    reasons.push(`FerretDB: ${(error as Error).message}`);
    throw new NoDatabaseError(reasons);
  }
  try {
    return await startFerretdbOnPostgres(options, binary);
  } catch (error) {
    const reason = `FerretDB on PostgreSQL: ${(error as Error).message}`;
    reasons.push(reason);
    // Data carried over halfway must not be split between two backends: stop rather than fall back.
    if (options.postgresUrl || (error as { carryOver?: boolean }).carryOver) throw new NoDatabaseError(reasons);
    options.log.error(reason);
  }
  try {
    const database = await startFerretdbOnSqlite(options, binary);
    options.log.warn(sqliteFallbackWarning);
    return database;
  } catch (error) {
    reasons.push(`FerretDB on SQLite: ${(error as Error).message}`);
  }
  throw new NoDatabaseError(reasons);
}
