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
  return {
    async isUp(timeoutMs = 1_500) {
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
    },
    async close() {
      await client?.close();
      client = undefined;
    },
  };
}
