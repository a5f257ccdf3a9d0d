import { spawn } from 'node:child_process';
import jsQRModule from 'jsqr';
import sharp from 'sharp';

// jsqr's types declare an ES default export; its UMD bundle is the function itself.
const jsQR = jsQRModule as unknown as (typeof jsQRModule)['default'];

/** Runs a poppler tool on `input` (its stdin) and gives its stdout: no files left anywhere. */
function poppler(command: string, args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const errors: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${command} failed: ${Buffer.concat(errors).toString()}`)),
    );
    child.stdin.end(input);
  });
}

/** The PDF's text as pdftotext (Debian's poppler-utils) reads it, in reading order. */
export async function pdfText(pdf: Buffer): Promise<string> {
  return (await poppler('pdftotext', ['-enc', 'UTF-8', '-', '-'], pdf)).toString('utf8');
}

/** The PDF's page count and page size in points, from pdfinfo. */
export async function pdfInfo(pdf: Buffer): Promise<{ pages: number; width: number; height: number }> {
  const info = (await poppler('pdfinfo', ['-'], pdf)).toString('utf8');
  const size = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info);
  return { pages: Number(/Pages:\s+(\d+)/.exec(info)?.[1]), width: Number(size?.[1]), height: Number(size?.[2]) };
}

/** What a phone's camera would read from the QR code on the printed page (page 1 at 150 dpi), or null. */
export async function pdfQrCode(pdf: Buffer): Promise<string | null> {
  const png = await poppler('pdftoppm', ['-r', '150', '-png', '-singlefile', '-'], pdf);
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height)?.data ?? null;
}
