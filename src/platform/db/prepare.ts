import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { findOnPath, locateFerretdb } from './ferretdb.js';
import { postgresBinaries } from './postgres.js';

/**
 * `npm run db:prepare`: makes sure the embedded database can start, building FerretDB now (with
 * progress lines) rather than during the first start or test run, and checking that PostgreSQL's
 * binaries from npm run here. Nothing to do when MONGODB_URI is set or `mongod` is on the PATH.
 */
const log = pino({ level: 'info', base: undefined, timestamp: false });
if (process.env.MONGODB_URI) {
  log.info('MONGODB_URI is set: no embedded database needed');
} else if (await findOnPath('mongod')) {
  log.info('mongod is on the PATH: it will be used');
} else {
  const binary = await locateFerretdb(process.env.FERRETDB_BIN, log);
  log.info(`FerretDB ready: ${binary}`);
  if (process.env.POSTGRES_URL) {
    log.info('POSTGRES_URL is set: FerretDB will use that PostgreSQL');
  } else {
    const { postgres } = await postgresBinaries();
    const { stdout } = await promisify(execFile)(postgres, ['--version']);
    log.info(`PostgreSQL ready: ${stdout.trim()} (${postgres})`);
  }
}
