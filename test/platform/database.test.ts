import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { acceptsConnections, NoDatabaseError, startEmbeddedDatabase } from '../../src/platform/db/embedded.js';
import { ferretdbCacheDir, isExecutable } from '../../src/platform/db/ferretdb.js';
import { outsideClusterDir, startEmbeddedPostgres } from '../../src/platform/db/postgres.js';
import { projectRoot } from '../../src/platform/paths.js';

const log = pino({ level: 'silent' });

function isRunning(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `work` with environment variables changed, restoring them afterwards. */
async function withEnvironment<T>(changes: Record<string, string | undefined>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(changes).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  try {
    return await work();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

describe('embedded database resolver', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'kompeten-resolver-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts FerretDB on PostgreSQL on free loopback ports, keeps its data across restarts, and leaves no process behind', async function () {
    this.timeout(120_000);
    // A DATA_DIR that does not exist yet, as on a first `npm start`, in a folder others may pass.
    await chmod(dataDir, 0o711);
    const fresh = path.join(dataDir, 'data');
    const first = await startEmbeddedDatabase({ dataDir: fresh, log });
    let client: MongoClient;
    try {
      expect(first.uri).to.match(/^mongodb:\/\/127\.0\.0\.1:\d+$/);
      expect([first.kind, first.backend]).to.deep.equal(['ferretdb', 'postgresql']);
      expect(first.postgresUrl).to.match(/^postgres:\/\/kompeten:[^@]+@127\.0\.0\.1:\d+\/kompeten$/);
      expect(isRunning(first.postgresPid), 'PostgreSQL runs').to.equal(true);
      client = await MongoClient.connect(`${first.uri}/kompeten`);
      await client.db().collection('notes').insertOne({ text: 'tetap ada' });
      await client.close();
    } finally {
      // Stopped whatever the checks say, so a failing run still leaves no server behind.
      await first.stop();
    }
    expect(isRunning(first.pid), 'FerretDB stopped').to.equal(false);
    expect(isRunning(first.postgresPid), 'PostgreSQL stopped').to.equal(false);
    expect(await acceptsConnections(Number(new URL(first.uri).port))).to.equal(false);
    expect(await acceptsConnections(Number(new URL(first.postgresUrl!).port))).to.equal(false);

    const second = await startEmbeddedDatabase({ dataDir: fresh, log });
    try {
      expect(second.backend).to.equal('postgresql');
      client = await MongoClient.connect(`${second.uri}/kompeten`);
      expect(
        await client
          .db()
          .collection('notes')
          .findOne({}, { projection: { _id: 0 } }),
      ).to.deep.equal({ text: 'tetap ada' });
      await client.close();
    } finally {
      await second.stop();
    }
    expect(isRunning(second.pid)).to.equal(false);
    expect(isRunning(second.postgresPid)).to.equal(false);
  });

  it('keeps the cluster outside a DATA_DIR that PostgreSQL’s account cannot reach, and says where', async function () {
    if (process.getuid?.() !== 0) return; // only root runs PostgreSQL as another account
    this.timeout(60_000);
    const closed = path.join(dataDir, 'data'); // dataDir is mkdtemp's 0700: closed to others
    const lines: string[] = [];
    const capture = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line).msg) });
    const database = await startEmbeddedDatabase({ dataDir: closed, durable: false, log: capture });
    try {
      expect(database.backend).to.equal('postgresql');
      expect(lines).to.include(
        `PostgreSQL's account cannot reach ${closed} (a folder above it is closed to others): its cluster is kept in ${outsideClusterDir(closed)}`,
      );
      expect(await readdir(outsideClusterDir(closed))).to.include('PG_VERSION');
    } finally {
      await database.stop();
      await rm(path.dirname(outsideClusterDir(closed)), { recursive: true, force: true });
      await rmdir(path.dirname(path.dirname(outsideClusterDir(closed)))).catch(() => undefined); // if no other is kept there
    }
  });

  it('lets FerretDB use an existing PostgreSQL (POSTGRES_URL) and leaves that one running', async function () {
    this.timeout(60_000);
    const postgres = await startEmbeddedPostgres({ dataDir, log, durable: false });
    try {
      const database = await startEmbeddedDatabase({ dataDir, postgresUrl: postgres.url, log });
      expect([database.backend, database.postgresPid]).to.deep.equal(['postgresql', undefined]);
      const client = await MongoClient.connect(`${database.uri}/kompeten`);
      await client.db().collection('notes').insertOne({ text: 'di PostgreSQL yang ada' });
      await client.close();
      await database.stop();
      expect(isRunning(postgres.pid), 'the given PostgreSQL still runs').to.equal(true);
    } finally {
      await postgres.stop();
    }
  });

  it('falls back to SQLite when PostgreSQL cannot start, saying why and what is lost', async function () {
    this.timeout(60_000);
    await mkdir(path.join(dataDir, 'postgres-password')); // the cluster's password cannot be read or made
    const lines: string[] = [];
    const capture = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const database = await startEmbeddedDatabase({ dataDir, log: capture });
    try {
      expect([database.kind, database.backend]).to.deep.equal(['ferretdb', 'sqlite']);
      const logged = lines.join('');
      expect(logged).to.contain('FerretDB on PostgreSQL: EISDIR');
      expect(logged).to.contain('You lose: every index');
      expect(logged).to.contain('atomic updates under concurrency');
    } finally {
      await database.stop();
    }
  });

  it('refuses a FERRETDB_BIN that is not an executable, and says so', async () => {
    const notExecutable = path.join(dataDir, 'ferretdb');
    await writeFile(notExecutable, 'not a program');
    const error = await withEnvironment({ PATH: '/nonexistent' }, () =>
      startEmbeddedDatabase({ dataDir, ferretdbBin: notExecutable, log }).then(
        () => undefined,
        (caught: unknown) => caught,
      ),
    );
    expect(error).to.be.instanceOf(NoDatabaseError);
    expect((error as Error).message).to.contain(`FERRETDB_BIN=${notExecutable} is not an executable file`);
  });

  it('stops with a message listing the three ways to fix it when nothing can start', async () => {
    const error = await withEnvironment({ PATH: '/nonexistent', XDG_CACHE_HOME: dataDir }, () =>
      startEmbeddedDatabase({ dataDir, log }).then(
        () => undefined,
        (caught: unknown) => caught,
      ),
    );
    expect(error).to.be.instanceOf(NoDatabaseError);
    const message = (error as Error).message;
    expect(message).to.contain('set MONGODB_URI');
    expect(message).to.contain('put `mongod` on the PATH');
    expect(message).to.contain('install Go');
    expect(message).to.contain('mongod: not on the PATH');
    expect(message).to.contain('FerretDB: Go is not installed');
  });

  it('runs the FerretDB that `npm run db:prepare` built into the shared cache, reporting v1.24.2', async () => {
    // The build itself (2-4 minutes) runs once per machine, in CI's `npm run db:prepare`; every
    // start and test run reuses the binary, so this checks the one they use.
    const binary = process.env.FERRETDB_BIN ?? path.join(ferretdbCacheDir(), 'ferretdb');
    expect(await isExecutable(binary), `${binary} exists`).to.equal(true);
    const { stdout } = await promisify(execFile)(binary, ['--version']);
    expect(stdout).to.contain('version: v1.24.2');
  });

  for (const [how, ending] of [
    ['is killed', 'setInterval(() => {}, 1000);'],
    ['exits without stopping it', 'setTimeout(() => process.exit(0), 300);'],
  ] as const) {
    it(`stops the database it started even when the process that started it ${how}`, async function () {
      await startAndEnd(this, ending, how === 'is killed');
    });
  }
});

