import { rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { parse as parseContentDisposition } from 'content-disposition';
import supertest from 'supertest';
import { useTestDatabase } from '../support/database.js';
import { binary, filesApp, filesWith, multipart, samples, temporaryUploadRoot } from './samples.js';

type Uploaded = { id: string; key: string; size: number };

describe('file downloads', () => {
  useTestDatabase(import.meta.url);
  let root: string;
  let uploadDir: string;
  let app: ReturnType<typeof filesApp>;
  const image = samples.png(1000);
  let png: Uploaded;

  async function upload(url: string, filename: string, data: Buffer): Promise<Uploaded> {
    const { contentType, body } = multipart([{ name: 'file', filename, data }]);
    const response = await supertest(app).post(url).set('Content-Type', contentType).send(body);
    expect(response.status, JSON.stringify(response.body)).to.equal(201);
    return response.body;
  }
  const download = (file: Uploaded, inline = false) =>
    supertest(app)
      .get(`/api/files/${file.id}${inline ? '?inline=1' : ''}`)
      .buffer(true)
      .parse(binary);
  /** The Content-Disposition as the browser reads it: its type and the name the file is saved under. */
  function disposition(response: supertest.Response) {
    const parsed = parseContentDisposition(response.headers['content-disposition'] as string);
    return { type: parsed.type, filename: parsed.parameters.filename };
  }

  before(async () => {
    ({ root, uploadDir } = await temporaryUploadRoot());
    app = filesApp(filesWith(uploadDir));
    png = await upload('/api/images', 'diagram.png', image);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describe('byte ranges, so a video can seek', () => {
    it('sends the whole file, saying ranges are welcome', async () => {
      const response = await download(png);
      expect(response.status).to.equal(200);
      expect(response.headers).to.include({
        'accept-ranges': 'bytes',
        'content-type': 'image/png',
        'content-length': String(image.length),
      });
      expect(response.body).to.deep.equal(image);
    });

    it('sends the first ten bytes', async () => {
      const response = await download(png).set('Range', 'bytes=0-9');
      expect(response.status).to.equal(206);
      expect(response.headers['content-range']).to.equal(`bytes 0-9/${image.length}`);
      expect(response.headers['content-length']).to.equal('10');
      expect(response.body).to.deep.equal(image.subarray(0, 10));
    });

    it('sends the last five bytes', async () => {
      const response = await download(png).set('Range', 'bytes=-5');
      expect(response.status).to.equal(206);
      expect(response.headers['content-range']).to.equal(`bytes ${image.length - 5}-${image.length - 1}/${image.length}`);
      expect(response.body).to.deep.equal(image.subarray(-5));
    });

    it('sends from a byte to the end', async () => {
      const response = await download(png).set('Range', 'bytes=100-');
      expect(response.status).to.equal(206);
      expect(response.headers['content-range']).to.equal(`bytes 100-${image.length - 1}/${image.length}`);
      expect(response.body).to.deep.equal(image.subarray(100));
    });

    it('answers 416 for a range beyond the end', async () => {
      const response = await download(png).set('Range', `bytes=${image.length}-${image.length + 10}`);
      expect(response.status).to.equal(416);
      expect(response.headers['content-range']).to.equal(`bytes */${image.length}`);
    });

    it('sends the whole file for a malformed range, or a range of a changed file (If-Range)', async () => {
      const malformed = await download(png).set('Range', 'bytes=abc');
      expect(malformed.status).to.equal(200);
      expect(malformed.body).to.deep.equal(image);
      const changed = await download(png).set('Range', 'bytes=0-9').set('If-Range', '"another-version"');
      expect(changed.status).to.equal(200);
      expect(changed.body).to.deep.equal(image);
      const unchanged = await download(png)
        .set('Range', 'bytes=0-9')
        .set('If-Range', (await download(png)).headers.etag as string);
      expect(unchanged.status).to.equal(206);
    });

    it('answers 304 to a browser that has the file already', async () => {
      const first = await download(png);
      expect(first.headers['cache-control']).to.equal('private, no-cache');
      expect(first.headers['last-modified']).to.be.a('string');
      const again = await download(png).set('If-None-Match', first.headers.etag as string);
      expect(again.status).to.equal(304);
      expect(again.body).to.have.length(0);
    });

    it('answers HEAD with the headers only', async () => {
      const response = await supertest(app).head(`/api/files/${png.id}`);
      expect(response.status).to.equal(200);
      expect(response.headers['content-length']).to.equal(String(image.length));
    });
  });

  describe('headers that keep a file from being run as our site', () => {
    it('names the download safely, keeping quotes and non-ASCII letters', async () => {
      const name = 'Laporan "akhir" – Σ ñ.pdf';
      const pdf = await upload('/api/documents', name, samples.pdf());
      const response = await download(pdf);
      // An ASCII fallback for old browsers, the exact UTF-8 name for the others.
      expect(response.headers['content-disposition']).to.match(
        /^attachment; filename="Laporan \\"akhir\\" \? \? \?\.pdf"; filename\*=UTF-8''/,
      );
      expect(disposition(response)).to.deep.equal({ type: 'attachment', filename: name });
    });

    it('forbids sniffing and sandboxes every file', async () => {
      const response = await download(png, true);
      expect(response.headers['x-content-type-options']).to.equal('nosniff');
      expect(response.headers['content-security-policy']).to.equal("default-src 'none'; frame-ancestors 'self'; sandbox");
      expect(disposition(response)).to.deep.equal({ type: 'inline', filename: 'diagram.png' });
    });

    it('shows videos, images and PDFs inline when asked; PDFs outside the sandbox their viewer refuses', async () => {
      const pdf = await upload('/api/documents', 'modul.pdf', samples.pdf());
      const inlinePdf = await download(pdf, true);
      expect(disposition(inlinePdf)).to.deep.equal({ type: 'inline', filename: 'modul.pdf' });
      expect(inlinePdf.headers['content-type']).to.equal('application/pdf');
      expect(inlinePdf.headers['content-security-policy']).to.equal("frame-ancestors 'self'");
      const video = await upload('/api/videos', 'praktik.webm', samples.webm());
      expect(disposition(await download(video, true))).to.deep.equal({ type: 'inline', filename: 'praktik.webm' });
      // The same PDF as an attachment is sandboxed like any other file.
      expect((await download(pdf)).headers['content-security-policy']).to.contain('sandbox');
    });

    it('always sends other documents as attachments', async () => {
      const docx = await upload('/api/documents', 'tugas.docx', samples.docx());
      const response = await download(docx, true);
      expect(disposition(response)).to.deep.equal({ type: 'attachment', filename: 'tugas.docx' });
      expect(response.headers['content-security-policy']).to.contain('sandbox');
    });

    it('gives a download the extension of what it really is', async () => {
      const pdf = await upload('/api/documents', 'halaman.html', samples.pdf());
      expect(disposition(await download(pdf))).to.deep.equal({ type: 'attachment', filename: 'halaman.html.pdf' });
      const jpeg = await upload('/api/images', 'foto.JPEG', samples.jpeg());
      expect(disposition(await download(jpeg))).to.deep.equal({ type: 'attachment', filename: 'foto.JPEG' });
    });
  });

  it('answers 404 for an unknown id, or a record whose bytes are gone', async () => {
    expect((await supertest(app).get('/api/files/0123456789abcdef01234567')).status).to.equal(404);
    expect((await supertest(app).get('/api/files/not-an-id')).status).to.equal(404);
    const lost = await upload('/api/images', 'hilang.png', samples.png());
    await unlink(path.join(uploadDir, lost.key));
    const response = await download(lost);
    expect(response.status).to.equal(404);
    expect(response.headers['content-disposition']).to.equal(undefined);
  });
});
