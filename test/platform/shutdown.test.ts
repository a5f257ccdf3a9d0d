import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { expect } from 'chai';
import { acceptsConnections } from '../../src/platform/db/embedded.js';
import { projectRoot } from '../../src/platform/paths.js';

/** Waits for a JSON log line of the server that satisfies `match`. */
function waitForLog(child: ChildProcess, match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('the server did not log the expected line in time')), 120_000);
    lines.on('line', (text) => {
      if (!text.startsWith('{')) return;
      const line = JSON.parse(text) as Record<string, unknown>;
      if (match(line)) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code) => reject(new Error(`the server exited early (${code})`)));
  });
}

describe('graceful shutdown of the server', () => {
  let dataDir: string;
  let child: ChildProcess | undefined;
  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'kompeten-shutdown-'));
  });
  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finishes a request in flight on SIGTERM, then stops the embedded database and exits 0', async function () {
    this.timeout(180_000);
    const environment: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'test' };
    delete environment.MONGODB_URI;
    child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/main.ts')], {
      cwd: projectRoot,
      env: environment,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const databaseLine = waitForLog(child, (line) => line.msg === 'embedded database started');
    const listening = await waitForLog(child, (line) => typeof line.url === 'string');
    const databasePort = Number(new URL(String((await databaseLine).uri)).port);
    const appPort = Number(new URL(String(listening.url)).port);

    // A request whose body is still arriving when the signal comes.
    const body = 'email=peserta1%40kompeten.test&password=salah';
    const socket = net.connect(appPort, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await acceptsConnections(appPort), 'no new connections once stopping').to.equal(false);

    let response = '';
    socket.on('data', (chunk) => {
      response += chunk.toString();
    });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.end(body.slice(10));
    await closed;
    expect(response).to.match(/^HTTP\/1\.1 403 /); // answered (the form had no CSRF token), not cut off

    expect(await exited).to.equal(0);
    expect(await acceptsConnections(databasePort), 'the embedded database is stopped').to.equal(false);
  });
});
