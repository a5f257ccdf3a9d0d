import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { acceptsConnections, NoDatabaseError, startEmbeddedDatabase } from '../../src/platform/db/embedded.js';
import { buildFerretdb, ferretdbCacheDir, isExecutable } from '../../src/platform/db/ferretdb.js';
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

  it('starts a server on a free loopback port, keeps its data across restarts, and leaves no process behind', async function () {
    this.timeout(120_000);
    const first = await startEmbeddedDatabase({ dataDir, log });
    expect(first.uri).to.match(/^mongodb:\/\/127\.0\.0\.1:\d+$/);
    expect(['mongod', 'ferretdb', 'mongodb-memory-server']).to.include(first.kind);
    let client = await MongoClient.connect(`${first.uri}/kompeten`);
    await client.db().collection('notes').insertOne({ text: 'tetap ada' });
    await client.close();
    await first.stop();
    expect(isRunning(first.pid)).to.equal(false);
    expect(await acceptsConnections(Number(new URL(first.uri).port))).to.equal(false);

    const second = await startEmbeddedDatabase({ dataDir, log });
    try {
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
  });

  it('refuses a FERRETDB_BIN that is not an executable, and says so', async () => {
    const notExecutable = path.join(dataDir, 'ferretdb');
    await writeFile(notExecutable, 'not a program');
    const error = await withEnvironment({ PATH: '/nonexistent', MONGOMS_SYSTEM_BINARY: '/nonexistent/mongod' }, () =>
      startEmbeddedDatabase({ dataDir, ferretdbBin: notExecutable, log }).then(
        () => undefined,
        (caught: unknown) => caught,
      ),
    );
    expect(error).to.be.instanceOf(NoDatabaseError);
    expect((error as Error).message).to.contain(`FERRETDB_BIN=${notExecutable} is not an executable file`);
  });

  it('stops with a message listing the three ways to fix it when nothing can start', async () => {
    const error = await withEnvironment(
      { PATH: '/nonexistent', XDG_CACHE_HOME: dataDir, MONGOMS_SYSTEM_BINARY: '/nonexistent/mongod' },
      () =>
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

  it('builds FerretDB with Go into the cache folder, as a binary that runs and reports v1.24.2', async function () {
    this.timeout(600_000); // a cold Go build takes about a minute on two cores
    const built = await withEnvironment({ XDG_CACHE_HOME: dataDir }, async () => {
      const binary = await buildFerretdb(log);
      expect(binary).to.equal(path.join(ferretdbCacheDir(), 'ferretdb'));
      return binary;
    });
    expect(built.startsWith(dataDir)).to.equal(true);
    expect(await isExecutable(built)).to.equal(true);
    const { stdout } = await promisify(execFile)(built, ['--version']);
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
      console.log(new URL(database.uri).port);
      ${ending}
    `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dataDir], {
    cwd: projectRoot,
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`exited ${code}`)));
  });
  expect(await acceptsConnections(port)).to.equal(true);
  if (kill) child.kill('SIGKILL');
  let stopped = false;
  for (let attempt = 0; attempt < 50 && !stopped; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    stopped = !(await acceptsConnections(port));
  }
  expect(stopped, 'the orphaned database stopped').to.equal(true);
  await rm(dataDir, { recursive: true, force: true });
}
