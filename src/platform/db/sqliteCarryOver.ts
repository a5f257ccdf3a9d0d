import { createHash } from 'node:crypto';
import { readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { BSON, type Document, MongoClient } from 'mongodb';
import type { Logger } from '../logger.js';
import { startFerretdb } from './ferretdbServer.js';

/** Where the SQLite-backed version of Kompeten kept FerretDB's data. */
const sqliteDir = (dataDir: string) => path.join(dataDir, 'ferretdb');

/** Whether DATA_DIR holds FerretDB SQLite databases not yet carried over to PostgreSQL. */
export async function hasSqliteData(dataDir: string): Promise<boolean> {
  try {
    return (await readdir(sqliteDir(dataDir))).some((file) => file.endsWith('.sqlite'));
  } catch {
    return false;
  }
}

const batch = 1_000;

/** A fingerprint of a collection that does not depend on the order its documents are read in. */
async function fingerprint(client: MongoClient, database: string, collection: string): Promise<string> {
  const hashes: string[] = [];
  for await (const document of client.db(database).collection(collection).find({}, { batchSize: batch })) {
    hashes.push(
      createHash('sha256')
        .update(BSON.EJSON.stringify(document, { relaxed: false }))
        .digest('hex'),
    );
  }
  return createHash('sha256').update(hashes.sort().join('\n')).digest('hex');
}

export class CarryOverError extends Error {
  readonly carryOver = true;
}

/**
 * Copies every database, collection, index and document of the SQLite-backed FerretDB in
 * DATA_DIR into `target` (FerretDB on PostgreSQL), with a progress line per collection, then
 * checks that each collection's documents are the same on both sides. Only then is the SQLite
 * folder renamed (kept, never deleted: the user removes it). A copy that stopped half-way is
 * started again from the beginning on the next start, since the SQLite folder is still there.
 */
export async function carryOverSqliteData(options: {
  dataDir: string;
  binary: string;
  target: { uri: string };
  log: Logger;
}): Promise<void> {
  const { log } = options;
  const folder = sqliteDir(options.dataDir);
  log.info(`Carrying over the SQLite data in ${folder} to PostgreSQL (once; the old files are kept)`);
  const source = await startFerretdb({ binary: options.binary, stateDir: folder, backend: { sqlite: folder } });
  const from = new MongoClient(source.uri, { maxPoolSize: 2 });
  const to = new MongoClient(options.target.uri, { maxPoolSize: 2 });
  try {
    const { databases } = await from.db('admin').admin().listDatabases({ nameOnly: true });
    for (const { name: database } of databases) {
      const collections = await from.db(database).listCollections({}, { nameOnly: true }).toArray();
      for (const { name: collection } of collections) {
        await copyCollection(from, to, database, collection, log);
      }
      for (const { name: collection } of collections) {
        const [before, after] = await Promise.all([
          fingerprint(from, database, collection),
          fingerprint(to, database, collection),
        ]);
        if (before !== after) {
          throw new CarryOverError(
            `Carrying over ${database}.${collection} to PostgreSQL gave different documents; the SQLite data in ${folder} is untouched`,
          );
        }
      }
      log.info(`Carried over and verified ${database}: ${collections.length} collections`);
    }
  } finally {
    await Promise.all([from.close(), to.close()]);
    await source.stop();
  }
  const kept = `${folder}-sqlite-carried-over-${new Date().toISOString().slice(0, 10)}`;
  await rename(folder, (await stat(kept).catch(() => undefined)) ? `${kept}-${Date.now()}` : kept);
  log.info(`The SQLite data is now in PostgreSQL; the old files are kept in ${kept} (remove them when you no longer need them)`);
}

async function copyCollection(from: MongoClient, to: MongoClient, database: string, collection: string, log: Logger) {
  const source = from.db(database).collection(collection);
  const target = to.db(database).collection(collection);
  // A copy interrupted before is redone from nothing.
  await target.drop().catch(() => undefined);
  await to.db(database).createCollection(collection);
  const indexes = (await source.listIndexes().toArray()).filter((index) => index.name !== '_id_');
  if (indexes.length > 0) {
    await target.createIndexes(indexes.map(({ v: _version, ns: _namespace, ...index }) => index as Document & { key: Document }));
  }
  const total = await source.estimatedDocumentCount();
  let copied = 0;
  let documents: Document[] = [];
  let lastReport = Date.now();
  for await (const document of source.find({}, { batchSize: batch })) {
    documents.push(document);
    if (documents.length < batch) continue;
    await target.insertMany(documents, { ordered: true });
    copied += documents.length;
    documents = [];
    if (Date.now() - lastReport > 2_000) {
      log.info(`...carrying over ${database}.${collection}: ${copied} of ${total} documents`);
      lastReport = Date.now();
    }
  }
  if (documents.length > 0) await target.insertMany(documents, { ordered: true });
  copied += documents.length;
  log.info(`Carried over ${database}.${collection}: ${copied} documents, ${indexes.length} indexes`);
}
