import { setTimeout as sleep } from 'node:timers/promises';

/** FerretDB's SQLite backend refuses a write while another holds the database: SQLITE_BUSY. */
export function isBusy(error: unknown): boolean {
  return /SQLITE_BUSY|database is locked/.test(String((error as Error | undefined)?.message ?? ''));
}

/**
 * Runs a write again when the embedded database was busy with another one (FerretDB on SQLite
 * under concurrent writes; MongoDB never answers so). Only for writes that are safe to repeat:
 * the refused attempt changed nothing.
 */
export async function retryWhenBusy<T>(write: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= attempts || !isBusy(error)) throw error;
      await sleep(25 * 2 ** attempt * (0.5 + Math.random()));
    }
  }
}
