/// <reference lib="dom" />
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { Enrollment } from '../../src/enrolment/model.js';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { logIn, onPhone, until, useBrowserSession } from '../support/browser.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

/** The progress events the device keeps under `key` (one account's queue). */
const queueOf = (page: Page, key: string): Promise<{ id: string; account: string; kind: string; lesson: string }[]> =>
  page.evaluate((storeKey) => JSON.parse(localStorage.getItem(storeKey) ?? '[]'), key);

describe('browser: lessons on a weak connection', function () {
  this.timeout(60_000);
  useTestDatabase(import.meta.url);
  const session = useBrowserSession();

  it('keeps opened lessons readable offline and sends progress made offline once the connection returns', async () => {
    const setup = await makeCohortSetup({ shape: [3] });
    const trainee = await makeUser('trainee', setup.institution, { name: 'Rina Offline' });
    const enrollment = await applyOnBehalf(setup.coordinator, setup.cohort, trainee.id, { source: 'staff', enrolNow: true });
    const [first, second] = setup.program.lessons as [string, string];
    const { page, context } = session;
    const lessonPath = (lesson: string) => `/learn/${setup.cohort}/lessons/${lesson}`;
    const completed = async () => (await Enrollment.findById(enrollment.id).lean())?.progress?.completed ?? [];

    const queueKey = `kompeten.progress.v2:${trainee.id}`;
    await logIn(page, trainee.email, trainee.password);

    await page.goto(lessonPath(first));
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    // Once the worker controls the page, the lessons opened are kept on the device.
    await until('the service worker controls the page', async () => {
      await page.reload();
      return page.evaluate(() => Boolean(navigator.serviceWorker.controller));
    });
    await page.goto(lessonPath(second));
    await page.goto(lessonPath(first));

    await context.setOffline(true);
    await page.goto(lessonPath(second));
    expect(await page.locator('h1').textContent()).to.equal('Materi 1.2');
    expect(await page.locator('.lesson-body').textContent()).to.include('Isi materi 1.2.');
    await page.click('#completion-form button');
    expect(await page.locator('#lesson-status').textContent()).to.include('Tersimpan di perangkat ini');
    expect(await completed(), 'nothing reached the server while offline').to.deep.equal([]);
    const queued = await page.evaluate((key) => localStorage.getItem(key), queueKey);
    const completions = JSON.parse(queued ?? '[]').filter((event: { kind: string }) => event.kind === 'complete');
    expect(completions.map((event: { lesson: string }) => event.lesson)).to.deep.equal([second]);

    await context.setOffline(false);
    await until('the queued completion reaches the server', async () => (await completed()).includes(second));
    await until('the device forgets what was sent', async () => (await queueOf(page, queueKey)).length === 0);

    // A replay of the same queue (a response lost on the way back) changes nothing.
    await page.evaluate(
      ({ key, events }) => {
        localStorage.setItem(key, events ?? '[]');
        window.dispatchEvent(new Event('online'));
      },
      { key: queueKey, events: queued },
    );
    await until('the replay is sent', async () => (await queueOf(page, queueKey)).length === 0);
    expect(await completed()).to.deep.equal([second]);
    // Opening the lesson offline made it the one to resume, also sent when back online.
    expect((await Enrollment.findById(enrollment.id).lean())?.progress?.lastLesson).to.equal(second);

    await page.goto('/learning');
    expect(await page.locator('main').textContent()).to.include('1 dari 3 materi selesai');
  });
  it('shows a lesson done offline at once on a 360 px phone, takes a second tap as harmless and counts it in the progress shown', async () => {
    const setup = await makeCohortSetup({ shape: [3] });
    const trainee = await makeUser('trainee', setup.institution, { name: 'Sari Dua Ketuk' });
    const enrollment = await applyOnBehalf(setup.coordinator, setup.cohort, trainee.id, { source: 'staff', enrolNow: true });
    const [first] = setup.program.lessons as [string];
    const lessonPath = `/learn/${setup.cohort}/lessons/${first}`;
    const completed = async () => (await Enrollment.findById(enrollment.id).lean())?.progress?.completed ?? [];
    const queueKey = `kompeten.progress.v2:${trainee.id}`;
    const context = await session.newContext(onPhone);
    try {
      const page = await context.newPage();
      await logIn(page, trainee.email, trainee.password);
      await page.goto(lessonPath);
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
      await until('the service worker controls the page', async () => {
        await page.reload();
        return page.evaluate(() => Boolean(navigator.serviceWorker.controller));
      });
      // Both pages are kept on the device as they were: nothing done yet.
      await page.goto('/learning');
      expect(await page.locator('main').textContent()).to.include('0 dari 3 materi selesai');
      await page.goto(lessonPath);

      await context.setOffline(true);
      await page.goto(lessonPath);
      expect(await page.locator('h1').textContent()).to.equal('Materi 1.1');
      const navigations: string[] = [];
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) navigations.push(frame.url());
      });
      const markDone = page.getByRole('button', { name: 'Tandai selesai' });
      const box = await markDone.boundingBox();
      if (!box) throw new Error('the button to mark the lesson done is not on the page');
      // Two taps on the same spot, as an impatient thumb on a slow phone does.
      await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
      await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForTimeout(300);

      expect(navigations, 'no page was left (no post, no browser error page)').to.deep.equal([]);
      expect(await page.locator('#lesson-status').textContent()).to.include('Tersimpan di perangkat ini');
      expect(await markDone.isVisible(), 'the button to mark it done is gone').to.equal(false);
      expect(await page.getByRole('button', { name: 'Tandai belum selesai' }).isVisible()).to.equal(true);
      expect(await page.locator('main').textContent(), 'the lesson page counts it').to.include('1 dari 3 materi selesai');
      const queued = (await queueOf(page, queueKey)).filter((event) => event.kind === 'complete');
      expect(
        queued.map((event) => event.lesson),
        'one completion waits to be sent',
      ).to.deep.equal([first]);

      // My learning, as the device kept it, counts the completion waiting to be sent.
      await page.goto('/learning');
      expect(await page.locator('main').textContent()).to.include('1 dari 3 materi selesai (33%)');
      expect(
        await page
          .locator('progress')
          .first()
          .evaluate((bar: HTMLProgressElement) => bar.value),
      ).to.equal(33);
      // The lesson, opened again from the device, is still done.
      await page.goto(lessonPath);
      expect(await page.getByRole('button', { name: 'Tandai selesai' }).isVisible()).to.equal(false);
      expect(await page.locator('main').textContent()).to.include('1 dari 3 materi selesai');

      await context.setOffline(false);
      await until('the completion reaches the server', async () => (await completed()).includes(first));
      await until('the device forgets what was sent', async () => (await queueOf(page, queueKey)).length === 0);
      expect(await completed(), 'stored once').to.deep.equal([first]);
      expect(await page.locator('#lesson-status').textContent()).to.include('Materi selesai');
      expect(await page.locator('main').textContent(), 'counted once, now by the server').to.include('1 dari 3 materi selesai');
    } finally {
      await context.close();
    }
  });
  it('keeps a queue per account on a shared phone, and sends each account’s progress only as that account', async () => {
    const setup = await makeCohortSetup({ shape: [3] });
    const [, second, third] = setup.program.lessons as [string, string, string];
    const enrolled = async (name: string) => {
      const user = await makeUser('trainee', setup.institution, { name });
      const enrollment = await applyOnBehalf(setup.coordinator, setup.cohort, user.id, { source: 'staff', enrolNow: true });
      return { user, enrollment, key: `kompeten.progress.v2:${user.id}` };
    };
    const [rina, budi] = [await enrolled('Rina Bergantian'), await enrolled('Budi Bergantian')];
    const completed = async (id: string) => (await Enrollment.findById(id).lean())?.progress?.completed ?? [];
    const lessonPath = (lesson: string) => `/learn/${setup.cohort}/lessons/${lesson}`;
    // One phone, one browser profile; without the service worker, so that every request is seen here.
    const context = await session.newContext({ serviceWorkers: 'block' });
    try {
      const page = await context.newPage();
      let loggedIn = '';
      const sent: { loggedIn: string; accounts: string[] }[] = [];
      let answeredUnavailable = 0;
      let databaseDown = true;
      await page.route('**/api/v1/progress', async (route) => {
        const events = (route.request().postDataJSON()?.events ?? []) as { account: string }[];
        sent.push({ loggedIn, accounts: events.map((event) => event.account) });
        if (!databaseDown) return route.continue();
        answeredUnavailable += 1;
        return route.fulfill({
          status: 503,
          headers: { 'Retry-After': '1' },
          contentType: 'application/problem+json',
          body: JSON.stringify({ type: 'about:blank', title: 'Service unavailable', status: 503 }),
        });
      });
      const logOut = () =>
        Promise.all([page.waitForURL((url) => url.pathname === '/'), page.click('form[action="/logout"] button')]);

      // Rina marks a lesson done while the server cannot store it: her phone keeps it, then she logs out.
      await logIn(page, rina.user.email, rina.user.password);
      loggedIn = rina.user.id;
      await page.goto(lessonPath(second));
      await page.click('#completion-form button');
      await until('the server answered 503', async () => answeredUnavailable > 0);
      const rinasQueue = await queueOf(page, rina.key);
      expect(rinasQueue.filter((event) => event.kind === 'complete').map((event) => event.lesson)).to.deep.equal([second]);
      expect(
        rinasQueue.every((event) => event.account === rina.user.id),
        'her events name her account',
      ).to.equal(true);
      await logOut();
      expect(await queueOf(page, rina.key), 'logging out keeps her queue').to.deep.equal(rinasQueue);

      // Budi logs in on the same phone, with the server back: only his own progress is sent, as his.
      databaseDown = false;
      await logIn(page, budi.user.email, budi.user.password);
      loggedIn = budi.user.id;
      await page.goto(lessonPath(third));
      await page.click('#completion-form button');
      await until("Budi's completion reaches the server", async () => (await completed(budi.enrollment.id)).includes(third));
      await page.goto('/learning');
      await until("Budi's queue is sent", async () => (await queueOf(page, budi.key)).length === 0);
      const sentForBudi = sent.filter((request) => request.loggedIn === budi.user.id).flatMap((request) => request.accounts);
      expect(sentForBudi.length).to.be.greaterThan(0);
      expect(new Set(sentForBudi), 'while Budi was logged in').to.deep.equal(new Set([budi.user.id]));
      expect(await completed(budi.enrollment.id)).to.deep.equal([third]);
      expect(await completed(rina.enrollment.id)).to.deep.equal([]);
      expect(await queueOf(page, rina.key), 'Rina’s queue waits for her').to.deep.equal(rinasQueue);

      // Rina comes back: her queue is sent, as hers.
      await logOut();
      await logIn(page, rina.user.email, rina.user.password);
      loggedIn = rina.user.id;
      await page.goto('/learning');
      await until("Rina's completion reaches the server", async () => (await completed(rina.enrollment.id)).includes(second));
      await until("Rina's queue is sent", async () => (await queueOf(page, rina.key)).length === 0);
      expect(await completed(rina.enrollment.id)).to.deep.equal([second]);
      expect(await completed(budi.enrollment.id)).to.deep.equal([third]);
      const sentForRina = sent.filter((request) => request.loggedIn === rina.user.id).flatMap((request) => request.accounts);
      expect(new Set(sentForRina)).to.deep.equal(new Set([rina.user.id]));
    } finally {
      await context.close();
    }
  });
});