/** Starts an embedded database in a child process that then ends as `ending` says (or is killed). */
async function startAndEnd(test: Mocha.Context, ending: string, kill: boolean): Promise<void> {
  test.timeout(60_000);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kompeten-orphan-'));
  const script = `
      import { pino } from 'pino';
      import { startEmbeddedDatabase } from './src/platform/db/embedded.ts';
      const database = await startEmbeddedDatabase({ dataDir: process.argv[1], log: pino({ level: 'silent' }) });
      console.log(new URL(database.uri).port, new URL(database.postgresUrl).port);
      ${ending}
    `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dataDir], {
    cwd: projectRoot,
  });
  const ports = await new Promise<number[]>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim().split(' ').map(Number)));
    child.once('exit', (code) => reject(new Error(`exited ${code}`)));
  });
  for (const port of ports) expect(await acceptsConnections(port)).to.equal(true);
  if (kill) child.kill('SIGKILL');
  let stopped = false;
  for (let attempt = 0; attempt < 75 && !stopped; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    stopped = (await Promise.all(ports.map(acceptsConnections))).every((accepts) => !accepts);
  }
  expect(stopped, 'the orphaned FerretDB and PostgreSQL stopped').to.equal(true);
  await rm(dataDir, { recursive: true, force: true });
}
