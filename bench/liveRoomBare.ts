import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { Server } from 'socket.io';
import type { ServerAnswer, ServerRequest } from './liveRoomProtocol.js';

/**
 * The live-room benchmark's baseline (liveRoom.ts): Socket.IO with its default options and
 * nothing else. Every connection joins one room; a 'chat' event is broadcast to that room as it
 * came (the clients send the payload the app would broadcast, so both carry the same bytes) and
 * acknowledged. Runs in a process of its own, started with --expose-gc, and answers the
 * orchestrator's questions over IPC (liveRoomProtocol.ts).
 */

const room = 'class';
const send = (answer: ServerAnswer) => process.send?.(answer);

const httpServer = http.createServer();
const io = new Server(httpServer);
io.on('connection', (socket) => {
  socket.join(room);
  socket.on('chat', (message: unknown, ack?: () => void) => {
    io.to(room).emit('chat', message);
    if (typeof ack === 'function') ack();
  });
});

let cpu = process.cpuUsage();
let loop = performance.eventLoopUtilization();
process.on('message', (request: ServerRequest) => {
  if (request.type === 'heap') {
    for (let round = 0; round < 3; round += 1) globalThis.gc?.();
    // BENCH_LIVE_HEAPSNAPSHOT=<folder>: a heap snapshot at each measurement, to see what a connection holds.
    if (process.env.BENCH_LIVE_HEAPSNAPSHOT)
      writeHeapSnapshot(
        `${process.env.BENCH_LIVE_HEAPSNAPSHOT}/${path.basename(import.meta.filename, '.ts')}-${Date.now()}.heapsnapshot`,
      );
    const { heapUsed, rss, external } = process.memoryUsage();
    send({ type: 'heap', heapUsed, rss, external });
  } else if (request.type === 'usage') {
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const busy = performance.eventLoopUtilization(loop).utilization;
    loop = performance.eventLoopUtilization();
    send({ type: 'usage', cpuMicros: used.user + used.system, eventLoop: busy });
  } else if (request.type === 'commands') send({ type: 'commands', counts: {} });
  else if (request.type === 'stop') {
    io.close();
    httpServer.closeAllConnections();
    process.disconnect?.();
  }
});
process.on('disconnect', () => process.exit(0));

httpServer.listen(0, '127.0.0.1', () => send({ type: 'ready', port: (httpServer.address() as AddressInfo).port }));
