import mongoose from 'mongoose';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { type EmbeddedDatabase, startEmbeddedDatabase } from './embedded.js';

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

/** Connects Mongoose and waits until every model's indexes (unique ones above all) exist. */
export async function connectMongoose(uri: string): Promise<mongoose.Connection> {
  await mongoose.connect(uri, { serverSelectionTimeoutMS: 10_000 });
  await Promise.all(mongoose.modelNames().map((name) => mongoose.model(name).init()));
  return mongoose.connection;
}

/** MONGODB_URI when set; otherwise an embedded server with its data under DATA_DIR. */
export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  let uri = config.mongodbUri;
  if (!uri) {
    embedded = await startEmbeddedDatabase({ dataDir: config.dataDir, ferretdbBin: config.ferretdbBin, log });
    log.info({ kind: embedded.kind, uri: embedded.uri }, 'embedded database started');
    uri = withDatabaseName(embedded.uri, 'kompeten');
  }
  try {
    const connection = await connectMongoose(uri);
    return {
      connection,
      embedded,
      close: async () => {
        await mongoose.disconnect();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
