import type { MongoClient } from 'mongodb';
import mongoose from 'mongoose';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { type EmbeddedDatabase, startEmbeddedDatabase } from './embedded.js';
import { adaptToFerretdb, isFerretdb } from './ferretdbAdapter.js';
import { sweepGinTwins } from './ginTwins.js';
import { createDatabaseProbe, type DatabaseProbe } from './health.js';
import type { QueryGuardMode } from './queryGuard.js';

export type Database = {
  connection: mongoose.Connection;
  /** The server this process started, when MONGODB_URI was not given. */
  embedded: EmbeddedDatabase | undefined;
  close(): Promise<void>;
};

/** The server's address with `name` as its database, keeping any options in the URI. */
export function withDatabaseName(uri: string, name: string): string {
  const url = new URL(uri);
  url.pathname = `/${name}`;
  return url.toString();
}

export type ConnectOptions = {
  /** FerretDB's PostgreSQL, to complete the GIN twins of new collections' indexes. */
  postgresUrl?: string | undefined;
  /** What to do with a query FerretDB would answer by reading a whole collection. */
  queryGuard?: QueryGuardMode;
  log?: Logger | undefined;
  /** Emit the driver's command events (the benchmark records what a page sends). */
  monitorCommands?: boolean;
};

let writer: { writer: MongoClient; close: () => Promise<void> } | undefined;
let ferretdb = false;
let probe: DatabaseProbe | undefined;

/** The driver clients the app talks through (the writer too, on FerretDB), e.g. to watch their commands. */
export function databaseClients(): MongoClient[] {
  return [mongoose.connection.getClient(), ...(writer ? [writer.writer] : [])];
}

/** Whether the connected database answers (on a connection of its own); see health.ts. */
export function databaseIsUp(timeoutMs?: number): Promise<boolean> {
  return probe ? probe.isUp(timeoutMs) : Promise.resolve(false);
}

/** Whether the connected server is FerretDB (filters and updates are adapted: see ferretdbAdapter.ts). */
export function connectedToFerretdb(): boolean {
  return ferretdb;
}

/**
 * Connects Mongoose, adapts it when the server is FerretDB, and waits until every model's
 * indexes (unique ones above all) exist, with their GIN twins on PostgreSQL.
 */
export async function connectMongoose(uri: string, options: ConnectOptions = {}): Promise<mongoose.Connection> {
  // A stalled database must not hold a connection for ever; requests themselves are bounded by
  // the request deadline (platform/http/deadline.ts), this frees the connection afterwards.
  await mongoose.connect(uri, {
    serverSelectionTimeoutMS: 10_000,
    socketTimeoutMS: 60_000,
    monitorCommands: options.monitorCommands ?? false,
  });
  probe = createDatabaseProbe(uri);
  const client = mongoose.connection.getClient();
  ferretdb = await isFerretdb(client);
  if (ferretdb) {
    const warned = new Set<string>();
    writer = await adaptToFerretdb(client, uri, {
      guard: options.queryGuard ?? 'warn',
      onScan: (message) => {
        if (warned.has(message)) return;
        warned.add(message);
        options.log?.warn(message);
      },
    });
  }
  await Promise.all(mongoose.modelNames().map((name) => ensureModel(mongoose.model(name))));
  if (options.postgresUrl) await sweepGinTwins(options.postgresUrl);
  return mongoose.connection;
}

/**
 * Creates a model's collection and indexes. Each model starts this by itself when it is compiled
 * (`init`), and waits for the connection only Mongoose's buffering time (10 s): a model imported
 * long before the database was up (every import, when starting an embedded server takes longer)
 * has had that attempt time out, and Mongoose keeps the failure. It is made again here, on the
 * open connection.
 */
async function ensureModel(model: Pick<mongoose.Model<object>, 'init' | 'createCollection' | 'ensureIndexes'>): Promise<void> {
  try {
    await model.init();
  } catch {
    await model.createCollection();
    await model.ensureIndexes();
  }
}

/** Closes what connectMongoose opened. */
export async function disconnectMongoose(): Promise<void> {
  await writer?.close();
  writer = undefined;
  await probe?.close();
  probe = undefined;
  await mongoose.disconnect();
}

/** MONGODB_URI when set; otherwise an embedded server with its data under DATA_DIR. */
export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  let uri = config.mongodbUri;
  if (!uri) {
    embedded = await startEmbeddedDatabase({
      dataDir: config.dataDir,
      ferretdbBin: config.ferretdbBin,
      postgresUrl: config.postgresUrl,
      log,
    });
    log.info({ kind: embedded.kind, backend: embedded.backend, uri: embedded.uri }, 'embedded database started');
    uri = withDatabaseName(embedded.uri, 'kompeten');
  }
  try {
    const connection = await connectMongoose(uri, { postgresUrl: embedded?.postgresUrl, log });
    return {
      connection,
      embedded,
      close: async () => {
        await disconnectMongoose();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await disconnectMongoose().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
}
