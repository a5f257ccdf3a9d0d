import { expect } from 'chai';
import mongoose from 'mongoose';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { completeLesson } from '../../src/learning/service.js';
import { loadConfig } from '../../src/platform/config.js';
import { publish } from '../../src/platform/events.js';
import { createLogger } from '../../src/platform/logger.js';
import type { Actor } from '../../src/platform/permissions.js';
import { XapiStatement, type XapiStatementDoc, XapiStore } from '../../src/xapi/model.js';
import { createXapiWorker } from '../../src/xapi/worker.js';
import { type Agent, buildTestServer, csrfTokenOf, loggedInAgent, testSessionSecret, visibleText } from '../support/app.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';
import { checkApiResponses, type OpenApiDocument } from '../support/openapi.js';
import { eventsFor } from './events.js';
import { lrsKey, lrsSecret, startLrs, type TestLrs } from './lrs.js';

const scan = { comment: 'scan: test reset' };
const publicUrl = 'https://lms.blk-test.example.id';

/** The real app with an LRS configured (XAPI_*), on this file's database. */
function appWithLrs(endpoint: string) {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SESSION_SECRET: testSessionSecret,
    UPLOAD_DIR: process.env.TEST_UPLOAD_DIR,
    PUBLIC_URL: publicUrl,
    XAPI_ENDPOINT: endpoint,
    XAPI_USERNAME: lrsKey,
    XAPI_PASSWORD: lrsSecret,
  });
  const server = createApp({
    config,
    log: createLogger('silent'),
    connection: mongoose.connection,
    sessionSecret: testSessionSecret,
  });
  checkApiResponses(server.app, () => server.api.openapiDocument() as OpenApiDocument);
  return server.app;
}

