import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ChildServer, freeLoopbackPort, startChildServer } from '../../src/platform/db/processes.js';

/**
 * A throwaway redis-server (Debian's `redis-server`, installed by .ci/run) for one test file: on
 * a free 127.0.0.1 port, in a temporary folder, keeping nothing on disk, and stopped with this
 * process even if it dies (processes.ts's watchdog). Call it at the top of a describe; `state.url`
 * is its REDIS_URL from `before` on; it is stopped and its folder removed in `after`.
 */
export function useRedisServer() {
  const state = {} as { url: string; port: number };
  let server: ChildServer | undefined;
  let dir: string | undefined;
  before(async function () {
    this.timeout(30_000);
    dir = await mkdtemp(path.join(os.tmpdir(), 'kompeten-redis-'));
    state.port = await freeLoopbackPort();
    server = await startChildServer({
      name: 'redis-server (installed by .ci/run: apt-get install redis-server)',
      command: 'redis-server',
      args: ['--port', String(state.port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
      port: state.port,
    });
    state.url = `redis://127.0.0.1:${state.port}`;
  });
  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return state;
}
