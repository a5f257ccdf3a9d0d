import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import express from 'express';
import { createFiles, type Files } from '../../src/files/index.js';
import { loadConfig } from '../../src/platform/config.js';
import { errorHandler } from '../../src/platform/http/errorHandler.js';
import { languageMiddleware } from '../../src/platform/i18n.js';
import { createLogger } from '../../src/platform/logger.js';

/** Tiny but real files of each type, made here so the tests carry no binary fixtures. */
export const samples = {
  pdf: () =>
    Buffer.from(
      '%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n' +
        'trailer <</Root 1 0 R>>\n%%EOF\n',
    ),
  /** A 1×1 PNG, followed by `padding` random bytes after its end (viewers ignore them). */
  png: (padding = 0) => {
    const chunk = (type: string, data: Buffer) => {
      const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
      const length = Buffer.alloc(4);
      length.writeUInt32BE(data.length);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(body));
      return Buffer.concat([length, body, crc]);
    };
    const header = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]); // 1×1, 8-bit RGBA
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(Buffer.from([0, 255, 0, 0, 255]))),
      chunk('IEND', Buffer.alloc(0)),
      randomBytes(padding),
    ]);
  },
  jpeg: () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), Buffer.alloc(64)]),
  /** An MP4 as cameras write it: an `ftyp` box, then (here empty) `moov` and `mdat` boxes. */
  mp4: () => {
    const box = (type: string, body: Buffer) => {
      const size = Buffer.alloc(4);
      size.writeUInt32BE(8 + body.length);
      return Buffer.concat([size, Buffer.from(type, 'latin1'), body]);
    };
    return Buffer.concat([
      box('ftyp', Buffer.from('isom\0\0\x02\0isomiso2avc1mp41', 'latin1')),
      box('moov', Buffer.alloc(0)),
      box('mdat', randomBytes(64)),
    ]);
  },
  /** A WebM: the EBML header naming the document type "webm", then the start of a segment. */
  webm: () =>
    Buffer.concat([
      Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x8b, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84]),
      Buffer.from('webm'),
      Buffer.from([0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
      randomBytes(64),
    ]),
  docx: () =>
    zip({
      '[Content_Types].xml':
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
      'word/document.xml': '<w:document/>',
    }),
  plainZip: () => zip({ 'notes.txt': 'hello' }),
  html: () => Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>'),
  svg: () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>'),
  elf: () => Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), Buffer.alloc(120)]),
  exe: () => Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62), Buffer.from('PE\0\0'), Buffer.alloc(64)]),
};

/** A zip archive with stored (uncompressed) entries. */
function zip(entries: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const data = Buffer.from(text);
    const fileName = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

export type Part = { name: string; value: string } | { name: string; filename: string; contentType?: string; data: Buffer };

/**
 * A multipart/form-data body written as a browser writes it (file names as raw UTF-8, quotes
 * and line breaks escaped), so a test controls every byte, including hostile file names.
 */
export function multipart(parts: Part[]): { contentType: string; body: Buffer } {
  const boundary = `----kompeten${randomBytes(8).toString('hex')}`;
  const escapeName = (text: string) => text.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(part.name)}"`;
    if ('data' in part) {
      head += `; filename="${escapeName(part.filename)}"\r\nContent-Type: ${part.contentType ?? 'application/octet-stream'}`;
      chunks.push(Buffer.from(`${head}\r\n\r\n`), part.data, Buffer.from('\r\n'));
    } else {
      chunks.push(Buffer.from(`${head}\r\n\r\n${part.value}\r\n`));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(chunks) };
}

/** A fresh folder holding UPLOAD_DIR (`<folder>/uploads`), so a test can see anything written beside it. */
export async function temporaryUploadRoot(): Promise<{ root: string; uploadDir: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'kompeten-files-'));
  return { root, uploadDir: path.join(root, 'uploads') };
}

/** The files under `folder`, as paths relative to it. */
export async function filesUnder(folder: string): Promise<string[]> {
  try {
    const entries = await readdir(folder, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export function filesWith(uploadDir: string, environment: Record<string, string> = {}): Files {
  return createFiles(loadConfig({ UPLOAD_DIR: uploadDir, ...environment }));
}

/**
 * A small app as a feature would mount the files module: upload routes for documents and images,
 * videos, an optional image with other fields, one that refuses its input after the upload, and
 * a download route, behind the platform's language middleware and error handler.
 */
export function filesApp(files: Files) {
  const app = express();
  app.use(languageMiddleware);
  app.use((req, _res, next) => {
    req.actor = null;
    next();
  });
  app.post('/api/documents', files.acceptUpload({ field: 'file', kinds: ['document', 'image'] }), (req, res) => {
    res.status(201).json(req.storedFile);
  });
  app.post('/api/images', files.acceptUpload({ field: 'file', kinds: ['image'] }), (req, res) => {
    res.status(201).json(req.storedFile);
  });
  app.post('/api/videos', files.acceptUpload({ field: 'file', kinds: ['video'] }), (req, res) => {
    res.status(201).json(req.storedFile);
  });
  app.post('/api/optional', files.acceptUpload({ field: 'file', kinds: ['image'], required: false }), (req, res) => {
    res.json({ storedFile: req.storedFile ?? null, body: { ...req.body } });
  });
  app.post('/api/refusing', files.acceptUpload({ field: 'file', kinds: ['image'] }), (_req, res) => {
    res.status(422).json({ refused: true });
  });
  app.get('/api/files/:id', async (req, res) => {
    const file = await files.findStoredFile(req.params.id);
    await files.sendStoredFile(req, res, file, { disposition: req.query.inline === '1' ? 'inline' : 'attachment' });
  });
  app.use(errorHandler(createLogger('silent')));
  return app;
}

/** Superagent parser that keeps a response body as bytes, whatever its type. */
export function binary(response: unknown, callback: (error: Error | null, body: Buffer) => void): void {
  const res = response as NodeJS.ReadableStream; // superagent hands over Node's response stream
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

/** Waits until `check` holds, for things that happen just after a response (a clean-up). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}
