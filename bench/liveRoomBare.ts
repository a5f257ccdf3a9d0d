import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { answerMeasurements, type ServerAnswer } from './liveRoomProtocol.js';

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

answerMeasurements('liveRoomBare', (request) => {
  if (request.type === 'commands') send({ type: 'commands', counts: {} });
  else if (request.type === 'stop') {
    io.close();
    httpServer.closeAllConnections();
    process.disconnect?.();
  }
});

httpServer.listen(0, '127.0.0.1', () => send({ type: 'ready', port: (httpServer.address() as AddressInfo).port }));
