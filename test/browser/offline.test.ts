/// <reference lib="dom" />
import { expect } from 'chai';
import { Enrollment } from '../../src/enrolment/model.js';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { type BrowserSession, logIn, startBrowserSession } from '../support/browser.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

/** Waits until `check` holds, polling; fails with `what` if it never does. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out waiting until ${what}`);
}

describe('browser: lessons on a weak connection', function () {
  this.timeout(60_000);
  useTestDatabase(import.meta.url);
  let session: BrowserSession;

  before(async () => {
    session = await startBrowserSession();
  });
  after(async () => {
    await session?.close();
  });

  it('keeps opened lessons readable offline and sends progress made offline once the connection returns', async () => {
    const setup = await makeCohortSetup({ shape: [3] });
    const trainee = await makeUser('trainee', setup.institution, { name: 'Rina Offline' });
    const enrollment = await applyOnBehalf(setup.coordinator, setup.cohort, trainee.id, { source: 'staff', enrolNow: true });
    const [first, second] = setup.program.lessons as [string, string];
    const { page, context } = session;
    const lessonPath = (lesson: string) => `/learn/${setup.cohort}/lessons/${lesson}`;
    const completed = async () => (await Enrollment.findById(enrollment.id).lean())?.progress?.completed ?? [];

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
    const queued = await page.evaluate(() => localStorage.getItem('kompeten.progress.v1'));
    const completions = JSON.parse(queued ?? '[]').filter((event: { kind: string }) => event.kind === 'complete');
    expect(completions.map((event: { lesson: string }) => event.lesson)).to.deep.equal([second]);

    await context.setOffline(false);
    await until('the queued completion reaches the server', async () => (await completed()).includes(second));
    await until('the device forgets what was sent', async () =>
      page.evaluate(() => JSON.parse(localStorage.getItem('kompeten.progress.v1') ?? '[]').length === 0),
    );

    // A replay of the same queue (a response lost on the way back) changes nothing.
    await page.evaluate((events) => {
      localStorage.setItem('kompeten.progress.v1', events ?? '[]');
      window.dispatchEvent(new Event('online'));
    }, queued);
    await until('the replay is sent', async () =>
      page.evaluate(() => JSON.parse(localStorage.getItem('kompeten.progress.v1') ?? '[]').length === 0),
    );
    expect(await completed()).to.deep.equal([second]);
    // Opening the lesson offline made it the one to resume, also sent when back online.
    expect((await Enrollment.findById(enrollment.id).lean())?.progress?.lastLesson).to.equal(second);

    await page.goto('/learning');
    expect(await page.locator('main').textContent()).to.include('1 dari 3 materi selesai');
  });
});
