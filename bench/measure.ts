import type { RequestListener } from 'node:http';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { sessionCookieName } from '../src/platform/session.js';

/** How the pages are loaded: the same settings for every row, the baseline included. */
export const durationSeconds = Number(process.env.BENCH_DURATION ?? 10);
if (!Number.isInteger(durationSeconds) || durationSeconds < 1 || durationSeconds > 600) {
  throw new Error(`BENCH_DURATION must be a whole number of seconds from 1 to 600, not ${process.env.BENCH_DURATION}`);
}
export const warmupSeconds = 2;
export const connections = 10;
// The load generator gets its own thread, so it does not share the servers' event loop.
export const workers = 1;
/** Longest wait for the app to finish requests autocannon abandoned at the end of a run. */
const idleLimitSeconds = 600;
// Production sets Secure cookies, which express-session only sends over HTTPS. As behind a TLS
// proxy in production, the app trusts the loopback proxy and every request says it came over HTTPS.
export const overHttps = { 'x-forwarded-proto': 'https' };

export type Row = {
  name: string;
  /** One request on its own, on an idle server (after the page was fetched once). */
  aloneMs: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ratioToBaseline: number;
  /** Responses in the measured period; few of them make the figures rough. */
  requests: number;
  /** The same reads and writes by the driver alone (floor.ts), measured in the same run. */
  floor?: { requestsPerSecond: number; p99Ms: number; commands: number };
};

type Cleanups = (() => Promise<unknown>)[];

/**
 * Requests that differ one from the next, for writes that must not repeat themselves (a lesson
 * completion is a set member: sent twice, the second changes nothing). Each request takes the next
 * item, its headers added to the row's; `next` is the first item not used yet, and measure()
 * moves it on past every item a run may have used, so the next run sends none of them again.
 */
export type Varied = { method: 'POST'; items: { headers: Record<string, string>; body: string }[]; next: number };
// autocannon's worker thread loads functions by path: a closure cannot be passed to it.
const variedRequestModule = fileURLToPath(new URL('./variedRequest.cjs', import.meta.url));

/** A server under test: its address, and a wait until it has answered every request it received. */
export type Target = { url: string; idle: () => Promise<void> };

/**
 * Serves `handler` on a free loopback port until the clean-ups run. When autocannon stops, the
 * requests it leaves open still run in the app (a slow page keeps the database busy for long after),
 * so each measurement waits until the app has ended every response it started.
 */
