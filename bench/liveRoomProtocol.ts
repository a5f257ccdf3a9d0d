import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';

/**
 * What the live-room benchmark's processes say to each other over their IPC channel
 * (liveRoom.ts orchestrates; liveRoomServer.ts is the app, liveRoomBare.ts a bare Socket.IO
 * server, liveRoomClients.ts a share of the clients), and the latency histogram they share.
 */

/** Asked of a server process. */
export type ServerRequest = { type: 'heap' } | { type: 'usage' } | { type: 'commands' } | { type: 'stop' };
export type ServerAnswer =
  | { type: 'ready'; port: number }
  | { type: 'heap'; heapUsed: number; rss: number; external: number }
  /** CPU time in µs (user + system) and event-loop utilisation, both since the previous `usage`. */
  | { type: 'usage'; cpuMicros: number; eventLoop: number }
  /** The app's database commands since the previous `commands`, by command and collection, with their total ms. */
  | { type: 'commands'; counts: Record<string, { count: number; ms: number }> }
  | { type: 'failed'; error: string };

export type Mode = 'bare' | 'ours';
export type ClientsInit = {
  type: 'init';
  mode: Mode;
  url: string;
  /** ours: the live session to join. */
  session: string;
  /** One entry per client of this process: its cookie (ours) or '' (bare), and its account id. */
  clients: { cookie: string; user: string }[];
  /** Clients of this process that send, and each sender's place (0..senders-1) in the second. */
  senders: { client: number; slot: number }[];
  /** All senders of the run: their sends spread evenly over each second. */
  senderCount: number;
  /** Connections this process opens at a time. */
  concurrency: number;
};
export type ClientsRequest =
  | ClientsInit
  /** Connect (and, ours, join) clients up to this count. */
  | { type: 'connect'; upTo: number }
  /** Send from `startAt` (process.hrtime in ns, one clock for every process) for warm-up plus measure. */
  | { type: 'run'; startAt: string; warmupMs: number; measureMs: number; drainMs: number }
  | { type: 'close' };
export type ClientsAnswer =
  | { type: 'ready' }
  | { type: 'connected'; connected: number; failures: number; samples: string[] }
  | { type: 'progress'; connected: number }
  | {
      type: 'result';
      /** Deliveries received within the measured window (whenever the message was sent). */
      receivedInWindow: number;
      /** Deliveries of messages sent within the window, received before the drain ended. */
      deliveredOfWindow: number;
      /** Messages this process's senders sent within the window. */
      sentInWindow: number;
      /** Latency histogram of the window's messages (see bucketOf). */
      histogram: Record<number, number>;
      sendErrors: number;
      samples: string[];
      disconnects: number;
      /** Share of the window this process's event loop was busy (1: the clients were the limit). */
      eventLoop: number;
    }
  | { type: 'failed'; error: string };

/** Latencies are counted in buckets 1% wide from 0.01 ms: exact enough for p50/p99, tiny to send. */
const step = Math.log(1.01);
export const bucketOf = (ms: number) => Math.max(0, Math.floor(Math.log(Math.max(ms, 0.01) / 0.01) / step));
const latencyOf = (bucket: number) => 0.01 * Math.exp((bucket + 0.5) * step);

export function mergeHistograms(histograms: Record<number, number>[]): Record<number, number> {
  const merged: Record<number, number> = {};
  for (const histogram of histograms)
    for (const [bucket, count] of Object.entries(histogram)) merged[Number(bucket)] = (merged[Number(bucket)] ?? 0) + count;
  return merged;
}

/** The latency at `quantile` (0..1) of a histogram, in ms; 0 when it is empty. */
export function quantileOf(histogram: Record<number, number>, quantile: number): number {
  const buckets = Object.entries(histogram)
    .map(([bucket, count]) => [Number(bucket), count] as const)
    .sort(([a], [b]) => a - b);
  const total = buckets.reduce((sum, [, count]) => sum + count, 0);
  let seen = 0;
  for (const [bucket, count] of buckets) {
    seen += count;
    if (seen >= quantile * total) return latencyOf(bucket);
  }
  return 0;
}

/**
 * Starts a bench process: Node with `--expose-gc` (heap is measured after a forced collection),
 * TypeScript through tsx, an IPC channel, and at least `openFiles` file descriptors. Node cannot
 * raise its own limit, so the process starts through a shell that raises the soft limit first
 * (up to the hard limit, which the caller has checked). `flags` go to Node (e.g. --cpu-prof).
 */
export function startBenchProcess(
  file: string,
  openFiles: number,
  env: Record<string, string> = {},
  flags: string[] = [],
): ChildProcess {
  const script = fileURLToPath(new URL(file, import.meta.url));
  const tsx = import.meta.resolve('tsx');
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
  const command = [process.execPath, '--expose-gc', ...flags, '--import', tsx, script].map(quote).join(' ');
  return spawn('/bin/sh', ['-c', `ulimit -n ${openFiles} && exec ${command}`], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
}

/** Sends `request` and waits for the process's next message of type `expect` (or its failure or exit). */
export function ask<A extends { type: string }>(child: ChildProcess, request: object, expect: A['type']): Promise<A> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: A | { type: 'failed'; error: string }) => {
      if (message.type === 'failed') {
        cleanup();
        reject(new Error((message as { error: string }).error));
      } else if (message.type === expect) {
        cleanup();
        resolve(message as A);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`A bench process exited (${code}) while asked for ${expect}`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (Object.keys(request).length) child.send(request);
  });
}

/** Ends a bench process: asks it to stop, and kills it if it has not exited within `graceMs`. */
export async function endProcess(child: ChildProcess, request: object | null, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (request && child.connected) child.send(request);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * A benchmark server's answers to the orchestrator's measurements, the same for both servers:
 * heap after a forced GC (and a heap snapshot with BENCH_LIVE_HEAPSNAPSHOT=<folder>, to see what a
 * connection holds), and CPU and event-loop use since the last question. `other` answers the rest.
 */
export function answerMeasurements(name: string, other: (request: ServerRequest) => void | Promise<void>): void {
  const send = (answer: ServerAnswer) => process.send?.(answer);
  let cpu = process.cpuUsage();
  let loop = performance.eventLoopUtilization();
  process.on('message', (request: ServerRequest) => {
    if (request.type === 'heap') {
      for (let round = 0; round < 3; round += 1) globalThis.gc?.();
      const folder = process.env.BENCH_LIVE_HEAPSNAPSHOT;
      if (folder) writeHeapSnapshot(path.join(folder, `${name}-${Date.now()}.heapsnapshot`));
      const { heapUsed, rss, external } = process.memoryUsage();
      send({ type: 'heap', heapUsed, rss, external });
    } else if (request.type === 'usage') {
      const used = process.cpuUsage(cpu);
      cpu = process.cpuUsage();
      const busy = performance.eventLoopUtilization(loop).utilization;
      loop = performance.eventLoopUtilization();
      send({ type: 'usage', cpuMicros: used.user + used.system, eventLoop: busy });
    } else void other(request);
  });
  process.on('disconnect', () => process.exit(0));
}
