import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import mongoose from 'mongoose';
import { pino } from 'pino';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { connectMongoose, disconnectMongoose } from '../../src/platform/db/connect.js';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../../src/platform/db/embedded.js';
import { createDatabaseProbe } from '../../src/platform/db/health.js';
import { testSessionSecret } from '../support/app.js';

/** A GET with its status, body and how long it took, never waiting more than 15 s. */
async function timedGet(base: string, pathname: string, headers: Record<string, string> = {}) {
  const started = Date.now();
  const response = await fetch(`${base}${pathname}`, { headers, signal: AbortSignal.timeout(15_000) });
  return { status: response.status, text: await response.text(), ms: Date.now() - started };
}

/**
 * The database stalls (its process stopped, as a hung disk or a saturated host does): pages and
 * the API answer 503 within a few seconds, /healthz says "down" within 2 s, and all of it comes
 * back without a restart once the database answers again. On a database of its own, since the
 * stall would stop every other test.
 */
describe('a stalled database', function () {
  this.timeout(120_000);
  let dataDir: string;
  let database: EmbeddedDatabase;
  let server: http.Server;
  let base: string;

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'kompeten-stall-'));
    database = await startEmbeddedDatabase({ dataDir, durable: false, log: pino({ level: 'silent' }) });
    await connectMongoose(`${database.uri}/test_stall`, { postgresUrl: database.postgresUrl, queryGuard: 'throw' });
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', SESSION_SECRET: testSessionSecret });
    const { app } = createApp({
      config,
      log: pino({ level: 'silent' }),
      connection: mongoose.connection,
      sessionSecret: testSessionSecret,
    });
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    if (database.pid) process.kill(-database.pid, 'SIGCONT');
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await mongoose.connection.dropDatabase().catch(() => undefined);
    await disconnectMongoose();
    await database.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers 503 in the user’s language within seconds, and recovers by itself', async () => {
    expect((await timedGet(base, '/healthz')).status).to.equal(200);
    expect((await timedGet(base, '/login')).status).to.equal(200);
    // FerretDB and its watchdog stop; the connections stay open and nothing answers on them.
    process.kill(-database.pid!, 'SIGSTOP');
    // A probe that first connects during the stall (an app started then) must recover too.
    const lateProbe = createDatabaseProbe(`${database.uri}/test_stall`);
    try {
      expect(await lateProbe.isUp(), 'a probe made during the stall').to.equal(false);
      const [health, page, api, login] = await Promise.all([
        timedGet(base, '/healthz'),
        timedGet(base, '/catalogue', { 'Accept-Language': 'id' }),
        timedGet(base, '/api/v1/catalogue', { 'Accept-Language': 'en' }),
        timedGet(base, '/login'),
      ]);
      expect(health.status).to.equal(503);
      expect(JSON.parse(health.text)).to.deep.equal({ status: 'unavailable', database: 'down' });
      expect(health.ms, '/healthz answers within 2 s').to.be.below(2_000);
      expect(page.status).to.equal(503);
      expect(page.text).to.contain('Basis data sedang tidak menjawab');
      expect(page.ms, 'a page answers within 5 s').to.be.below(5_000);
      expect(api.status).to.equal(503);
      expect(JSON.parse(api.text)).to.include({ status: 503, title: 'Service unavailable' });
      // The login page needs no read, only its session saved: it is sent, or refused, in time.
      expect(login.ms, 'the login page answers within 5 s').to.be.below(5_000);
    } finally {
      process.kill(-database.pid!, 'SIGCONT');
    }
    let health = await timedGet(base, '/healthz');
    for (let attempt = 0; attempt < 50 && health.status !== 200; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      health = await timedGet(base, '/healthz');
    }
    expect(health.status, 'healthy again').to.equal(200);
    let late = await lateProbe.isUp();
    for (let attempt = 0; attempt < 20 && !late; attempt += 1) late = await lateProbe.isUp();
    await lateProbe.close();
    expect(late, 'the probe made during the stall sees the database again').to.equal(true);
    const page = await timedGet(base, '/login');
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('name="_csrf"');
    expect((await timedGet(base, '/api/v1/catalogue')).status).to.equal(200);
  });
});
