import { pino } from 'pino';
import { findOnPath, locateFerretdb } from './ferretdb.js';

/**
 * `npm run db:prepare`: makes sure an embedded database can start, building FerretDB now (with
 * progress lines) rather than during the first start or test run. Nothing to do when `mongod`
 * is on the PATH or MONGODB_URI is set.
 */
const log = pino({ level: 'info', base: undefined, timestamp: false });
if (process.env.MONGODB_URI) {
  log.info('MONGODB_URI is set: no embedded database needed');
} else if (await findOnPath('mongod')) {
  log.info('mongod is on the PATH: it will be used');
} else {
  const binary = await locateFerretdb(process.env.FERRETDB_BIN, log);
  log.info(`FerretDB ready: ${binary}`);
}
