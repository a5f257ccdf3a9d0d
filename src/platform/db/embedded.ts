import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { findOnPath, locateFerretdb } from './ferretdb.js';

/** A MongoDB-compatible server this process started, and how to stop it. */
export type EmbeddedDatabase = {
  kind: 'mongod' | 'ferretdb' | 'mongodb-memory-server';
  /** Server address without a database name, e.g. mongodb://127.0.0.1:41234 */
  uri: string;
  /** The server's process, when it runs as a child of this one. */
  pid: number | undefined;
  stop(): Promise<void>;
};

export class NoDatabaseError extends Error {
  constructor(reasons: string[]) {
    super(
      [
        'No MongoDB-compatible database could be started. Fix it in one of three ways:',
        '  1. set MONGODB_URI to a running MongoDB (for example mongodb://127.0.0.1:27017/kompeten);',
        '  2. put `mongod` on the PATH;',
        '  3. install Go (FerretDB is then built once), or set FERRETDB_BIN to a FerretDB 1.x binary.',
        'What was tried:',
        ...reasons.map((reason) => `  - ${reason.split('\n')[0]}`),
      ].join('\n'),
    );
  }
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on this loopback port. */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Runs the server under a small shell watchdog that stops it when this process is gone, however
 * it ended (even SIGKILL, when no exit handler runs), so no database is ever left running. The
 * watchdog passes SIGTERM on and exits when the server does.
 */
const watchdog = `
parent=$1; shift
"$@" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server; exit 0' TERM INT
while kill -0 "$parent" 2>/dev/null && kill -0 "$server" 2>/dev/null; do sleep 1 & wait $!; done
kill -TERM $server 2>/dev/null
wait $server
`;

/** Starts `command` and waits until it accepts connections on `port`, or fails with its output. */
async function startServer(command: string, args: string[], port: number, name: string): Promise<ChildProcess> {
  // Its own process group, so the watchdog and the server can be signalled together.
  const child = spawn('/bin/sh', ['-c', watchdog, 'watchdog', String(process.pid), command, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `${name} exited (${signal ?? code}) before accepting connections: ${stderr.trim()}`;
  });
  child.once('error', (error) => {
    exited = `${name} could not start: ${error.message}`;
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(exited);
    if (await acceptsConnections(port)) return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  signalGroup(child, 'SIGKILL');
  throw new Error(`${name} did not accept connections on port ${port} within 30 s`);
}

/**
 * Signals the watchdog and the server with it. Killing only the watchdog would orphan the server:
 * the watchdog is what stops it.
 */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal); // the group is gone already, or was never made
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  // An exit handler cannot wait: the server gets SIGTERM now and stops on its own.
  const stopOnExit = () => signalGroup(child, 'SIGTERM');
  process.once('exit', stopOnExit);
  return () =>
    new Promise<void>((resolve) => {
      process.removeListener('exit', stopOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => signalGroup(child, 'SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

async function startMongod(dataDir: string): Promise<EmbeddedDatabase | undefined> {
  const mongod = await findOnPath('mongod');
  if (!mongod) return undefined;
  const dbPath = path.join(dataDir, 'mongod');
  await mkdir(dbPath, { recursive: true });
  const port = await freeLoopbackPort();
  const child = await startServer(
    mongod,
    ['--dbpath', dbPath, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet'],
    port,
    'mongod',
  );
  return { kind: 'mongod', uri: `mongodb://127.0.0.1:${port}`, pid: child.pid, stop: stopper(child) };
}

async function startFerretdb(dataDir: string, ferretdbBin: string | undefined, log: Logger): Promise<EmbeddedDatabase> {
  const binary = await locateFerretdb(ferretdbBin, log);
  const storage = path.join(dataDir, 'ferretdb');
  await mkdir(storage, { recursive: true });
  const port = await freeLoopbackPort();
  const child = await startServer(
    binary,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${storage}/`,
      `--state-dir=${storage}`,
      `--listen-addr=127.0.0.1:${port}`,
      `--debug-addr=127.0.0.1:${await freeLoopbackPort()}`,
      '--telemetry=disable',
      '--log-level=error',
    ],
    port,
    'FerretDB',
  );
  return { kind: 'ferretdb', uri: `mongodb://127.0.0.1:${port}`, pid: child.pid, stop: stopper(child) };
}

async function startMemoryServer(dataDir: string): Promise<EmbeddedDatabase> {
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  const dbPath = path.join(dataDir, 'mongodb-memory-server');
  await mkdir(dbPath, { recursive: true });
  const server = await MongoMemoryServer.create({ instance: { dbPath, ip: '127.0.0.1', storageEngine: 'wiredTiger' } });
  return {
    kind: 'mongodb-memory-server',
    uri: server.getUri().replace(/\/[^/]*$/, ''),
    pid: server.instanceInfo?.instance.mongodProcess?.pid,
    stop: async () => {
      await server.stop({ doCleanup: false, force: false });
    },
  };
}

/**
 * Starts a MongoDB-compatible server on a free loopback port, keeping its data under `dataDir`:
 * `mongod` on the PATH, else FerretDB, else mongodb-memory-server.
 */
export async function startEmbeddedDatabase(options: {
  dataDir: string;
  ferretdbBin?: string | undefined;
  log: Logger;
}): Promise<EmbeddedDatabase> {
  const reasons: string[] = [];
  try {
    const mongod = await startMongod(options.dataDir);
    if (mongod) return mongod;
    reasons.push('mongod: not on the PATH');
  } catch (error) {
    reasons.push(`mongod: ${(error as Error).message}`);
  }
  try {
    return await startFerretdb(options.dataDir, options.ferretdbBin, options.log);
  } catch (error) {
    reasons.push(`FerretDB: ${(error as Error).message}`);
  }
  try {
    return await startMemoryServer(options.dataDir);
  } catch (error) {
    reasons.push(`mongodb-memory-server: ${(error as Error).message}`);
  }
  throw new NoDatabaseError(reasons);
}
