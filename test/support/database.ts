import { randomBytes } from 'node:crypto';
import path from 'node:path';
import mongoose from 'mongoose';
import { pino } from 'pino';
import { connectMongoose, disconnectMongoose, withDatabaseName } from '../../src/platform/db/connect.js';

/** Only databases whose names start with this are ever connected to, or dropped, by tests. */
const testPrefix = 'test_';

export function testDatabaseUri(name: string): string {
  const server = process.env.TEST_MONGODB_URI;
  if (!server) throw new Error('TEST_MONGODB_URI is not set: run the tests with `npm test`');
  if (!name.startsWith(testPrefix)) throw new Error(`Refusing to use "${name}": test databases start with ${testPrefix}`);
  return withDatabaseName(server, name);
}

/**
 * Gives the calling test file a fresh database of its own, dropped afterwards.
 * Call it at the top of a file's outermost describe.
 */
export function useTestDatabase(file: string): void {
  const name = `${testPrefix}${path.basename(file).replace(/\W+/g, '_').slice(0, 30)}_${randomBytes(3).toString('hex')}`;
  before(async () => {
    await connectMongoose(testDatabaseUri(name), {
      postgresUrl: process.env.TEST_POSTGRES_URL,
      // QUERY_GUARD=warn lists every scanning query of a run on stderr instead of failing on the first.
      queryGuard: process.env.QUERY_GUARD === 'warn' ? 'warn' : 'throw',
      log: pino({ level: 'warn' }, pino.destination(2)),
    });
  });
  after(async () => {
    if (mongoose.connection.name !== name) throw new Error(`Refusing to drop ${mongoose.connection.name}`);
    await mongoose.connection.dropDatabase();
    await disconnectMongoose();
  });
}
