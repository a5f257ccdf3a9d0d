import { MongoClient } from 'mongodb';

export type DatabaseProbe = {
  /** Whether the database answers a ping within `timeoutMs`. */
  isUp(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
};

/**
 * Asks the database whether it answers, on a connection of its own: the app's pool may be full of
 * operations waiting on a stalled server, and a busy pool is not a down database.
 */
export function createDatabaseProbe(uri: string): DatabaseProbe {
  let client: MongoClient | undefined;
  // Requests asking at the same moment share one look. Each asking on its own queued its ping
  // behind the others' on the one connection, timed out there and answered "down" (503) while the
  // database was merely busy: 1,000 quiz starts at once got thousands of false 503s (bench/examBurst.ts).
  let asking: Promise<boolean> | undefined;
  const look = async (timeoutMs: number) => {
    client ??= new MongoClient(uri, {
      maxPoolSize: 1,
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
      socketTimeoutMS: timeoutMs,
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const asked = client;
    const ping = asked
      .db('admin')
      .command({ ping: 1 })
      .then(
        () => true,
        () => false,
      );
    try {
      const up = await Promise.race([ping, timeout]);
      if (!up && client === asked) {
        // A client whose first connection failed keeps failing at once: the next look starts afresh.
        client = undefined;
        asked.close().catch(() => undefined);
      }
      return up;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    isUp(timeoutMs = 1_500) {
      asking ??= look(timeoutMs).finally(() => {
        asking = undefined;
      });
      return asking;
    },
    async close() {
      await client?.close();
      client = undefined;
    },
  };
}
