import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import {
  ask,
  type ClientsAnswer,
  type ClientsInit,
  endProcess,
  type Mode,
  mergeHistograms,
  quantileOf,
  type ServerAnswer,
  startBenchProcess,
} from './liveRoomProtocol.js';
import { type LiveSeed, seedLiveRoom, seedLoginSessions, startLiveSession } from './liveRoomSeed.js';

/**
 * The live room under load: `clients` trainees of one cohort connected to one live class, 50 of
 * them sending a chat message a second each, every message delivered to everyone in the room.
 * The same load runs first against a bare Socket.IO server (liveRoomBare.ts: default options, one
 * room, broadcast) and then against the app (liveRoomServer.ts: the real session, join,
 * `chat:send` written to the database and broadcast as `chat:message`), each in a process of its
 * own, with the clients in processes of their own (liveRoomClients.ts). Per server it measures:
 * - heap per connection: the server's heap after a forced GC with every client connected (and,
 *   ours, in the class) minus before any, divided by the clients; also the slope from half to all,
 *   which leaves out what the first connections cost once (compiled code, caches);
 * - delivered messages a second over the measured window, the delivery latency of the window's
 *   messages (send to receipt, one clock) at p50 and p99, and how many of the expected deliveries
 *   (messages sent in the window times clients) arrived;
 * - the server's CPU time and event-loop use in the window (deliveries per CPU second is the
 *   figure "messages per second per core" is quoted in), the clients' event-loop use (near 1: the
 *   clients were the limit, not the server), and ours' database commands per message and join.
 * Settings: BENCH_LIVE_CLIENTS (room sizes, default 1000,5000; a size the open-file limit or free
 * memory cannot take is skipped with the reason), BENCH_LIVE_SECONDS (measured window, default 20),
 * BENCH_LIVE_CONNECT_SECONDS (a room not connected by then is given up with its join rate, default
 * 600), BENCH_LIVE_PROFILE (below).
 */

export const liveSenders = 50;
/** BENCH_LIVE_PROFILE=<folder>: each server writes a CPU profile of its run there (node --cpu-prof). */
const profileDir = process.env.BENCH_LIVE_PROFILE;
const warmupMs = 5_000;
const measureSeconds = Number(process.env.BENCH_LIVE_SECONDS ?? 20);
if (!Number.isInteger(measureSeconds) || measureSeconds < 5 || measureSeconds > 600)
  throw new Error(`BENCH_LIVE_SECONDS must be a whole number from 5 to 600, not ${process.env.BENCH_LIVE_SECONDS}`);
const drainMs = 30_000;
/** A room whose clients have not all connected (and joined) by then is given up, with its join rate. */
const connectLimitSeconds = Number(process.env.BENCH_LIVE_CONNECT_SECONDS ?? 600);
if (!Number.isInteger(connectLimitSeconds) || connectLimitSeconds < 10)
  throw new Error(
    `BENCH_LIVE_CONNECT_SECONDS must be a whole number of seconds, at least 10, not ${process.env.BENCH_LIVE_CONNECT_SECONDS}`,
  );
const clientProcesses = 2;
/** Connections each client process opens at a time. */
const connectConcurrency = 25;
/** Targets: heap per connection at most this times the bare server's, throughput at least this. */
export const heapTarget = 1.3;
export const throughputTarget = 0.8;

/** The room sizes to run: BENCH_LIVE_CLIENTS (comma-separated), by default 1,000 and 5,000. */
function sizes(): number[] {
  const asked = (process.env.BENCH_LIVE_CLIENTS ?? '1000,5000').split(',').map((part) => Number(part.trim()));
  if (asked.some((size) => !Number.isInteger(size) || size < 1 || size > 20_000))
    throw new Error(`BENCH_LIVE_CLIENTS must list whole numbers from 1 to 20000, not ${process.env.BENCH_LIVE_CLIENTS}`);
  return asked;
}

/** Open files a server needs for `clients` connections (and its database pools, logs, modules). */
const serverFiles = (clients: number) => clients + 512;
/** A rough upper bound of the memory a run takes: the servers, the clients, the database. */
const memoryNeeded = (clients: number) => 1024 ** 3 + clients * 400 * 1024;

