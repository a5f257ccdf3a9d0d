import { expect } from 'chai';
import mongoose from 'mongoose';
import supertest from 'supertest';
import { deleteExpiredRecords } from '../../src/cleanup.js';
import { expiryDay, MongoSessionStore } from '../../src/platform/session.js';
import { buildTestApp, loggedInAgent, submitForm } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

describe('sessions', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  before(() => {
    app = buildTestApp();
  });
  const sessions = () => mongoose.connection.collection<{ _id: string; expires: Date; session: string }>('sessions');

  it('gives a visitor reading public pages no session at all', async () => {
    const before = await sessions().countDocuments();
    for (const path of ['/', '/api/docs']) {
      const response = await supertest(app).get(path);
      expect(response.headers['set-cookie'], path).to.equal(undefined);
    }
    expect(await sessions().countDocuments()).to.equal(before);
  });

  it('keeps a logged-in session for 14 days and a visitor session for 2 hours', async () => {
    const user = await makeUser('trainee');
    const agent = await loggedInAgent(app, user.email, user.password);
    const visitor = supertest.agent(app);
    await visitor.get('/login');
    const all = await sessions().find().toArray();
    const days = all.map((record) => (record.expires.getTime() - Date.now()) / 86_400_000).sort((a, b) => a - b);
    expect(days[0]).to.be.closeTo(2 / 24, 0.01);
    expect(days[days.length - 1]).to.be.closeTo(14, 0.01);
    expect((await agent.get('/dashboard')).status).to.equal(200);
  });

  it('keeps a session stored before session epochs logged in, until the password changes', async () => {
    const user = await makeUser('trainee');
    const agent = await loggedInAgent(app, user.email, user.password);
    // Sessions stored before epochs existed hold the account id alone.
    for (const record of await sessions().find().toArray()) {
      const data = JSON.parse(record.session);
      if (data.passport?.user?.id !== user.id) continue;
      data.passport.user = user.id;
      await sessions().updateOne({ _id: record._id }, { $set: { session: JSON.stringify(data) } });
    }
    expect((await agent.get('/profile')).status).to.equal(200);

    const other = await loggedInAgent(app, user.email, user.password);
    const changed = await submitForm(other, '/profile/password', {
      currentPassword: user.password,
      newPassword: 'baru-sekali-123',
      newPasswordConfirm: 'baru-sekali-123',
    });
    expect(changed.status).to.equal(303);
    expect((await agent.get('/profile')).status).to.equal(302);
    expect((await other.get('/profile')).status).to.equal(200);
  });

  it('has the notice stored before the redirect leaves, so a browser following it at once shows the notice', async () => {
    // A browser follows a 303 as soon as its headers arrive, before the body ends: fetch resolves
    // at the same moment, and the next request goes out at once, as a browser's would.
    const user = await makeUser('trainee');
    const server = app.listen(0, '127.0.0.1');
    // A busy database: the write that carries the notice takes a moment.
    const storeSession = MongoSessionStore.prototype.set;
    MongoSessionStore.prototype.set = function (this: MongoSessionStore, sid, data, callback) {
      const slow = 'notice' in data && data.notice;
      setTimeout(() => storeSession.call(this, sid, data, callback), slow ? 300 : 0);
    };
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const agent = await loggedInAgent(app, user.email, user.password);
      const profile = await agent.get('/profile');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(profile.text)![1]!;
      const cookie = agent.jar
        .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
        .map((jarCookie) => `${jarCookie.name}=${jarCookie.value}`)
        .join('; ');
      const changed = await fetch(`${base}/profile/password`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          _csrf: csrf,
          currentPassword: user.password,
          newPassword: 'sandi-baru-sekali',
          newPasswordConfirm: 'sandi-baru-sekali',
        }),
      });
      expect(changed.status).to.equal(303);
      const renewed = changed.headers
        .getSetCookie()
        .find((line) => line.startsWith('kompeten.sid='))!
        .split(';')[0];
      const next = await fetch(`${base}${changed.headers.get('location')}`, { headers: { cookie: renewed! } });
      expect(await next.text()).to.contain('Kata sandi diganti');
      await changed.text();
    } finally {
      MongoSessionStore.prototype.set = storeSession;
      server.close();
    }
  });

  it('does not honour an expired session, and the clean-up deletes it', async () => {
    const user = await makeUser('trainee');
    const agent = await loggedInAgent(app, user.email, user.password);
    const past = new Date(Date.now() - 1000);
    await sessions().updateMany({}, { $set: { expires: past, expiresOn: expiryDay(past) } });
    expect((await agent.get('/dashboard')).status).to.equal(302);
    const removed = await deleteExpiredRecords(mongoose.connection);
    expect(removed.sessions).to.be.greaterThan(0);
    expect(await sessions().countDocuments({ expires: { $lt: new Date() } })).to.equal(0);
  });
});
