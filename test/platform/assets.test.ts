import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import supertest from 'supertest';
import { publicDir, socketIoClientFile } from '../../src/platform/paths.js';
import { enrolledTrainee } from '../learning/helpers.js';
import { buildTestApp } from '../support/app.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';

const oneYear = 'public, max-age=31536000, immutable';
const hashOf = (file: string) =>
  createHash('sha256')
    .update(readFileSync(path.join(publicDir, file)))
    .digest('hex')
    .slice(0, 10);
const linked = (html: string) => [...html.matchAll(/(?:href|src)="(\/public\/[^"]+)"/g)].map((match) => match[1]!);

describe('static files: fingerprinted, cached for a year, compressed', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  it('links the stylesheet and scripts under their content hash, answered with a one-year immutable cache', async () => {
    const { agent } = await enrolledTrainee(app, await makeCohortSetup({ shape: [1] }));
    const page = await agent.get('/learning').expect(200);
    const css = `/public/css/app.${hashOf('/css/app.css')}.css`;
    const js = `/public/js/learning.${hashOf('/js/learning.js')}.js`;
    expect(linked(page.text)).to.include.members([css, js]);
    expect(page.text).not.to.match(/"\/public\/(?:css\/app\.css|js\/learning\.js)"/);
    for (const [url, file] of [
      [css, '/css/app.css'],
      [js, '/js/learning.js'],
    ] as const) {
      const answer = await supertest(app).get(url).set('Accept-Encoding', 'identity').expect(200);
      expect(answer.headers['cache-control']).to.equal(oneYear);
      expect(answer.text).to.equal(readFileSync(path.join(publicDir, file), 'utf8'));
    }
  });

  it('serves the installed Socket.IO client under its hash for a year, compressed, and briefly under its plain name', async () => {
    const client = readFileSync(socketIoClientFile);
    const hash = createHash('sha256').update(client).digest('hex').slice(0, 10);
    const url = `/public/js/vendor/socket.io.min.${hash}.js`;
    const served = await supertest(app).get(url).set('Accept-Encoding', 'gzip').expect(200);
    expect(served.headers['cache-control']).to.equal(oneYear);
    expect(served.headers['content-encoding']).to.equal('gzip');
    expect(served.text).to.equal(client.toString('utf8'));
    const plain = await supertest(app).get('/public/js/vendor/socket.io.min.js').expect(200);
    expect(plain.headers['cache-control']).to.equal('public, max-age=300');
  });

  it('answers an unknown hash with the current file, not kept, and plain URLs with a short cache', async () => {
    const current = readFileSync(path.join(publicDir, 'css', 'app.css'), 'utf8');
    const stale = await supertest(app).get('/public/css/app.0123456789.css').set('Accept-Encoding', 'identity').expect(200);
    expect(stale.text).to.equal(current);
    expect(stale.headers['cache-control']).to.equal('no-cache');
    const plain = await supertest(app).get('/public/css/app.css').set('Accept-Encoding', 'identity').expect(200);
    expect(plain.text).to.equal(current);
    expect(plain.headers['cache-control']).to.equal('public, max-age=300');
    // A hash of a file that does not exist is simply not found, and nothing is kept for a year.
    const missing = await supertest(app).get('/public/css/nothing.0123456789.css').expect(404);
    expect(missing.headers['cache-control'] ?? '').not.to.contain('immutable');
  });

  it('hands the service worker the fingerprinted URLs to keep offline', async () => {
    const worker = await supertest(app).get('/sw.js').expect(200);
    expect(worker.text).to.contain(`'/public/css/app.${hashOf('/css/app.css')}.css'`);
    expect(worker.text).to.contain(`'/public/js/learning.${hashOf('/js/learning.js')}.js'`);
    expect(worker.text).not.to.match(/'\/public\/(?:css\/app\.css|js\/learning\.js)'/);
  });

  it('compresses pages, styles and scripts with gzip when the browser asks for it, and not otherwise', async () => {
    const css = `/public/css/app.${hashOf('/css/app.css')}.css`;
    for (const url of ['/login', css, `/public/js/learning.${hashOf('/js/learning.js')}.js`]) {
      const zipped = await supertest(app).get(url).set('Accept-Encoding', 'gzip').expect(200);
      expect(zipped.headers['content-encoding'], url).to.equal('gzip');
      expect(zipped.headers.vary, url).to.match(/accept-encoding/i);
      const plain = await supertest(app).get(url).set('Accept-Encoding', 'identity').expect(200);
      expect(plain.headers['content-encoding'], url).to.equal(undefined);
      // The login page carries a new CSRF token each time; the files are the same bytes.
      if (url !== '/login') expect(plain.text, url).to.equal(zipped.text);
      else expect(plain.text).to.contain('</html>');
    }
    // A byte range is a part of the file as stored: never compressed.
    const range = await supertest(app).get(css).set('Accept-Encoding', 'gzip').set('Range', 'bytes=0-99').expect(206);
    expect(range.headers['content-encoding']).to.equal(undefined);
    expect(range.text).to.equal(readFileSync(path.join(publicDir, 'css', 'app.css'), 'utf8').slice(0, 100));
  });
});
