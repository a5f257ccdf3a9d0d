import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import mongoose from 'mongoose';
import supertest from 'supertest';
import { deviceCookie, trustedDeviceOf } from '../../src/auth/device.js';
import { assertLoginAllowed, recordLoginFailure, throttleLimits, throttleWindowMs } from '../../src/auth/throttle.js';
import { deleteExpiredRecords } from '../../src/cleanup.js';
import { TooManyRequestsError } from '../../src/platform/errors.js';
import { buildTestApp, loggedInAgent, submitForm, testSessionSecret } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

describe('login throttling', () => {
  useTestDatabase(import.meta.url);
  let app: ReturnType<typeof buildTestApp>;
  before(() => {
    app = buildTestApp();
  });

  async function failLogins(agent: ReturnType<typeof supertest.agent>, email: string, times: number) {
    for (let attempt = 0; attempt < times; attempt += 1) {
      const response = await submitForm(agent, '/login', { email, password: 'tebakan-salah' });
      expect(response.status).to.equal(401);
    }
  }

  it('blocks an account from one address after repeated failures, with a clear message, even with the right password', async () => {
    const user = await makeUser('trainee');
    const agent = supertest.agent(app);
    await failLogins(agent, user.email, throttleLimits.pair);
    const blocked = await submitForm(agent, '/login', { email: user.email, password: user.password });
    expect(blocked.status).to.equal(429);
    expect(blocked.text).to.match(/Terlalu banyak percobaan masuk yang gagal\. Coba lagi dalam \d+ menit\./);
    expect(Number(blocked.headers['retry-after'])).to.be.within(1, throttleWindowMs / 1000);

    const api = await supertest(app)
      .post('/api/v1/auth/token')
      .set('Accept-Language', 'en')
      .send({ email: user.email, password: user.password });
    expect(api.status).to.equal(429);
    expect(api.body.detail).to.match(/Too many failed login attempts/);
  });

  it('leaves other accounts from the same address alone', async () => {
    const target = await makeUser('trainee');
    const other = await makeUser('trainee');
    const agent = supertest.agent(app);
    await failLogins(agent, target.email, throttleLimits.pair);
    const response = await submitForm(agent, '/login', { email: other.email, password: other.password });
    expect(response.status).to.equal(303);
  });

  it('lets a browser that logged in before through while guessing from many addresses locks the account', async () => {
    const user = await makeUser('trainee');
    // The real user logs in once: the browser now carries the signed device cookie.
    const realBrowser = await loggedInAgent(app, user.email, user.password);
    await submitForm(realBrowser, '/logout', {});

    // An attacker spreads guesses over many addresses until the account limit is reached.
    for (let address = 0; address < throttleLimits.account; address += 1) {
      await recordLoginFailure({ email: user.email, ip: `10.9.${address}.1`, device: null });
    }
    const fromNewBrowser = await submitForm(supertest.agent(app), '/login', { email: user.email, password: user.password });
    expect(fromNewBrowser.status).to.equal(429);

    const fromKnownBrowser = await submitForm(realBrowser, '/login', { email: user.email, password: user.password });
    expect(fromKnownBrowser.status).to.equal(303);
  });

  it('lets a browser that logged in before through despite failures by another client at the same address', async () => {
    const user = await makeUser('trainee');
    const realBrowser = await loggedInAgent(app, user.email, user.password);
    await submitForm(realBrowser, '/logout', {});
    // Someone else in the same lab (one public address) has logged in to their own account here,
    // so they carry a device cookie too, but one for another account.
    const classmate = await makeUser('trainee');
    const attacker = await loggedInAgent(app, classmate.email, classmate.password);
    await submitForm(attacker, '/logout', {});

    const answers: number[] = [];
    for (let attempt = 0; attempt < 20; attempt += 1) {
      answers.push((await submitForm(attacker, '/login', { email: user.email, password: `tebakan-${attempt}` })).status);
    }
    expect(answers.slice(0, throttleLimits.pair)).to.deep.equal(Array(throttleLimits.pair).fill(401));
    expect(answers.at(-1)).to.equal(429);

    const fromNewBrowser = await submitForm(supertest.agent(app), '/login', { email: user.email, password: user.password });
    expect(fromNewBrowser.status).to.equal(429);
    const fromAttacker = await submitForm(attacker, '/login', { email: user.email, password: user.password });
    expect(fromAttacker.status).to.equal(429);

    const fromKnownBrowser = await submitForm(realBrowser, '/login', { email: user.email, password: user.password });
    expect(fromKnownBrowser.status).to.equal(303);
    expect((await realBrowser.get('/dashboard')).status).to.equal(200);
  });

  it('judges a browser that logged in before by its own failures only', async () => {
    const user = await makeUser('trainee');
    const laptop = await loggedInAgent(app, user.email, user.password);
    const phone = await loggedInAgent(app, user.email, user.password);
    await submitForm(laptop, '/logout', {});
    await submitForm(phone, '/logout', {});

    await failLogins(laptop, user.email, throttleLimits.device);
    const laptopAgain = await submitForm(laptop, '/login', { email: user.email, password: user.password });
    expect(laptopAgain.status).to.equal(429);
    expect(laptopAgain.text).to.match(/Coba lagi dalam \d+ menit/);

    const fromPhone = await submitForm(phone, '/login', { email: user.email, password: user.password });
    expect(fromPhone.status).to.equal(303);
  });

  it('keeps a shared computer trusted for each account that logged in on it', async () => {
    const first = await makeUser('trainee');
    const second = await makeUser('trainee');
    const labComputer = await loggedInAgent(app, first.email, first.password);
    await submitForm(labComputer, '/logout', {});
    await submitForm(labComputer, '/login', { email: second.email, password: second.password });
    await submitForm(labComputer, '/logout', {});

    await failLogins(supertest.agent(app), first.email, throttleLimits.pair);
    const back = await submitForm(labComputer, '/login', { email: first.email, password: first.password });
    expect(back.status).to.equal(303);
  });

  it('still trusts a device cookie of the first format (one proof per account), until it is renewed', async () => {
    const user = await makeUser('trainee');
    const firstFormat = createHmac('sha256', testSessionSecret).update(`device:${user.email}`).digest('base64url');
    await failLogins(supertest.agent(app), user.email, throttleLimits.pair);
    const browser = supertest.agent(app);
    browser.jar.setCookie(`${deviceCookie}=${firstFormat}`);
    const login = await submitForm(browser, '/login', { email: user.email, password: user.password });
    expect(login.status).to.equal(303);
    const renewed = /kompeten\.device=([^;]+)/.exec(String(login.headers['set-cookie']))?.[1] ?? '';
    expect(trustedDeviceOf(testSessionSecret, user.email, decodeURIComponent(renewed))).to.match(/^[\w-]{22}$/);
    expect(trustedDeviceOf(testSessionSecret, 'someone-else@example.test', firstFormat)).to.equal(null);
  });

  it('lets the account in again once the window has passed, and cleans the old counters up', async () => {
    const source = { email: 'window@example.test', ip: '10.1.1.1', device: null };
    const start = Math.floor(Date.now() / throttleWindowMs) * throttleWindowMs;
    for (let attempt = 0; attempt < throttleLimits.pair; attempt += 1) await recordLoginFailure(source, start + 1000);
    let error: unknown;
    await assertLoginAllowed(source, start + 2000).catch((caught) => {
      error = caught;
    });
    expect(error).to.be.instanceOf(TooManyRequestsError);
    await assertLoginAllowed(source, start + throttleWindowMs + 1000);

    const removed = await deleteExpiredRecords(mongoose.connection, new Date(start + throttleWindowMs + 1001));
    expect(removed.loginFailures).to.equal(throttleLimits.pair * 3);
  });

  it('counts concurrent failures without losing any', async () => {
    const source = { email: 'race@example.test', ip: '10.2.2.2', device: null };
    const now = Date.now();
    await Promise.all(Array.from({ length: throttleLimits.pair }, () => recordLoginFailure(source, now)));
    let error: unknown;
    await assertLoginAllowed(source, now + 1).catch((caught) => {
      error = caught;
    });
    expect(error).to.be.instanceOf(TooManyRequestsError);
  });
});

describe('login throttling per address', () => {
  useTestDatabase(`${import.meta.url}-address`);

  it('stops one address trying many accounts, but not other addresses', async () => {
    const ip = '10.3.3.3';
    for (let account = 0; account < throttleLimits.address; account += 1) {
      await recordLoginFailure({ email: `orang${account}@example.test`, ip, device: null });
    }
    let error: unknown;
    await assertLoginAllowed({ email: 'baru@example.test', ip, device: null }).catch((caught) => {
      error = caught;
    });
    expect(error).to.be.instanceOf(TooManyRequestsError);
    await assertLoginAllowed({ email: 'baru@example.test', ip: '10.4.4.4', device: null });
    // A browser that logged in to the account before is judged by its own failures, not the address's.
    await assertLoginAllowed({ email: 'baru@example.test', ip, device: 'perangkat-yang-dikenal' });
  });
});
