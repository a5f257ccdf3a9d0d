import { mkdir } from 'node:fs/promises';
import { type ChildServer, freeLoopbackPort, startChildServer } from './processes.js';

/**
 * Starts FerretDB on a free loopback port with the given backend. The PostgreSQL pool is capped:
 * FerretDB would open up to 50 connections, each a PostgreSQL process of its own.
 */
export async function startFerretdb(options: {
  binary: string;
  stateDir: string;
  backend: { postgresql: string } | { sqlite: string };
}): Promise<ChildServer & { uri: string }> {
  await mkdir(options.stateDir, { recursive: true });
  const port = await freeLoopbackPort();
  const backendArgs =
    'postgresql' in options.backend
      ? ['--handler=postgresql', `--postgresql-url=${withPoolCap(options.backend.postgresql, 40)}`]
      : ['--handler=sqlite', `--sqlite-url=file:${options.backend.sqlite}/`];
  const server = await startChildServer({
    command: options.binary,
    args: [
      ...backendArgs,
      `--state-dir=${options.stateDir}`,
      `--listen-addr=127.0.0.1:${port}`,
      `--debug-addr=127.0.0.1:${await freeLoopbackPort()}`,
      '--telemetry=disable',
      '--log-level=error',
    ],
    port,
    name: 'FerretDB',
  });
  return { ...server, uri: `mongodb://127.0.0.1:${port}` };
}

function withPoolCap(postgresUrl: string, connections: number): string {
  const url = new URL(postgresUrl);
  if (!url.searchParams.has('pool_max_conns')) url.searchParams.set('pool_max_conns', String(connections));
  return url.toString();
}
