import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../platform/config.js';
import { openDatabase } from '../platform/db/connect.js';
import { translator } from '../platform/i18n.js';
import { createLogger } from '../platform/logger.js';
import type { Actor } from '../platform/permissions.js';
import { User, type UserDoc } from '../users/model.js';
import { toActor, toUserView } from '../users/service.js';
import { importUnits, parseUnitsFile } from './import.js';

/**
 * `npm run import:units -- FILE [--as EMAIL]`: imports a CSV or JSON file of competency units
 * into MONGODB_URI or the embedded database, with a progress bar, as the first admin (or as the
 * given user, whose permissions then apply).
 */
const args = process.argv.slice(2);
const asIndex = args.indexOf('--as');
const asEmail = asIndex >= 0 ? args[asIndex + 1] : undefined;
const file = args.find((arg, index) => !arg.startsWith('--') && index !== asIndex + 1);
if (!file) {
  process.stderr.write('Usage: npm run import:units -- FILE.csv|FILE.json [--as EMAIL]\n');
  process.exit(2);
}

const t = translator('en');
const config = loadConfig();
const database = await openDatabase(config, createLogger('warn'));
let exitCode = 0;
try {
  const user = await User.findOne(asEmail ? { email: asEmail.toLowerCase() } : { role: 'admin', active: true })
    .sort({ createdAt: 1 })
    .lean<UserDoc>();
  if (!user) throw new Error(asEmail ? `No user ${asEmail}` : 'No admin account yet: run `npm run seed` or create one first');
  const actor: Actor = toActor(toUserView(user));
  const content = await readFile(file, 'utf8');
  const parsed = parseUnitsFile(path.basename(file), content);
  // A file that cannot be read as units: say why and import nothing (no "0 rejected" beside it).
  if (parsed.fileProblem) throw new Error(t(parsed.fileProblem.key, parsed.fileProblem.params ?? {}));
  const started = Date.now();
  const { counts, problems } = await importUnits(actor, parsed, async ({ total, processed }) => {
    const width = 30;
    const filled = total ? Math.round((processed / total) * width) : width;
    const percent = total ? Math.floor((processed / total) * 100) : 100;
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(percent).padStart(3)}% ${processed}/${total} units`,
    );
  });
  process.stderr.write('\n');
  const where = /\.json$/i.test(file) ? 'item' : 'line';
  for (const problem of problems)
    process.stdout.write(
      `${where} ${problem.line}: ${problem.field ? `${problem.field}: ` : ''}${t(problem.key, problem.params ?? {})}\n`,
    );
  process.stdout.write(
    `${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.rejected} rejected in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  if (problems.length) exitCode = 1;
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  exitCode = 1;
} finally {
  await database.close();
}
process.exit(exitCode);
