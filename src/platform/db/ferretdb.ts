import { execFile } from 'node:child_process';
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

  log.info(`Building FerretDB ${FERRETDB_VERSION} with Go (once; takes about a minute)...`);
  const ticker = setInterval(() => log.info('...still building FerretDB'), 15_000);
  try {
    const { stdout } = await run(go, ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const moduleDir = (JSON.parse(stdout) as { Dir: string }).Dir;
    const sourceDir = path.join(ferretdbCacheDir(), 'src');
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
      try {
        await run(go, ['build', '-trimpath', ...attempt.args, '-o', temporary, './cmd/ferretdb'], {
          cwd: sourceDir,
          env: { ...process.env, ...attempt.env },
          maxBuffer: 16 * 1024 * 1024,
        });
        // Renaming makes the finished binary appear at once, even if two processes build together.
        await run('mv', ['-f', temporary, target]);
        log.info(`FerretDB built (${attempt.label}) into ${target}`);
        await rm(sourceDir, { recursive: true, force: true });
        return target;
      } catch (error) {
        failures.push(`${attempt.label}: ${(error as { stderr?: string }).stderr?.trim() || String(error)}`);
      }
    }
    throw new Error(`FerretDB build failed:\n${failures.join('\n')}`);
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