export async function listen(handler: RequestListener, cleanups: Cleanups): Promise<Target> {
  let open = 0;
  const server = http.createServer((req, res) => {
    open += 1;
    let ended = false;
    const end = res.end.bind(res);
    res.end = ((...args: Parameters<typeof res.end>) => {
      if (!ended) open -= 1;
      ended = true;
      return end(...args);
    }) as typeof res.end;
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  cleanups.push(() => {
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    return closed;
  });
  const idle = async () => {
    const deadline = Date.now() + idleLimitSeconds * 1000;
    while (open > 0) {
      if (Date.now() > deadline) throw new Error(`${open} requests still running after ${idleLimitSeconds} s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, idle };
}

function sessionCookie(response: Response): string {
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith(`${sessionCookieName}=`));
  if (!cookie) throw new Error(`${response.url} set no ${sessionCookieName} cookie (status ${response.status})`);
  return cookie.split(';')[0]!;
}

/** Logs in through the form, as a browser does, and returns the headers of that session. */
export async function logIn(baseUrl: string, email: string, password: string): Promise<Record<string, string>> {
  const page = await fetch(`${baseUrl}/login`, { headers: overHttps });
  const anonymous = sessionCookie(page);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error('No _csrf field on /login');
  const response = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...overHttps, cookie: anonymous, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email, password }),
  });
  if (response.status !== 303 || response.headers.get('location') !== '/dashboard') {
    throw new Error(`Login of ${email} failed: ${response.status} ${response.headers.get('location') ?? ''}`);
  }
  return { ...overHttps, cookie: sessionCookie(response) };
}

/** Fetches a page once and refuses to go on unless it answers 200 with every one of `texts`. */
export async function expectPage(url: string, headers: Record<string, string>, ...texts: string[]): Promise<void> {
  const response = await fetch(url, { headers, redirect: 'manual' });
  const body = await response.text();
  const missing = texts.filter((text) => !body.includes(text));
  if (response.status !== 200 || missing.length) {
    throw new Error(
      `${url} answered ${response.status} without ${missing.map((text) => `"${text}"`).join(', ')}; refusing to benchmark it`,
    );
  }
}

/**
 * Loads the page for `duration` seconds and then waits until the app is idle. No response times out
 * within the run (a page slower than the run shows as few or no requests, not as a failure).
 */
async function load(target: Target, path: string, headers: Record<string, string>, duration: number, varied?: Varied) {
  const url = `${target.url}${path}`;
  const requests = varied && [
    { method: varied.method, path, setupRequest: variedRequestModule, items: varied.items, first: varied.next },
  ];
  const result = await autocannon({
    url,
    headers,
    connections,
    duration,
    workers,
    timeout: duration + 1,
    ...(requests ? { requests: requests as unknown as autocannon.Request[] } : {}),
  });
  // Each connection may have built a request or two it never sent; they are skipped, not resent.
  if (varied) varied.next += result.requests.sent + 2 * connections;
  const failures = result.non2xx + result.errors + result.timeouts;
  if (failures > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  await target.idle();
  return result;
}

export async function measure(
  name: string,
  target: Target,
  path: string,
  headers: Record<string, string>,
  baseline?: number,
  varied?: Varied,
): Promise<Row> {
  process.stdout.write(`${name}: ${warmupSeconds} s warm-up, ${durationSeconds} s measured...\n`);
  const first = varied?.items[varied.next];
  if (varied) varied.next += 1;
  const start = performance.now();
  const alone = await fetch(`${target.url}${path}`, {
    method: varied?.method ?? 'GET',
    headers: { ...headers, ...first?.headers },
    body: first?.body,
    redirect: 'manual',
  });
  await alone.arrayBuffer();
  const aloneMs = performance.now() - start;
  if (alone.status !== 200) throw new Error(`${path} answered ${alone.status}`);
  await load(target, path, headers, warmupSeconds, varied);
  const result = await load(target, path, headers, durationSeconds, varied);
  const requestsPerSecond = result.requests.mean;
  return {
    name,
    aloneMs,
    requestsPerSecond,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ratioToBaseline: requestsPerSecond / (baseline ?? requestsPerSecond),
    requests: result.requests.total,
  };
}

/** autocannon records latency in whole milliseconds, so 0 means under one. */
const milliseconds = (value: number) => (value < 1 ? '<1' : value.toFixed(0));
/** Whole requests per second, with a decimal below ten so slow pages do not all read 0 or 1. */
const perSecond = (value: number) => (value < 10 ? value.toFixed(1) : value.toFixed(0));
/** Three decimals, or two significant digits for the very small ratios of slow pages. */
const ratio = (value: number) => (value === 0 || value >= 0.01 ? value.toFixed(3) : value.toPrecision(2));

export function printTable(rows: Row[]): void {
  const header = ['name', '1 req ms', 'req/s', 'p50 ms', 'p99 ms', 'vs baseline', 'db floor req/s', 'floor p99', 'vs floor'];
  const lines = rows.map((row) => [
    row.name,
    milliseconds(row.aloneMs),
    perSecond(row.requestsPerSecond),
    row.requests ? milliseconds(row.p50Ms) : '-',
    row.requests ? milliseconds(row.p99Ms) : '-',
    `${ratio(row.ratioToBaseline)}x`,
    // No command recorded (healthz pings on the probe's own connection): no floor to show.
    row.floor?.commands ? `${perSecond(row.floor.requestsPerSecond)} (${row.floor.commands} cmd)` : '',
    row.floor?.commands ? milliseconds(row.floor.p99Ms) : '',
    row.floor?.commands ? `${(row.requestsPerSecond / row.floor.requestsPerSecond).toFixed(2)}x` : '',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd : cell.padStart).call(cell, widths[column]!)).join('  ');
  process.stdout.write(
    `\n${[format(header), widths.map((width) => '-'.repeat(width)).join('  '), ...lines.map(format)].join('\n')}\n`,
  );
  if (rows.some((row) => row.requests === 0)) {
    process.stdout.write(`- : no response within the ${durationSeconds} s measured (see "1 req ms")\n`);
  }
}
