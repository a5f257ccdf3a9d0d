import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { bucketOf, type ClientsAnswer, type ClientsInit, type ClientsRequest } from './liveRoomProtocol.js';

/**
 * A share of the live-room benchmark's clients (liveRoom.ts), in a process of its own: each
 * client is its own Socket.IO connection (forceNew: one per browser), WebSocket only, with the
 * trainee's session cookie (ours) and no Origin, as a client outside a browser sends. Ours joins
 * the class with `room:join` and sends with `chat:send`; bare is in its room on connecting and
 * sends 'chat' with the payload the app would broadcast. Every message's text carries its send
 * time on process.hrtime's clock (CLOCK_MONOTONIC: one clock for every process of the machine),
 * so each delivery's latency is exact across processes.
 */

const send = (answer: ClientsAnswer) => process.send?.(answer);
const second = 1_000_000_000n;
const ms = (ns: bigint) => Number(ns) / 1e6;

let init: ClientsInit;
const sockets: Socket[] = [];
let failures = 0;
const samples: string[] = [];
const note = (what: string) => {
  if (samples.length < 5) samples.push(what.slice(0, 300));
};

/** What the measuring window counts; reset for each run. */
const window = { start: 0n, end: 0n, received: 0, delivered: 0, last: 0n, disconnects: 0 };
let histogram: Record<number, number> = {};
let measuring = false;

function received(text: unknown): void {
  const now = process.hrtime.bigint();
  if (!measuring || typeof text !== 'string') return;
  const sentAt = BigInt(text.split(' ')[1] ?? '0');
  window.last = now;
  if (now >= window.start && now < window.end) window.received += 1;
  if (sentAt >= window.start && sentAt < window.end) {
    window.delivered += 1;
    const bucket = bucketOf(ms(now - sentAt));
    histogram[bucket] = (histogram[bucket] ?? 0) + 1;
  }
}

/** One client connected (and, ours, in the class), or the reason it is not. */
async function open(index: number): Promise<void> {
  const { cookie } = init.clients[index]!;
  const socket = io(init.url, {
    transports: ['websocket'],
    // As behind the TLS proxy in production; the app trusts the loopback proxy.
    extraHeaders: init.mode === 'ours' ? { cookie, 'x-forwarded-proto': 'https' } : {},
    reconnection: false,
    forceNew: true,
    timeout: 120_000,
  });
  if (init.mode === 'ours')
    socket.on('chat:message', (payload: { message?: { text?: unknown } }) => received(payload?.message?.text));
  else socket.on('chat', (payload: { message?: { text?: unknown } }) => received(payload?.message?.text));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => reject(new Error(`connect: ${error.message}`)));
  });
  if (init.mode === 'ours') {
    const answer = (await socket.timeout(120_000).emitWithAck('room:join', { session: init.session })) as {
      ok: boolean;
      error?: unknown;
    };
    if (!answer.ok) throw new Error(`room:join: ${JSON.stringify(answer.error)}`);
  }
  socket.on('disconnect', (reason) => {
    window.disconnects += 1;
    note(`disconnect: ${reason}`);
  });
  sockets[index] = socket;
}

async function connect(upTo: number): Promise<void> {
  let next = sockets.length;
  const last = Math.min(upTo, init.clients.length);
  // How far it got, every few seconds: the orchestrator gives up on a room that joins too slowly.
  const progress = setInterval(() => send({ type: 'progress', connected: sockets.filter(Boolean).length }), 5_000);
  await Promise.all(
    Array.from({ length: init.concurrency }, async () => {
      while (next < last) {
        const index = next++;
        await open(index).catch((error: unknown) => {
          failures += 1;
          note(String(error instanceof Error ? error.message : error));
        });
      }
    }),
  );
  clearInterval(progress);
  send({ type: 'connected', connected: sockets.filter(Boolean).length, failures, samples: samples.splice(0) });
}

/** What the app broadcasts for a chat message, sent to the bare server for it to broadcast as it is. */
function barePayload(user: string, text: string) {
  return {
    session: init.session,
    message: {
      id: randomBytes(12).toString('hex'),
      author: { id: user, name: `Peserta Live ${user.slice(-4)}`, role: 'trainee' },
      text,
      at: new Date().toISOString(),
    },
  };
}

async function run(startAt: bigint, warmupMs: number, measureMs: number, drainMs: number): Promise<void> {
  window.start = startAt + BigInt(warmupMs) * 1_000_000n;
  window.end = window.start + BigInt(measureMs) * 1_000_000n;
  Object.assign(window, { received: 0, delivered: 0, last: 0n, disconnects: 0 });
  histogram = {};
  measuring = true;
  let sentInWindow = 0;
  let sendErrors = 0;
  const sending = init.senders.map(async ({ client, slot }) => {
    const socket = sockets[client];
    const user = init.clients[client]!.user;
    if (!socket) return;
    for (let at = startAt + (BigInt(slot) * second) / BigInt(init.senderCount); at < window.end; at += second) {
      const wait = ms(at - process.hrtime.bigint());
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const sentAt = process.hrtime.bigint();
      if (sentAt >= window.end) break;
      if (sentAt >= window.start) sentInWindow += 1;
      const text = `bench ${sentAt} ${slot}`;
      if (init.mode === 'bare') socket.emit('chat', barePayload(user, text), () => undefined);
      else
        socket.emit(
          'chat:send',
          { session: init.session, text, clientId: randomUUID() },
          (answer: { ok: boolean; error?: unknown }) => {
            if (answer.ok) return;
            sendErrors += 1;
            note(`chat:send: ${JSON.stringify(answer.error)}`);
          },
        );
    }
  });
  let loop = performance.eventLoopUtilization();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, ms(window.start - process.hrtime.bigint()))));
  loop = performance.eventLoopUtilization();
  await Promise.all(sending);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, ms(window.end - process.hrtime.bigint()))));
  const eventLoop = performance.eventLoopUtilization(loop).utilization;
  // Late deliveries of the window's messages still count until none has come for 2 s.
  const drainEnd = window.end + BigInt(drainMs) * 1_000_000n;
  for (;;) {
    const now = process.hrtime.bigint();
    if (now >= drainEnd || now - (window.last > window.end ? window.last : window.end) > 2n * second) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  measuring = false;
  send({
    type: 'result',
    receivedInWindow: window.received,
    deliveredOfWindow: window.delivered,
    sentInWindow,
    histogram,
    sendErrors,
    samples: samples.splice(0),
    disconnects: window.disconnects,
    eventLoop,
  });
}

process.on('message', (request: ClientsRequest) => {
  const failed = (error: unknown) =>
    send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  if (request.type === 'init') init = request;
  else if (request.type === 'connect') connect(request.upTo).catch(failed);
  else if (request.type === 'run')
    run(BigInt(request.startAt), request.warmupMs, request.measureMs, request.drainMs).catch(failed);
  else if (request.type === 'close') {
    for (const socket of sockets) socket?.disconnect();
    process.disconnect?.();
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
