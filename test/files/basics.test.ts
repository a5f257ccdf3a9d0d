import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import supertest from 'supertest';
import { acceptedType } from '../../src/files/kinds.js';
import { cleanFileName, downloadName, newStorageKey } from '../../src/files/names.js';
import { sniffMimeType } from '../../src/files/sniff.js';
import { LocalDiskStorage } from '../../src/files/storage.js';
import { ConfigError, loadConfig } from '../../src/platform/config.js';
import { translator } from '../../src/platform/i18n.js';
import { projectRoot } from '../../src/platform/paths.js';
import { buildTestApp, csrfTokenOf } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { multipart, samples } from './samples.js';

/**
 * A Word 97–2003 style compound file (MS-CFB version 3, 512-byte sectors): a header, one FAT
 * sector and one directory sector holding the root and a single stream named `streamName`.
 */
function compoundFile(streamName: string): Buffer {
  const sector = 512;
  const noStream = 0xffffffff;
  const header = Buffer.alloc(sector);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header, 0);
  header.writeUInt16LE(0x3e, 24); // minor version
  header.writeUInt16LE(3, 26); // major version
  header.writeUInt16LE(0xfffe, 28); // little-endian
  header.writeUInt16LE(9, 30); // 512-byte sectors
  header.writeUInt16LE(6, 32); // 64-byte mini sectors
  header.writeUInt32LE(1, 44); // one FAT sector
  header.writeUInt32LE(1, 48); // the directory starts at sector 1
  header.writeUInt32LE(4096, 56); // mini stream cut-off
  header.writeUInt32LE(0xfffffffe, 60); // no mini FAT
  header.writeUInt32LE(0xfffffffe, 68); // no further DIFAT sectors
  header.fill(0xff, 76); // the DIFAT: unused...
  header.writeUInt32LE(0, 76); // ...but for the FAT in sector 0
  const fat = Buffer.alloc(sector, 0xff);
  fat.writeUInt32LE(0xfffffffd, 0); // sector 0 is the FAT
  fat.writeUInt32LE(0xfffffffe, 4); // sector 1, the directory, ends its chain
  const directory = Buffer.alloc(sector);
  const entry = (index: number, name: string, type: number, child: number) => {
    const offset = index * 128;
    directory.write(name, offset, 'utf16le');
    directory.writeUInt16LE((name.length + 1) * 2, offset + 64);
    directory.writeUInt8(type, offset + 66);
    directory.writeUInt32LE(noStream, offset + 68);
    directory.writeUInt32LE(noStream, offset + 72);
    directory.writeUInt32LE(child, offset + 76);
  };
  entry(0, 'Root Entry', 5, 1);
  entry(1, streamName, 2, noStream);
  return Buffer.concat([header, fat, directory]);
}