describe('xAPI: the admins page and API, and statements from the real services', () => {
  useTestDatabase(import.meta.url);
  let lrs: TestLrs;
  let app: ReturnType<typeof appWithLrs>;
  const agents: Record<'admin' | 'coordinator' | 'instructor' | 'trainee', Agent> = {} as never;
  let clock = Date.now();
  const worker = (password = lrsSecret) =>
    createXapiWorker({ lrs: { ...lrs.lrs, password }, now: () => clock, random: () => 0.5 });
  const all = () => XapiStatement.find({}, null, scan).lean<XapiStatementDoc[]>();

  before(async () => {
    lrs = await startLrs();
    app = appWithLrs(lrs.endpoint);
    for (const role of ['admin', 'coordinator', 'instructor', 'trainee'] as const) {
      const user = await makeUser(role, role === 'admin' ? null : (await makeInstitution()).id);
      agents[role] = await loggedInAgent(app, user.email, user.password);
    }
  });
  after(async () => {
    await lrs.close();
  });
  beforeEach(async () => {
    clock = Date.now() + 1_000;
    lrs.reset();
    await XapiStatement.deleteMany({}, scan);
    await XapiStore.deleteMany({}, scan);
  });

  it('sends a module completed through the learning service, with the cohort and its program as context', async () => {
    const setup = await makeCohortSetup({ shape: [1, 1] });
    const trainee = await makeUser('trainee', setup.institution);
    await applyOnBehalf(setup.coordinator, setup.cohort, trainee.id, { source: 'staff', enrolNow: true });
    const actor: Actor = { id: trainee.id, role: 'trainee', institution: setup.institution };
    await completeLesson(actor, setup.cohort, setup.program.modules[0]!.lessons[0]!);
    const queued = await all();
    expect(queued.map((statement) => statement.event)).to.deep.equal(['lesson.completed']);
    expect(await worker().tick()).to.equal(1);
    // biome-ignore lint/suspicious/noExplicitAny: the statement as the LRS stored it, read as JSON
    const [statement] = [...lrs.stored.values()] as Record<string, any>[];
    expect(statement!.verb.id).to.equal('http://adlnet.gov/expapi/verbs/completed');
    expect(statement!.actor).to.deep.equal({ objectType: 'Agent', account: { homePage: publicUrl, name: trainee.id } });
    expect(statement!.object.id).to.equal(`${publicUrl}/modules/${setup.program.modules[0]!.id}`);
    expect(statement!.object.definition.name).to.deep.equal({ 'id-ID': 'Modul 1' });
    expect(statement!.context.contextActivities.parent[0].id).to.equal(`${publicUrl}/cohorts/${setup.cohort}`);
    expect(statement!.context.contextActivities.grouping[0].id).to.equal(`${publicUrl}/catalogue/${setup.program.id}`);
    expect(statement!.context.contextActivities.grouping[0].definition.name['id-ID']).to.match(/^Program PRG-/);
    // Completing the same lesson again (a replay) finishes no module anew: nothing more.
    await completeLesson(actor, setup.cohort, setup.program.modules[0]!.lessons[0]!);
    expect(await all()).to.have.length(1);
  });

  it('shows admins the counts, the oldest queued and the last error, and sends failed statements again on "kirim ulang"', async () => {
    const events = eventsFor();
    await publish('assessment.graded', events.graded());
    await publish('live.attended', events.attended());
    await worker('kunci-salah').tick(); // the LRS answers 401: both fail
    await publish('verdict.given', events.verdict());

    let page = await agents.admin.get('/admin/xapi').expect(200);
    let text = visibleText(page.text);
    expect(text).to.contain(`Pernyataan dikirim ke ${lrs.endpoint}/statements`);
    expect(text).to.match(/1 menunggu dikirim/);
    expect(text).to.match(/0 sudah terkirim/);
    expect(text).to.match(/2 ditolak LRS/);
    expect(text).to.contain('401 Unauthorized');
    expect(text).to.contain('Penilaian dinilai');
    expect(text).to.contain('Kirim ulang 2 pernyataan');

    const status = await agents.admin.get('/api/v1/xapi/status').expect(200);
    expect(status.body).to.include({ configured: true, queued: 1, sent: 0, failed: 2 });
    expect(status.body.endpoint).to.equal(`${lrs.endpoint}/statements`);
    expect(status.body.lastError).to.contain('401');
    expect(Date.parse(status.body.oldestQueuedAt)).to.be.closeTo(Date.now(), 60_000);

    const token = await csrfTokenOf(agents.admin, '/admin/xapi');
    await agents.admin
      .post('/admin/xapi/retry')
      .type('form')
      .send({ _csrf: token })
      .expect(303)
      .expect('Location', '/admin/xapi');
    page = await agents.admin.get('/admin/xapi').expect(200);
    expect(visibleText(page.text)).to.contain('2 pernyataan masuk antrean lagi.');
    expect(await worker().tick()).to.equal(3);
    expect(lrs.stored.size).to.equal(3);
    text = visibleText((await agents.admin.get('/admin/xapi').expect(200)).text);
    expect(text).to.match(/3 sudah terkirim/);
    expect(text).to.contain('Tidak ada pernyataan yang ditolak.');
    expect((await agents.admin.get('/api/v1/xapi/status').expect(200)).body).to.include({ queued: 0, sent: 3, failed: 0 });
  });

  it('lets only admins see the page and the API, and take the action (with the CSRF token)', async () => {
    for (const role of ['coordinator', 'instructor', 'trainee'] as const) {
      await agents[role].get('/admin/xapi').expect(403);
      await agents[role].get('/api/v1/xapi/status').expect(403);
      const token = await csrfTokenOf(agents[role], '/dashboard');
      await agents[role].post('/admin/xapi/retry').type('form').send({ _csrf: token }).expect(403);
    }
    await supertest(app).get('/admin/xapi').expect(302);
    await supertest(app).get('/api/v1/xapi/status').expect(401);
    // Without the form's token the action is refused.
    await agents.admin.post('/admin/xapi/retry').type('form').send({}).expect(403);
  });

  it('queues nothing without XAPI_ENDPOINT, and the page says so', async () => {
    const plain = buildTestServer().app; // no LRS: the xAPI follower is gone
    const admin = await makeUser('admin');
    const agent = await loggedInAgent(plain, admin.email, admin.password);
    await publish('assessment.graded', eventsFor().graded());
    expect(await all()).to.have.length(0);
    expect(await createXapiWorker({ lrs: undefined }).tick()).to.equal(0);
    expect(visibleText((await agent.get('/admin/xapi').expect(200)).text)).to.contain(
      'Belum ada LRS yang diatur (XAPI_ENDPOINT)',
    );
    expect((await agent.get('/api/v1/xapi/status').expect(200)).body).to.include({
      configured: false,
      endpoint: null,
      queued: 0,
    });
    app = appWithLrs(lrs.endpoint); // the follower back, for any test after this one
  });
});