/** Why a room of `clients` cannot run on this machine, or null. */
function whyNot(clients: number): string | null {
  const hard = execFileSync('/bin/sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  if (hard !== 'unlimited' && Number(hard) < serverFiles(clients))
    return `the hard limit of open files (ulimit -Hn) is ${hard}, below the ${serverFiles(clients)} a server needs`;
  if (os.freemem() < memoryNeeded(clients))
    return `${(os.freemem() / 1024 ** 3).toFixed(1)} GB of memory free, ${(memoryNeeded(clients) / 1024 ** 3).toFixed(1)} GB needed`;
  return null;
}

export type SideReport = {
  connected: number;
  connectFailures: number;
  connectSeconds: number;
  heapBefore: number;
  heapAfter: number;
  heapPerConnection: number;
  /** (heap with all connected - heap with half connected) / the second half. */
  heapSlopePerConnection: number;
  rssPerConnection: number;
  sent: number;
  sendErrors: number;
  expected: number;
  delivered: number;
  deliveredPerSecond: number;
  p50: number;
  p99: number;
  disconnects: number;
  serverCpuSeconds: number;
  serverEventLoop: number;
  deliveredPerCpuSecond: number;
  clientEventLoop: number[];
  /** ours: database commands per chat message in the window, and per client while joining. */
  commandsPerMessage: Record<string, { count: number; ms: number }>;
  commandsPerJoin: Record<string, { count: number; ms: number }>;
  samples: string[];
};
export type RoomReport = { clients: number; bare: SideReport; ours: SideReport };
export type LiveRoomReport = {
  rooms: RoomReport[];
  skipped: { clients: number; reason: string }[];
  seedTimings: LiveSeed['timings'];
  measureSeconds: number;
  openFiles: string;
};

/** Commands per `per` (a message, a join), most first, with the mean ms the database took for each. */
const perKey = (counts: Record<string, { count: number; ms: number }>, per: number) =>
  Object.fromEntries(
    Object.entries(counts)
      .sort(([, a], [, b]) => b.count - a.count)
      .map(([key, { count, ms }]) => [key, { count: count / Math.max(1, per), ms: ms / Math.max(1, count) }]),
  );
const sleepUntil = (at: bigint) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(at - process.hrtime.bigint()) / 1e6)));

/** The clients had not all connected within connectLimitSeconds: how many had, and when. */
class TooSlow extends Error {
  constructor(
    readonly connected: number,
    readonly seconds: number,
  ) {
    super(`${connected} connected in ${seconds.toFixed(0)} s`);
  }
}

