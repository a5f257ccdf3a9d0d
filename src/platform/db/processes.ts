import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

/** A server process this one started, and how to stop it. */
export type ChildServer = { pid: number | undefined; stop(): Promise<void>; exited(): boolean };

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on this loopback port. */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Runs the server under a small shell watchdog that stops it when this process is gone, however
 * it ended (even SIGKILL, when no exit handler runs), so no database is ever left running. The
 * watchdog passes SIGTERM on and exits when the server does. It may run as another user than its
 * parent (PostgreSQL's), which may not signal it: then /proc tells whether the parent lives. `stopSignal` is what the server
 * takes as "shut down cleanly" (PostgreSQL: SIGINT, a fast shutdown that still checkpoints).
 */
const watchdog = `
parent=$1; signal=$2; shift 2
"$@" &
server=$!
trap 'kill -$signal $server 2>/dev/null; wait $server; exit 0' TERM INT
alive() { kill -0 "$1" 2>/dev/null || [ -d "/proc/$1" ]; }
while alive "$parent" && kill -0 "$server" 2>/dev/null; do sleep 1 & wait $!; done
kill -$signal $server 2>/dev/null
wait $server
`;

export type StartOptions = {
  command: string;
  args: string[];
  port: number;
  name: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this user (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
  stopSignal?: 'TERM' | 'INT';
  /** How long to wait for the first connection; building caches on a cold start can be slow. */
  startTimeoutMs?: number;
};

/** Starts a server and waits until it accepts connections on its port, or fails with its output. */
export async function startChildServer(options: StartOptions): Promise<ChildServer> {
  const { command, args, port, name } = options;
  // Its own process group, so the watchdog and the server can be signalled together.
  const child = spawn(
    '/bin/sh',
    ['-c', watchdog, 'watchdog', String(process.pid), options.stopSignal ?? 'TERM', command, ...args],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
      env: options.env ?? process.env,
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `${name} exited (${signal ?? code}) before accepting connections: ${stderr.trim()}`;
  });
  child.once('error', (error) => {
    exited = `${name} could not start: ${error.message}`;
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (exited) throw new Error(exited);
    if (await acceptsConnections(port)) {
      // Once it runs, its output is not needed: keep the pipe drained, keep nothing.
      child.stderr?.removeAllListeners('data');
      child.stderr?.resume();
      return { pid: child.pid, stop: stopper(child), exited: () => child.exitCode !== null || child.signalCode !== null };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  signalGroup(child, 'SIGKILL');
  throw new Error(
    `${name} did not accept connections on port ${port} within ${Math.round((options.startTimeoutMs ?? 30_000) / 1000)} s`,
  );
}

/**
 * Signals the watchdog and the server with it. Killing only the watchdog would orphan the server:
 * the watchdog is what stops it.
 */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal); // the group is gone already, or was never made
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  // An exit handler cannot wait: the server gets SIGTERM now and stops on its own.
  const stopOnExit = () => signalGroup(child, 'SIGTERM');
  process.once('exit', stopOnExit);
  return () =>
    new Promise<void>((resolve) => {
      process.removeListener('exit', stopOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      // A stopped (SIGSTOP) server cannot act on SIGTERM; SIGCONT lets it.
      signalGroup(child, 'SIGCONT');
      const force = setTimeout(() => signalGroup(child, 'SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
}
