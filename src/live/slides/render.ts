import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { webImageLongSide } from '../../files/images.js';
import { ValidationError } from '../../platform/errors.js';

/**
 * A PDF's pages as pictures, made with `pdftoppm` (Debian's poppler-utils): a class on a phone
 * over a weak connection then loads one page at a time, at the width its screen needs, instead
 * of a whole PDF, and every browser shows it the same way.
 */
export const slideLimits = {
  /** More pages than a class can go through; a bound on the disk and time one upload takes. */
  maxPages: 100,
  /** For reading and rendering one PDF: a hundred busy pages take well under a minute. */
  renderTimeoutMs: 120_000,
};

export const slidesField = 'slides';

export type RenderOptions = { timeoutMs?: number; maxPages?: number };

/**
 * Renders every page of the PDF at `pdfPath` to a PNG of `webImageLongSide` px on its long side
 * (so the web copies lose nothing), in a folder of its own under `temporaryFolder`, and gives the
 * pages in order to `use`. The folder is removed when `use` is done, whatever happened. A PDF
 * that cannot be read, has no pages or too many, or takes too long is the user's to fix: a
 * ValidationError on the `slides` field.
 */
export async function withPdfPages<T>(
  pdfPath: string,
  temporaryFolder: string,
  use: (pages: string[]) => Promise<T>,
  options: RenderOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? slideLimits.renderTimeoutMs);
  const maxPages = options.maxPages ?? slideLimits.maxPages;
  const count = await pageCount(pdfPath, deadline);
  if (count > maxPages) throw refused('liveSlides.errors.tooManyPages', { max: maxPages, pages: count });
  await mkdir(temporaryFolder, { recursive: true });
  const folder = await mkdtemp(path.join(temporaryFolder, 'slides-'));
  try {
    const args = ['-png', '-scale-to', String(webImageLongSide), '-f', '1', '-l', String(count)];
    await run('pdftoppm', [...args, pdfPath, path.join(folder, 'page')], deadline);
    // pdftoppm numbers its files with as many digits as the last page has (page-01 … page-12).
    const pages = (await readdir(folder))
      .map((name) => ({ name, number: Number(/^page-(\d+)\.png$/.exec(name)?.[1]) }))
      .filter((page) => Number.isInteger(page.number))
      .sort((a, b) => a.number - b.number)
      .map((page) => path.join(folder, page.name));
    if (pages.length !== count) throw refused('liveSlides.errors.pdfUnreadable');
    return await use(pages);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** The PDF's number of pages, from `pdfinfo`; a file it cannot read, or without pages, is refused. */
async function pageCount(pdfPath: string, deadline: number): Promise<number> {
  const output = await run('pdfinfo', [pdfPath], deadline);
  const pages = Number(/^Pages:\s+(\d+)\s*$/m.exec(output)?.[1]);
  if (!Number.isInteger(pages) || pages < 1) throw refused('liveSlides.errors.pdfUnreadable');
  return pages;
}

/** An upload refused, as a message on the form's slides field (render.ts and service.ts). */
export const refused = (key: string, params?: Record<string, unknown>) =>
  new ValidationError([{ field: slidesField, key, ...(params ? { params } : {}) }]);

/**
 * Runs one of poppler's tools until `deadline`; its output. A crafted or broken PDF can make them
 * fail, print without end or run for ever: each of these is refused as the PDF's fault, and the
 * process is killed, never left running.
 */
function run(command: string, args: string[], deadline: number): Promise<string> {
  const timeout = Math.max(1, deadline - Date.now());
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024, encoding: 'utf8' }, (error, stdout) => {
      if (!error) return resolve(stdout);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        // The server's set-up, not the user's file: a logged 500 saying what to install.
        return reject(new Error(`${command} is not installed (Debian package poppler-utils): PDF slides cannot be made`));
      }
      const overflow = (error as NodeJS.ErrnoException).code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER';
      if (error.killed && !overflow) return reject(refused('liveSlides.errors.renderTimeout'));
      reject(refused('liveSlides.errors.pdfUnreadable'));
    });
  });
}