/** One server under the room's load. */
async function measureSide(
  mode: Mode,
  clients: number,
  context: { seed: LiveSeed; databaseUri: string; secret: string; cookies?: Map<string, string>; children: Set<ChildProcess> },
  say: (line: string) => void,
): Promise<SideReport> {
  const { seed, children } = context;
  const track = (child: ChildProcess) => {
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  const server = track(
    startBenchProcess(
      mode === 'bare' ? './liveRoomBare.ts' : './liveRoomServer.ts',
      serverFiles(clients),
      { BENCH_DATABASE_URI: context.databaseUri, BENCH_SESSION_SECRET: context.secret },
      profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=live-${mode}-${clients}.cpuprofile`] : [],
    ),
  );
  const clientsOf: ChildProcess[] = [];
  try {
    const { port } = await ask<Extract<ServerAnswer, { type: 'ready' }>>(server, {}, 'ready');
    const url = `http://127.0.0.1:${port}`;
    let session = '';
    if (mode === 'ours') {
      context.cookies ??= await seedLoginSessions(url, seed, context.secret);
      session = await startLiveSession(seed, `Kelas langsung ${clients}`);
    }
    const heap = () => ask<Extract<ServerAnswer, { type: 'heap' }>>(server, { type: 'heap' }, 'heap');
    const commands = async () =>
      (await ask<Extract<ServerAnswer, { type: 'commands' }>>(server, { type: 'commands' }, 'commands')).counts;
    const usage = () => ask<Extract<ServerAnswer, { type: 'usage' }>>(server, { type: 'usage' }, 'usage');
    await commands();
    const before = await heap();

    // Clients dealt to the processes in turn; the senders spread over the room.
    const accounts = seed.trainees.slice(0, clients);
    const senders = Math.min(liveSenders, clients);
    const senderEvery = Math.floor(clients / senders);
    const inits: ClientsInit[] = Array.from({ length: clientProcesses }, () => ({
      type: 'init',
      mode,
      url,
      session,
      clients: [],
      senders: [],
      senderCount: senders,
      concurrency: connectConcurrency,
    }));
    accounts.forEach((user, index) => {
      const init = inits[index % clientProcesses]!;
      if (index % senderEvery === 0 && index / senderEvery < senders)
        init.senders.push({ client: init.clients.length, slot: index / senderEvery });
      init.clients.push({ user, cookie: mode === 'ours' ? context.cookies!.get(user)! : '' });
    });
    for (const init of inits) {
      const child = track(startBenchProcess('./liveRoomClients.ts', Math.ceil(clients / clientProcesses) + 512));
      clientsOf.push(child);
      await ask(child, {}, 'ready');
      child.send(init);
    }
    const progress = new Map<ChildProcess, number>();
    for (const child of clientsOf)
      child.on('message', (message: ClientsAnswer) => {
        if (message.type === 'progress' || message.type === 'connected') progress.set(child, message.connected);
      });
    const connectStart = performance.now();
    const connectAll = async (share: number) => {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => {
            const connected = [...progress.values()].reduce((sum, count) => sum + count, 0);
            reject(new TooSlow(connected, (performance.now() - connectStart) / 1000));
          },
          Math.max(0, connectLimitSeconds * 1000 - (performance.now() - connectStart)),
        );
      });
      const answers = await Promise.race([
        limit,
        Promise.all(
          clientsOf.map((child, index) =>
            ask<Extract<ClientsAnswer, { type: 'connected' }>>(
              child,
              { type: 'connect', upTo: Math.ceil(inits[index]!.clients.length * share) },
              'connected',
            ),
          ),
        ),
      ]).finally(() => clearTimeout(timer));
      return {
        connected: answers.reduce((sum, answer) => sum + answer.connected, 0),
        failures: answers.reduce((sum, answer) => sum + answer.failures, 0),
        samples: answers.flatMap((answer) => answer.samples),
      };
    };
    say(`  ${mode}: connecting ${clients} clients${mode === 'ours' ? ' (session cookie, room:join)' : ''}...`);
    const half = await connectAll(0.5);
    const connectHalfSeconds = (performance.now() - connectStart) / 1000;
    const middle = await heap();
    const secondStart = performance.now();
    const all = await connectAll(1);
    const connectSeconds = connectHalfSeconds + (performance.now() - secondStart) / 1000;
    const after = await heap();
    const joinCommands = await commands();
    say(
      `  ${mode}: ${all.connected} connected in ${connectSeconds.toFixed(1)} s (${all.failures} failed); ${senders} senders, 1 message/s each, ${warmupMs / 1000} s warm-up, ${measureSeconds} s measured...`,
    );

    const startAt = process.hrtime.bigint() + 1_000_000_000n;
    const windowStart = startAt + BigInt(warmupMs) * 1_000_000n;
    const windowEnd = windowStart + BigInt(measureSeconds) * 1_000_000_000n;
    const results = Promise.all(
      clientsOf.map((child) =>
        ask<Extract<ClientsAnswer, { type: 'result' }>>(
          child,
          { type: 'run', startAt: String(startAt), warmupMs, measureMs: measureSeconds * 1000, drainMs },
          'result',
        ),
      ),
    );
    await sleepUntil(windowStart);
    await usage();
    await commands();
    await sleepUntil(windowEnd);
    const used = await usage();
    const messageCommands = await commands();
    const answers = await results;

    const sent = answers.reduce((sum, answer) => sum + answer.sentInWindow, 0);
    const delivered = answers.reduce((sum, answer) => sum + answer.deliveredOfWindow, 0);
    const receivedInWindow = answers.reduce((sum, answer) => sum + answer.receivedInWindow, 0);
    const histogram = mergeHistograms(answers.map((answer) => answer.histogram));
    const serverCpuSeconds = used.cpuMicros / 1e6;
    const side: SideReport = {
      connected: all.connected,
      connectFailures: all.failures,
      connectSeconds,
      heapBefore: before.heapUsed,
      heapAfter: after.heapUsed,
      heapPerConnection: (after.heapUsed - before.heapUsed) / Math.max(1, all.connected),
      heapSlopePerConnection: (after.heapUsed - middle.heapUsed) / Math.max(1, all.connected - half.connected),
      rssPerConnection: (after.rss - before.rss) / Math.max(1, all.connected),
      sent,
      sendErrors: answers.reduce((sum, answer) => sum + answer.sendErrors, 0),
      expected: sent * all.connected,
      delivered,
      deliveredPerSecond: receivedInWindow / measureSeconds,
      p50: quantileOf(histogram, 0.5),
      p99: quantileOf(histogram, 0.99),
      disconnects: answers.reduce((sum, answer) => sum + answer.disconnects, 0),
      serverCpuSeconds,
      serverEventLoop: used.eventLoop,
      deliveredPerCpuSecond: receivedInWindow / Math.max(serverCpuSeconds, 1e-6),
      clientEventLoop: answers.map((answer) => answer.eventLoop),
      commandsPerMessage: perKey(messageCommands, sent),
      commandsPerJoin: perKey(joinCommands, all.connected),
      samples: [...half.samples, ...all.samples, ...answers.flatMap((answer) => answer.samples)].slice(0, 8),
    };
    return side;
  } finally {
    await Promise.all(clientsOf.map((child) => endProcess(child, { type: 'close' })));
    await endProcess(server, { type: 'stop' }, 30_000);
  }
}

