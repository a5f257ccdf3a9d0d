import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { startEmbeddedDatabase } from '../src/platform/db/embedded.js';

/**
 * Why updates on FerretDB share one connection (src/platform/db/ferretdbAdapter.ts): 10 clients
 * update for 5 s, through a pool and through one connection, on different documents and all on
 * one, and the run counts what was acknowledged against what was stored. Run with
 * `npx tsx bench/writers.ts`; it starts its own embedded database (durable, as the app's).
 */
type Entry = { _id: string; n: number; done: string[] };
const seconds = 5;
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kompeten-writers-'));
const database = await startEmbeddedDatabase({ dataDir, log: pino({ level: 'warn' }) });
const pool = await MongoClient.connect(`${database.uri}/writers`);
const single = await MongoClient.connect(`${database.uri}/writers`, { maxPoolSize: 1 });
const entries = (client: MongoClient) => client.db().collection<Entry>('entries');
try {
  await entries(pool).insertMany(Array.from({ length: 5000 }, (_, i) => ({ _id: `e${i}`, n: 0, done: [] })));
  for (const [name, client] of [
    ['a pool of connections', pool],
    ['one connection', single],
  ] as const) {
    for (const oneDocument of [false, true]) {
      await entries(pool).updateOne({ _id: 'e0' }, { $set: { n: 0, done: [] } });
      const latencies: number[] = [];
      const until = performance.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: 10 }, async (_, worker) => {
          for (let i = worker; performance.now() < until; i += 10) {
            const start = performance.now();
            const id = oneDocument ? 'e0' : `e${(i * 7919) % 5000}`;
            await entries(client).updateOne({ _id: id }, { $inc: { n: 1 }, $addToSet: { done: `l${i}` } });
            latencies.push(performance.now() - start);
          }
        }),
      );
      latencies.sort((a, b) => a - b);
      const stored = oneDocument ? (await entries(pool).findOne({ _id: 'e0' }))?.n : undefined;
      process.stdout.write(
        `${name}, ${oneDocument ? 'one document' : 'different documents'}: ${Math.round(latencies.length / seconds)} updates/s, ` +
          `p99 ${latencies[Math.floor(latencies.length * 0.99)]?.toFixed(0)} ms` +
          (oneDocument ? `, ${latencies.length} acknowledged, ${stored} stored\n` : '\n'),
      );
    }
  }
} finally {
  await Promise.all([pool.close(), single.close()]);
  await database.stop();
  await rm(dataDir, { recursive: true, force: true });
}
