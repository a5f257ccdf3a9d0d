import { readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import supertest from 'supertest';
import { StoredFile } from '../../src/files/index.js';
import { useTestDatabase } from '../support/database.js';
import { eventually, filesApp, filesUnder, filesWith, multipart, type Part, samples, temporaryUploadRoot } from './samples.js';

describe('file uploads', () => {
  useTestDatabase(import.meta.url);
  let root: string;
  let uploadDir: string;
  let app: ReturnType<typeof filesApp>;

  before(async () => {
    ({ root, uploadDir } = await temporaryUploadRoot());
    app = filesApp(filesWith(uploadDir));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await StoredFile.deleteMany({});
    await rm(uploadDir, { recursive: true, force: true });
  });

  function post(url: string, parts: Part[], language = 'id') {
    const { contentType, body } = multipart(parts);
    return supertest(app).post(url).set('Content-Type', contentType).set('Accept-Language', language).send(body);
  }
  const file = (filename: string, data: Buffer, contentType?: string): Part => ({ name: 'file', filename, data, contentType });

  /** The problem+json message for `field`. */
  function messageFor(response: supertest.Response, field = 'file'): string | undefined {
    return (response.body.errors as { field: string; message: string }[] | undefined)?.find((error) => error.field === field)
      ?.message;
  }

  async function expectNothingKept() {
    expect(await filesUnder(uploadDir), 'files left in UPLOAD_DIR').to.deep.equal([]);
    expect(await StoredFile.countDocuments(), 'StoredFile documents').to.equal(0);
  }

  describe('accepts each kind, by what its bytes are', () => {
    const accepted: [string, string, () => Buffer, string, string][] = [
      ['/api/documents', 'Modul 1.pdf', samples.pdf, 'application/pdf', 'document'],
      [
        '/api/documents',
        'Tugas.docx',
        samples.docx,
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        'document',
      ],
      ['/api/documents', 'diagram.png', () => samples.png(), 'image/png', 'image'],
      ['/api/images', 'foto.jpg', samples.jpeg, 'image/jpeg', 'image'],
      ['/api/videos', 'Praktik.mp4', samples.mp4, 'video/mp4', 'video'],
      ['/api/videos', 'Praktik.webm', samples.webm, 'video/webm', 'video'],
    ];
    for (const [url, name, make, mimeType, kind] of accepted) {
      it(`${name} as ${mimeType}`, async () => {
        const data = make();
        // The browser's claim is ignored either way: here it says nothing useful.
        const response = await post(url, [file(name, data, 'application/octet-stream')]);
        expect(response.status, JSON.stringify(response.body)).to.equal(201);
        expect(response.body).to.include({ originalName: name, mimeType, kind, size: data.length });
        const stored = await StoredFile.findById(response.body.id).lean();
        expect(stored?.sha256).to.match(/^[0-9a-f]{64}$/);
        expect(await readFile(path.join(uploadDir, response.body.key))).to.deep.equal(data);
        expect(await filesUnder(uploadDir)).to.deep.equal([response.body.key]); // no temporary file left
      });
    }
  });

  describe('refuses, leaving no file and no record behind', () => {
    const refused: [string, string, Part][] = [
      ['an HTML page renamed .pdf', '/api/documents', file('laporan.pdf', samples.html(), 'application/pdf')],
      ['an SVG image', '/api/images', file('logo.png', samples.svg(), 'image/png')],
      ['an SVG image sent as SVG', '/api/images', file('logo.svg', samples.svg(), 'image/svg+xml')],
      ['a Linux program', '/api/documents', file('modul.pdf', samples.elf(), 'application/pdf')],
      ['a Windows program', '/api/documents', file('modul.docx', samples.exe())],
      ['a plain zip archive', '/api/documents', file('modul.docx', samples.plainZip())],
      ['a document where only images are taken', '/api/images', file('foto.png', samples.pdf(), 'image/png')],
      ['an image where only videos are taken', '/api/videos', file('video.mp4', samples.png(), 'video/mp4')],
    ];
    for (const [what, url, part] of refused) {
      it(what, async () => {
        const response = await post(url, [part]);
        expect(response.status).to.equal(422);
        expect(response.type).to.equal('application/problem+json');
        expect(messageFor(response)).to.match(/^Isi file ini bukan .+ Jenis file dibaca dari isinya, bukan dari namanya\.$/);
        await expectNothingKept();
      });
    }

    it('says what is accepted, in the user’s language', async () => {
      const indonesian = await post('/api/documents', [file('laporan.pdf', samples.html(), 'application/pdf')]);
      expect(messageFor(indonesian)).to.equal(
        'Isi file ini bukan dokumen (PDF, Word, Excel, PowerPoint, OpenDocument) atau gambar (PNG, JPEG, WebP, GIF). ' +
          'Jenis file dibaca dari isinya, bukan dari namanya.',
      );
      const english = await post('/api/documents', [file('laporan.pdf', samples.html(), 'application/pdf')], 'en');
      expect(messageFor(english)).to.equal(
        "This file's content is not a document (PDF, Word, Excel, PowerPoint, OpenDocument) or an image (PNG, JPEG, WebP, GIF). " +
          'The type is read from the content, not from the name.',
      );
    });

    it('a request without a file', async () => {
      const response = await post('/api/documents', [{ name: 'title', value: 'Modul 1' }]);
      expect(response.status).to.equal(422);
      expect(messageFor(response)).to.equal('Pilih file untuk diunggah.');
      const notMultipart = await supertest(app).post('/api/documents').set('Accept-Language', 'en').send({ title: 'x' });
      expect(notMultipart.status).to.equal(422);
      expect(messageFor(notMultipart)).to.equal('Choose a file to upload.');
      await expectNothingKept();
    });

    it('a second file, and a file in another field', async () => {
      const two = await post('/api/documents', [file('a.pdf', samples.pdf()), file('b.pdf', samples.pdf())]);
      expect(two.status).to.equal(422);
      expect(messageFor(two)).to.equal('Unggah satu file saja.');
      const elsewhere = await post('/api/documents', [{ name: 'lampiran', filename: 'a.pdf', data: samples.pdf() }], 'en');
      expect(elsewhere.status).to.equal(422);
      expect(messageFor(elsewhere, 'lampiran')).to.equal('A file is not accepted in this field.');
      await expectNothingKept();
    });

    it('a body that breaks off in the middle', async () => {
      const { contentType, body } = multipart([file('a.png', samples.png(5000))]);
      const response = await supertest(app)
        .post('/api/images')
        .set('Content-Type', contentType)
        .send(body.subarray(0, body.length - 2000));
      expect(response.status).to.equal(422);
      expect(messageFor(response)).to.equal('Unggahan tidak sampai dengan utuh. Periksa koneksi, lalu unggah lagi.');
      await expectNothingKept();
    });

    it('an upload whose connection is dropped', async () => {
      const server = http.createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const { contentType, body } = multipart([file('video.png', samples.png(512 * 1024))]);
        const request = http.request({
          port,
          method: 'POST',
          path: '/api/images',
          headers: { 'Content-Type': contentType, 'Content-Length': body.length },
        });
        request.on('error', () => {}); // we are the ones hanging up
        request.write(body.subarray(0, 256 * 1024));
        // Half the file has arrived and is being written...
        expect(await eventually(async () => (await filesUnder(path.join(uploadDir, '.tmp'))).length === 1)).to.equal(true);
        request.destroy(); // ...when the connection drops.
        expect(await eventually(async () => (await filesUnder(uploadDir)).length === 0), 'temporary file removed').to.equal(true);
        expect(await StoredFile.countDocuments()).to.equal(0);
      } finally {
        server.close();
      }
    });

    it('a file the route then refuses (another field was invalid)', async () => {
      const response = await post('/api/refusing', [file('foto.png', samples.png())]);
      expect(response.status).to.equal(422);
      expect(await eventually(async () => (await filesUnder(uploadDir)).length === 0)).to.equal(true);
      expect(await eventually(async () => (await StoredFile.countDocuments()) === 0)).to.equal(true);
    });
  });

  describe('size limits, per kind', () => {
    let limited: ReturnType<typeof filesApp>;
    before(() => {
      // 0.01 MB is 10,485 bytes; documents may be five times as large as images.
      limited = filesApp(
        filesWith(uploadDir, { UPLOAD_MAX_IMAGE_MB: '0.01', UPLOAD_MAX_DOCUMENT_MB: '0.05', UPLOAD_MAX_VIDEO_MB: '0.01' }),
      );
    });
    function postLimited(url: string, parts: Part[], language = 'id') {
      const { contentType, body } = multipart(parts);
      return supertest(limited).post(url).set('Content-Type', contentType).set('Accept-Language', language).send(body);
    }

    it('stops reading a file larger than any kind the field takes', async () => {
      const response = await postLimited('/api/images', [file('besar.png', samples.png(30_000))]);
      expect(response.status).to.equal(422);
      expect(messageFor(response)).to.equal('File terlalu besar: maksimal 0,01 MB.');
      await expectNothingKept();
    });

    it('holds a file to its own kind’s limit once its kind is known', async () => {
      const image = await postLimited('/api/documents', [file('besar.png', samples.png(20_000))], 'en');
      expect(image.status).to.equal(422);
      expect(messageFor(image)).to.equal('The file is too large: at most 0.01 MB.');
      await expectNothingKept();
      const document = await postLimited('/api/documents', [
        file('modul.pdf', Buffer.concat([samples.pdf(), Buffer.alloc(20_000, 32)])),
      ]);
      expect(document.status).to.equal(201);
    });

    it('takes a file of exactly the limit', async () => {
      const png = samples.png();
      const exact = Buffer.concat([png, Buffer.alloc(10_485 - png.length)]);
      expect((await postLimited('/api/images', [file('pas.png', exact)])).status).to.equal(201);
    });
  });

  describe('file names', () => {
    it('stores under a generated key, whatever the name says', async () => {
      const names = ['../../etc/passwd', '..\\..\\windows\\win.ini', '../../../../../../tmp/x.png', '..', '.htaccess'];
      for (const name of names) {
        const response = await post('/api/images', [file(name, samples.png())]);
        expect(response.status, name).to.equal(201);
        expect(response.body.key).to.match(/^[0-9a-f]{2}\/[0-9a-f]{32}$/);
        expect(response.body.originalName).to.not.match(/[\\/]|^\./);
      }
      const kept = await StoredFile.find().sort({ createdAt: 1 }).lean();
      expect(kept.map((stored) => stored.originalName)).to.have.members(['passwd', 'win.ini', 'x.png', 'file', 'htaccess']);
      // Everything is inside UPLOAD_DIR, as the five keys, and nothing beside it.
      expect((await filesUnder(root)).sort()).to.deep.equal(kept.map((stored) => path.join('uploads', stored.key)).sort());
    });

    it('keeps a non-ASCII name with quotes, without control characters', async () => {
      const response = await post('/api/documents', [file('Laporan "akhir" – Σ ñ\u202Egpj.pdf', samples.pdf())]);
      expect(response.status).to.equal(201);
      expect(response.body.originalName).to.equal('Laporan "akhir" – Σ ñgpj.pdf');
    });
  });

  it('parses the other fields of the form into req.body, and takes an optional file as absent', async () => {
    const response = await post('/api/optional', [
      { name: 'title', value: 'Keselamatan kerja' },
      { name: 'file', filename: '', data: Buffer.alloc(0) }, // an empty file input, as a browser sends it
    ]);
    expect(response.status).to.equal(200);
    expect(response.body).to.deep.equal({ storedFile: null, body: { title: 'Keselamatan kerja' } });
    await expectNothingKept();
  });
});