export async function runLiveRoom(options: { databaseUri: string; say: (line: string) => void }): Promise<LiveRoomReport> {
  const { say } = options;
  const skipped: LiveRoomReport['skipped'] = [];
  const runnable = sizes().filter((clients) => {
    const reason = whyNot(clients);
    if (reason) {
      skipped.push({ clients, reason });
      say(`Live room: ${clients} clients skipped: ${reason}`);
    }
    return !reason;
  });
  const children = new Set<ChildProcess>();
  const secret = randomBytes(36).toString('base64url');
  const seedTimings: LiveSeed['timings'] = [];
  const rooms: RoomReport[] = [];
  try {
    for (const clients of runnable) {
      // A cohort of its own for each room: every join reads the cohort, whose places list grows with it.
      const seed = await seedLiveRoom(clients, say);
      seedTimings.push(...seed.timings);
      const context = { seed, databaseUri: options.databaseUri, secret, children };
      say(`Live room: ${clients} clients, ${Math.min(liveSenders, clients)} senders at 1 message/s (see liveRoom.ts)`);
      let bare: SideReport | undefined;
      try {
        bare = await measureSide('bare', clients, context, say);
        const ours = await measureSide('ours', clients, context, say);
        const room = { clients, bare, ours };
        rooms.push(room);
        printRoom(room, measureSeconds, say);
      } catch (error) {
        if (!(error instanceof TooSlow)) throw error;
        const reason =
          `${bare ? 'ours' : 'bare'} gave up connecting after ${connectLimitSeconds} s (BENCH_LIVE_CONNECT_SECONDS): ` +
          `${error.connected} of ${clients} clients in, ${(error.connected / error.seconds).toFixed(1)} a second` +
          (bare
            ? `; bare: ${bare.connectSeconds.toFixed(1)} s to connect, ${kb(bare.heapPerConnection)} KB heap per connection, ${fixed(bare.deliveredPerSecond)} delivered/s, p50 ${fixed(bare.p50, 1)} ms, p99 ${fixed(bare.p99, 1)} ms`
            : '');
        say(`  ${reason}`);
        skipped.push({ clients, reason });
      }
    }
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
  const openFiles = execFileSync('/bin/sh', ['-c', 'echo "$(ulimit -Sn) soft, $(ulimit -Hn) hard"'], { encoding: 'utf8' }).trim();
  return { rooms, skipped, seedTimings, measureSeconds, openFiles };
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const fixed = (value: number, digits = 0) => value.toFixed(digits);
const describe = (counts: Record<string, { count: number; ms: number }>) =>
  Object.entries(counts)
    .filter(([, { count }]) => count >= 0.01)
    .map(([key, { count, ms }]) => `${count.toFixed(count % 1 ? 2 : 0)} ${key} (${ms.toFixed(0)} ms)`)
    .join(', ') || 'none';

/** The rooms' tables (again, after a run that printed others in between), what was not run, the seeding. */
export function printLiveRoom(report: LiveRoomReport, say: (line: string) => void, tables = true): void {
  if (tables) for (const room of report.rooms) printRoom(room, report.measureSeconds, say);
  for (const { clients, reason } of report.skipped) say(`Live room: ${clients} clients not run: ${reason}`);
  say(`  open files: ${report.openFiles}`);
  for (const timing of report.seedTimings) say(`  seed: ${timing.name}: ${timing.seconds.toFixed(1)} s`);
}

/** One room: the table of bare against ours, and what lies behind its figures. */
function printRoom({ clients, bare, ours }: RoomReport, measureSeconds: number, say: (line: string) => void): void {
  const ratio = (a: number, b: number) => (b === 0 ? '-' : `${(a / b).toFixed(2)}x`);
  const verdict = (pass: boolean) => (pass ? 'PASS' : 'MISS');
  const lostShare = (side: SideReport) => `${side.delivered}/${side.expected}`;
  const rows = [
    [
      'heap per connection (KB)',
      kb(bare.heapPerConnection),
      kb(ours.heapPerConnection),
      ratio(ours.heapPerConnection, bare.heapPerConnection),
      `<= ${heapTarget}x`,
      verdict(ours.heapPerConnection <= heapTarget * bare.heapPerConnection),
    ],
    [
      '  slope, half to all (KB)',
      kb(bare.heapSlopePerConnection),
      kb(ours.heapSlopePerConnection),
      ratio(ours.heapSlopePerConnection, bare.heapSlopePerConnection),
      '',
      '',
    ],
    [
      '  RSS per connection (KB)',
      kb(bare.rssPerConnection),
      kb(ours.rssPerConnection),
      ratio(ours.rssPerConnection, bare.rssPerConnection),
      '',
      '',
    ],
    [
      'delivered messages/s',
      fixed(bare.deliveredPerSecond),
      fixed(ours.deliveredPerSecond),
      ratio(ours.deliveredPerSecond, bare.deliveredPerSecond),
      `>= ${throughputTarget}x`,
      verdict(ours.deliveredPerSecond >= throughputTarget * bare.deliveredPerSecond),
    ],
    [
      '  per server CPU second',
      fixed(bare.deliveredPerCpuSecond),
      fixed(ours.deliveredPerCpuSecond),
      ratio(ours.deliveredPerCpuSecond, bare.deliveredPerCpuSecond),
      `>= ${throughputTarget}x`,
      verdict(ours.deliveredPerCpuSecond >= throughputTarget * bare.deliveredPerCpuSecond),
    ],
    ['delivery latency p50 (ms)', fixed(bare.p50, 1), fixed(ours.p50, 1), ratio(ours.p50, bare.p50), '', ''],
    ['delivery latency p99 (ms)', fixed(bare.p99, 1), fixed(ours.p99, 1), ratio(ours.p99, bare.p99), '', ''],
    [
      'delivered / expected',
      lostShare(bare),
      lostShare(ours),
      ratio(ours.delivered / Math.max(1, ours.expected), bare.delivered / Math.max(1, bare.expected)),
      'all',
      verdict(ours.expected > 0 && ours.delivered === ours.expected),
    ],
  ];
  const header = [`live room, ${clients} clients`, 'bare', 'ours', 'ratio', 'target', ''];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const format = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  say(`\n${[format(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(format)].join('\n')}`);
  for (const [name, side] of [
    ['bare', bare],
    ['ours', ours],
  ] as const) {
    say(
      `  ${name}: ${side.connected} connected in ${side.connectSeconds.toFixed(1)} s (${side.connectFailures} failed), heap ${kb(side.heapBefore / 1024)} -> ${kb(side.heapAfter / 1024)} MB; ` +
        `${side.sent} messages sent in the window (${side.sendErrors} refused), ${side.disconnects} disconnects; ` +
        `server CPU ${side.serverCpuSeconds.toFixed(1)} s in ${measureSeconds} s, event loop ${(side.serverEventLoop * 100).toFixed(0)}% busy; ` +
        `clients' event loops ${side.clientEventLoop.map((share) => `${(share * 100).toFixed(0)}%`).join(', ')} busy`,
    );
    if (name === 'ours') {
      say(`  ours: database commands per chat message (mean ms each): ${describe(side.commandsPerMessage)}`);
      say(`  ours: database commands per client connecting and joining (mean ms each): ${describe(side.commandsPerJoin)}`);
    }
    if (side.samples.length) say(`  ${name}: first problems: ${side.samples.join(' | ')}`);
  }
}
