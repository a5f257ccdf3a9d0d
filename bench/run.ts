import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { RequestListener } from 'node:http';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import mongoose from 'mongoose';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/platform/config.js';
import { connectMongoose, withDatabaseName } from '../src/platform/db/connect.js';
import { startEmbeddedDatabase } from '../src/platform/db/embedded.js';
import { createLogger } from '../src/platform/logger.js';
import { sessionCookieName } from '../src/platform/session.js';
import { demoPassword, seedDemo } from '../src/seed/demo.js';
import { createBaselineApp } from './baseline.js';

const durationSeconds = Number(process.env.BENCH_DURATION ?? 10);
if (!Number.isInteger(durationSeconds) || durationSeconds < 1 || durationSeconds > 600) {
  throw new Error(`BENCH_DURATION must be a whole number of seconds from 1 to 600, not ${process.env.BENCH_DURATION}`);
}
const warmupSeconds = 2;
const connections = 10;
// The load generator gets its own thread, so it does not share the servers' event loop.
const workers = 1;
const trainee = { email: 'peserta1@kompeten.test', name: 'Andi Pratama' };
// Production sets Secure cookies, which express-session only sends over HTTPS. As behind a TLS
// proxy in production, the app trusts the loopback proxy and every request says it came over HTTPS.
const overHttps = { 'x-forwarded-proto': 'https' };

type Row = { name: string; requestsPerSecond: number; p50Ms: number; p99Ms: number; ratioToBaseline: number };

const log = createLogger('silent');
const cleanups: (() => Promise<unknown>)[] = [];

async function listen(handler: RequestListener): Promise<string> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  cleanups.push(() => {
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    return closed;
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function sessionCookie(response: Response): string {
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith(`${sessionCookieName}=`));
  if (!cookie) throw new Error(`${response.url} set no ${sessionCookieName} cookie (status ${response.status})`);
  return cookie.split(';')[0]!;
}

/** Logs the trainee in through the form, as a browser does, and returns the session's Cookie header. */
async function logIn(baseUrl: string): Promise<string> {
  const page = await fetch(`${baseUrl}/login`, { headers: overHttps });
  const anonymous = sessionCookie(page);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error('No _csrf field on /login');
  const response = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...overHttps, cookie: anonymous, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email: trainee.email, password: demoPassword }),
  });
  if (response.status !== 303 || response.headers.get('location') !== '/dashboard') {
    throw new Error(`Login failed: ${response.status} ${response.headers.get('location') ?? ''}`);
  }
  return sessionCookie(response);
}

async function expectPage(url: string, headers: Record<string, string>, text: string): Promise<void> {
  const response = await fetch(url, { headers, redirect: 'manual' });
  const body = await response.text();
  if (response.status !== 200 || !body.includes(text)) {
    throw new Error(`${url} answered ${response.status} without "${text}"; refusing to benchmark it`);
  }
}

async function load(url: string, headers: Record<string, string>, duration: number): Promise<autocannon.Result> {
  const result = await autocannon({ url, headers, connections, duration, workers });
  const failures = result.non2xx + result.errors + result.timeouts;
  if (failures > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return result;
}

async function measure(name: string, url: string, headers: Record<string, string>, baseline?: number): Promise<Row> {
  process.stdout.write(`${name}: ${warmupSeconds} s warm-up, ${durationSeconds} s measured...\n`);
  await load(url, headers, warmupSeconds);
  const result = await load(url, headers, durationSeconds);
  const requestsPerSecond = result.requests.mean;
  return {
    name,
    requestsPerSecond,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ratioToBaseline: requestsPerSecond / (baseline ?? requestsPerSecond),
  };
}

/** autocannon records latency in whole milliseconds, so 0 means under one. */
const milliseconds = (value: number) => (value < 1 ? '<1' : value.toFixed(0));

function printTable(rows: Row[]): void {
  const header = ['name', 'req/s', 'p50 ms', 'p99 ms', 'vs baseline'];
  const lines = rows.map((row) => [
    row.name,
    row.requestsPerSecond.toFixed(0),
    milliseconds(row.p50Ms),
    milliseconds(row.p99Ms),
    `${row.ratioToBaseline.toFixed(3)}x`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd : cell.padStart).call(cell, widths[column]!)).join('  ');
  process.stdout.write(
    `\n${[format(header), widths.map((width) => '-'.repeat(width)).join('  '), ...lines.map(format)].join('\n')}\n`,
  );
}

async function main(): Promise<void> {
  let uri = process.env.BENCH_MONGODB_URI;
  let database = 'external (BENCH_MONGODB_URI)';
  if (!uri) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kompeten-bench-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const embedded = await startEmbeddedDatabase({ dataDir, ferretdbBin: process.env.FERRETDB_BIN, log });
    cleanups.push(() => embedded.stop());
    uri = embedded.uri;
    database = embedded.kind;
  }
  cleanups.push(() => mongoose.disconnect());
  const connection = await connectMongoose(withDatabaseName(uri, 'bench_kompeten'));
  await seedDemo();

  const sessionSecret = randomBytes(36).toString('base64url'); // 48 characters
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    SESSION_SECRET: sessionSecret,
    TRUST_PROXY: 'loopback',
  });
  const { app } = createApp({ config, log, connection, sessionSecret });
  const appUrl = await listen(app);
  const baselineUrl = await listen(createBaselineApp());

  const cookie = await logIn(appUrl);
  const loggedIn = { ...overHttps, cookie };
  await expectPage(`${baselineUrl}/`, {}, trainee.name);
  await expectPage(`${appUrl}/dashboard`, loggedIn, trainee.name);
  await expectPage(`${appUrl}/healthz`, {}, '"status":"ok"');

  const baseline = await measure('baseline express+ejs page', `${baselineUrl}/`, {});
  const rows = [
    baseline,
    await measure('GET /dashboard (trainee)', `${appUrl}/dashboard`, loggedIn, baseline.requestsPerSecond),
    await measure('GET /healthz', `${appUrl}/healthz`, {}, baseline.requestsPerSecond),
  ];
  printTable(rows);

  const file = path.join(os.tmpdir(), 'kompeten-bench-latest.json');
  const report = { date: new Date().toISOString(), node: process.version, database, durationSeconds, connections, workers, rows };
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\nJSON written to ${file}\n`);
}

async function stopAll(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup().catch((error: unknown) => process.stderr.write(`clean-up failed: ${String(error)}\n`));
  }
}

process.once('SIGINT', () => {
  stopAll().finally(() => process.exit(130));
});

try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
