import { execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, cp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../logger.js';

const run = promisify(execFile);

export const FERRETDB_VERSION = 'v1.24.2';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';

/** Where a FerretDB we built is kept, shared by every checkout on the machine. */
export function ferretdbCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'kompeten', `ferretdb-${FERRETDB_VERSION}`);
}

export async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable named `name` on the PATH, if any. */
export async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics at
 * start: the module zip lacks build/version/version.txt, which FerretDB's own release process
 * generates. So we copy the module's source out of the Go module cache, write that one file, and
 * build it there. If the build fails on the machine's Go, the linker flag and then the pinned
 * toolchain are tried, as FerretDB 1.x predates some newer Go releases.
 */
export async function buildFerretdb(log: Logger): Promise<string> {
  const target = path.join(ferretdbCacheDir(), 'ferretdb');
  const go = await findOnPath('go');
  if (!go) throw new Error('Go is not installed, so FerretDB cannot be built');

  const started = Date.now();
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;
  log.info(
    `Building FerretDB ${FERRETDB_VERSION} with Go, once for this machine (about 3 minutes on 2 cores; later starts reuse it)`,
  );
  log.info(`FerretDB build 1/3: downloading ${FERRETDB_MODULE}@${FERRETDB_VERSION} and its dependencies (go mod download)`);
  const { stdout } = await run(go, ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const moduleDir = (JSON.parse(stdout) as { Dir: string }).Dir;
  const sourceDir = path.join(ferretdbCacheDir(), 'src');
  log.info(`FerretDB build 2/3: copying its source to ${sourceDir} (${elapsed()})`);
  await rm(sourceDir, { recursive: true, force: true });
  await mkdir(ferretdbCacheDir(), { recursive: true });
  await cp(moduleDir, sourceDir, { recursive: true, mode: 0 });
  await run('chmod', ['-R', 'u+w', sourceDir]);
  await writeFile(path.join(sourceDir, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);

  const attempts: { label: string; args: string[]; env: NodeJS.ProcessEnv }[] = [
    { label: 'plain', args: [], env: {} },
    { label: '-ldflags=-checklinkname=0', args: ['-ldflags=-checklinkname=0'], env: {} },
    { label: 'GOTOOLCHAIN=go1.24.3', args: [], env: { GOTOOLCHAIN: 'go1.24.3' } },
  ];
  const failures: string[] = [];
  for (const attempt of attempts) {
    const temporary = `${target}.${process.pid}.tmp`;
    log.info(`FerretDB build 3/3: compiling (${attempt.label}; go build -v names each package as it is compiled) (${elapsed()})`);
    try {
      await compile(go, ['build', '-v', '-trimpath', ...attempt.args, '-o', temporary, './cmd/ferretdb'], {
        cwd: sourceDir,
        env: { ...process.env, ...attempt.env },
        log,
        elapsed,
      });
      // Renaming makes the finished binary appear at once, even if two processes build together.
      await run('mv', ['-f', temporary, target]);
      log.info(`FerretDB built (${attempt.label}) into ${target} in ${elapsed()}`);
      await rm(sourceDir, { recursive: true, force: true });
      return target;
    } catch (error) {
      failures.push(`${attempt.label}: ${(error as Error).message}`);
    }
  }
  throw new Error(`FerretDB build failed:\n${failures.join('\n')}`);
}

/** Runs `go build -v`, logging every 15 s how many packages it has compiled so far. */
async function compile(
  go: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; log: Logger; elapsed: () => string },
): Promise<void> {
  const child = spawn(go, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let packages = 0;
  let last = '';
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-8000);
    for (const line of text.split('\n')) {
      if (/^[\w.-]+(\/[\w.@-]+)*$/.test(line.trim())) {
        packages += 1;
        last = line.trim();
      }
    }
  });
  const ticker = setInterval(
    () =>
      options.log.info(`...compiling FerretDB: ${packages} packages so far, now ${last || 'starting'} (${options.elapsed()})`),
    15_000,
  );
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(output.trim() || `go build exited with ${code}`);
  } finally {
    clearInterval(ticker);
  }
}

/** FERRETDB_BIN, else `ferretdb` on the PATH, else the one we built before, else build it now. */
export async function locateFerretdb(explicit: string | undefined, log: Logger): Promise<string> {
  if (explicit) {
    if (await isExecutable(explicit)) return explicit;
    throw new Error(`FERRETDB_BIN=${explicit} is not an executable file`);
  }
  const onPath = await findOnPath('ferretdb');
  if (onPath) return onPath;
  const cached = path.join(ferretdbCacheDir(), 'ferretdb');
  if (await isExecutable(cached)) return cached;
  return buildFerretdb(log);
}
