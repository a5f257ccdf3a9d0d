import type { CommandStartedEvent, Document, MongoClient } from 'mongodb';
import { MongoClient as Client } from 'mongodb';
import { connections, durationSeconds, type Row, warmupSeconds } from './measure.js';

/**
 * The database floor of a page: the very commands one request of it sends (recorded from the
 * app's own clients while it answers), replayed by the driver alone, `connections` at a time,
 * for as long as the page is measured. The page cannot be faster than its floor; the difference
 * is what Express, the views and the app's own work cost.
 *
 * Reads go through a pool and updates through one connection, as the app's FerretDB adapter
 * sends them. A replayed update repeats the recorded one, which changes nothing the second time
 * (FerretDB then writes nothing back), so a write's floor is, if anything, too high.
 */
export type Recording = { database: string; command: Document; write: boolean }[];

/** Commands that are about connections, sessions or cursors, not the page's own reads and writes. */
const housekeeping = new Set(['endSessions', 'killCursors', 'getMore', 'ping', 'hello', 'isMaster', 'saslStart', 'saslContinue']);
const writes = new Set(['update', 'insert', 'delete', 'findAndModify']);
/** What the driver adds to every command; the replaying client adds its own. */
const driverFields = ['$db', 'lsid', '$clusterTime', 'txnNumber', '$readPreference', 'apiVersion', 'signature'];

export async function recordCommands(clients: MongoClient[], request: () => Promise<void>): Promise<Recording> {
  const recording: Recording = [];
  const listener = (event: CommandStartedEvent) => {
    if (housekeeping.has(event.commandName)) return;
    const command = { ...event.command };
    for (const field of driverFields) delete command[field];
    recording.push({ database: event.databaseName, command, write: writes.has(event.commandName) });
  };
  // The clients were made with monitorCommands (connectMongoose's option).
  for (const client of clients) client.on('commandStarted', listener);
  try {
    await request();
  } finally {
    for (const client of clients) client.off('commandStarted', listener);
  }
  return recording;
}

export type FloorClients = { reader: MongoClient; writer: MongoClient; close: () => Promise<void> };

/** Clients of the replay: a pool like the app's and one connection for updates. */
export async function floorClients(uri: string): Promise<FloorClients> {
  const reader = await Client.connect(uri);
  const writer = await Client.connect(uri, { maxPoolSize: 1 });
  return {
    reader,
    writer,
    close: async () => {
      await Promise.all([reader.close(), writer.close()]);
    },
  };
}

/** Replays the recording as one "request": its commands in order, as the page sent them. */
async function replay(clients: FloorClients, recording: Recording): Promise<void> {
  for (const { database, command, write } of recording) {
    await (write ? clients.writer : clients.reader).db(database).command(command);
  }
}

async function run(clients: FloorClients, recording: Recording, seconds: number) {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const start = performance.now();
        await replay(clients, recording);
        latencies.push(performance.now() - start);
      }
    }),
  );
  return latencies.sort((a, b) => a - b);
}

export async function measureFloor(name: string, clients: FloorClients, recording: Recording, baseline: number): Promise<Row> {
  process.stdout.write(`${name}: ${recording.length} commands a request, replayed by the driver alone...\n`);
  const start = performance.now();
  await replay(clients, recording);
  const aloneMs = performance.now() - start;
  await run(clients, recording, warmupSeconds);
  const latencies = await run(clients, recording, durationSeconds);
  const at = (quantile: number) => latencies[Math.min(latencies.length - 1, Math.floor(quantile * latencies.length))] ?? 0;
  const requestsPerSecond = latencies.length / durationSeconds;
  return {
    name,
    aloneMs,
    requestsPerSecond,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    ratioToBaseline: requestsPerSecond / baseline,
    requests: latencies.length,
  };
}
