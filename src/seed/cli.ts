import { loadConfig } from '../platform/config.js';
import { openDatabase } from '../platform/db/connect.js';
import { createLogger } from '../platform/logger.js';
import { seedDemo } from './demo.js';

/** `npm run seed`: demo data into MONGODB_URI, or into the embedded database. */
const config = loadConfig();
const log = createLogger('warn');
const database = await openDatabase(config, log);
try {
  process.stdout.write(`${(await seedDemo()).summary}\n`);
} finally {
  await database.close();
}