describe('files: names, types, configuration and messages', () => {
  let folder: string;
  before(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'kompeten-basics-'));
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  async function sniff(data: Buffer) {
    const file = path.join(folder, newStorageKey().replace('/', '-'));
    await writeFile(file, data);
    return sniffMimeType(file);
  }

  it('tells Word, Excel and PowerPoint 97–2003 files apart from other compound files', async () => {
    expect(await sniff(compoundFile('WordDocument'))).to.equal('application/msword');
    expect(await sniff(compoundFile('Workbook'))).to.equal('application/vnd.ms-excel');
    expect(await sniff(compoundFile('PowerPoint Document'))).to.equal('application/vnd.ms-powerpoint');
    // An MSI installer is a compound file too, with streams of other names.
    expect(await sniff(compoundFile('\u4840\u3b3f\u4577\u45ec'))).to.equal(undefined);
    expect(await sniff(compoundFile('WordDocument').subarray(0, 700))).to.equal(undefined); // cut short
  });

  it('recognises no text format, so HTML and SVG can never pass as a kind', async () => {
    expect(await sniff(samples.html())).to.equal(undefined);
    expect(await sniff(samples.svg())).to.equal(undefined);
    // With an XML declaration an SVG is "XML", which no kind takes either.
    const declared = await sniff(Buffer.concat([Buffer.from('<?xml version="1.0"?>'), samples.svg()]));
    expect(declared).to.equal('application/xml');
    expect(acceptedType(declared ?? '')).to.equal(undefined);
  });

  it('cleans file names for display and names downloads by their real type', () => {
    expect(cleanFileName('C:\\Users\\Siti\\Tugas 1.docx')).to.equal('Tugas 1.docx');
    expect(cleanFileName('../../etc/passwd')).to.equal('passwd');
    expect(cleanFileName('..')).to.equal('file');
    expect(cleanFileName(' foto\u202Egpj.exe ')).to.equal('fotogpj.exe');
    expect(cleanFileName(`${'a'.repeat(300)}.pdf`))
      .to.have.length(200)
      .and.match(/a\.pdf$/);
    expect(downloadName('gambar', 'image/png')).to.equal('gambar.png');
    expect(downloadName('skrip.exe', 'application/pdf')).to.equal('skrip.exe.pdf');
    expect(downloadName('Modul.PDF', 'application/pdf')).to.equal('Modul.PDF');
  });

  it('refuses a storage key that is not one it made', async () => {
    const storage = new LocalDiskStorage(folder);
    for (const key of ['../outside', 'ab/../../x', '/etc/passwd', 'AB/0123']) {
      let refused = false;
      await storage.stat(key).catch(() => {
        refused = true;
      });
      expect(refused, key).to.equal(true);
    }
  });

  it('reads the upload folder and limits from the environment', () => {
    const defaults = loadConfig({});
    expect(defaults.uploadDir).to.equal(path.join(projectRoot, 'uploads'));
    expect(defaults.uploadMaxMb).to.deep.equal({ video: 500, document: 25, image: 10 });
    const set = loadConfig({ UPLOAD_DIR: '/srv/kompeten/files', UPLOAD_MAX_VIDEO_MB: '1024', UPLOAD_MAX_IMAGE_MB: '2.5' });
    expect(set.uploadDir).to.equal('/srv/kompeten/files');
    expect(set.uploadMaxMb).to.deep.equal({ video: 1024, document: 25, image: 2.5 });
    expect(() => loadConfig({ UPLOAD_MAX_DOCUMENT_MB: 'banyak', UPLOAD_MAX_IMAGE_MB: '0' }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.contains('UPLOAD_MAX_DOCUMENT_MB')
      .and.contains('UPLOAD_MAX_IMAGE_MB');
  });

  it('says the size limit in each language, with its number written the local way', () => {
    expect(translator('id')('files.errors.tooLarge', { max: 25 })).to.equal('File terlalu besar: maksimal 25 MB.');
    expect(translator('en')('files.errors.tooLarge', { max: 25 })).to.equal('The file is too large: at most 25 MB.');
    expect(translator('id')('files.errors.tooLarge', { max: 2.5 })).to.equal('File terlalu besar: maksimal 2,5 MB.');
  });

  describe('CSRF for upload forms, which send the token in the action URL', () => {
    useTestDatabase(import.meta.url);

    it('takes the token from the URL for a multipart form only', async () => {
      const agent = supertest.agent(buildTestApp());
      const token = await csrfTokenOf(agent);
      const { contentType, body } = multipart([{ name: 'title', value: 'x' }]);
      // Past the CSRF check, the request reaches routing: no such page.
      const withToken = await agent
        .post(`/no-such-upload?_csrf=${encodeURIComponent(token)}`)
        .set('Content-Type', contentType)
        .send(body);
      expect(withToken.status).to.equal(404);
      const withoutToken = await agent.post('/no-such-upload').set('Content-Type', contentType).send(body);
      expect(withoutToken.status).to.equal(403);
      const wrongToken = await agent.post('/no-such-upload?_csrf=forged').set('Content-Type', contentType).send(body);
      expect(wrongToken.status).to.equal(403);
      const urlencoded = await agent
        .post(`/no-such-upload?_csrf=${encodeURIComponent(token)}`)
        .type('form')
        .send({ title: 'x' });
      expect(urlencoded.status).to.equal(403);
    });
  });
});
