/// <reference lib="dom" />
import { expect } from 'chai';
import type { BrowserContext, Page } from 'playwright-core';
import { logIn, until, useBrowserSession } from '../support/browser.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

const viewports = [
  { width: 360, height: 740 },
  { width: 1280, height: 800 },
];

describe('browser: a forgotten password', function () {
  this.timeout(90_000);
  useTestDatabase(import.meta.url);
  const session = useBrowserSession();
  let setup: Awaited<ReturnType<typeof makeCohortSetup>>;
  const contexts: BrowserContext[] = [];

  /** A browser of its own (cookies and all), at the viewport's size. */
  async function newBrowser(viewport: { width: number; height: number }): Promise<Page> {
    const context = await session.newContext({ viewport });
    contexts.push(context);
    return context.newPage();
  }

  before(async () => {
    setup = await makeCohortSetup();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  for (const viewport of viewports) {
    it(`gets a trainee back in through their coordinator at ${viewport.width} px`, async () => {
      const name = `Ayu Lupa ${viewport.width}`;
      const trainee = await makeUser('trainee', setup.institution, { name });
      const traineePage = await newBrowser(viewport);

      // The trainee asks from the login page and is told the same as anyone would be.
      await traineePage.goto('/login');
      await traineePage.getByRole('link', { name: 'Lupa kata sandi?' }).click();
      await traineePage.waitForURL('**/password/forgot');
      await traineePage.getByLabel('Email atau nomor ponsel').fill(trainee.email);
      await traineePage.getByRole('button', { name: 'Kirim permintaan' }).click();
      await traineePage.waitForURL('**/password/forgot?sent=1');
      expect(await traineePage.getByRole('status').textContent()).to.equal('Permintaan Anda sudah kami terima.');
      expect(await traineePage.getByText('koordinator pelatihan di balai Anda akan melihat permintaan ini').isVisible()).to.equal(
        true,
      );

      // The coordinator sees the request on the dashboard and issues a link.
      const coordinatorPage = await newBrowser(viewport);
      await logIn(coordinatorPage, setup.coordinatorUser.email, setup.coordinatorUser.password);
      const panel = coordinatorPage.locator('#password-resets');
      expect(await panel.isVisible()).to.equal(true);
      expect(await panel.getByText('1 peserta menunggu tautan atur ulang kata sandi.').isVisible()).to.equal(true);
      const request = panel.locator('li', { hasText: name });
      expect(await request.getByText(trainee.email).isVisible()).to.equal(true);
      await request.getByRole('button', { name: 'Buat tautan atur ulang kata sandi' }).click();
      await coordinatorPage.waitForURL('**/password-reset-link');
      const field = coordinatorPage.getByLabel('Tautan', { exact: true });
      expect(await field.isVisible()).to.equal(true);
      const link = await field.inputValue();
      expect(link).to.match(/\/password\/reset\/[\w-]{64}$/);
      expect(await coordinatorPage.getByText('Jangan bagikan tautan ini di grup').isVisible()).to.equal(true);
      const copy = coordinatorPage.getByRole('button', { name: 'Salin tautan' });
      expect(await copy.isVisible()).to.equal(true);
      await copy.click();
      // The clipboard answers asynchronously: wait for the status it leads to.
      await until(
        'the copy is confirmed',
        async () => (await coordinatorPage.locator('.copy-status').textContent()) === 'Tautan disalin.',
      );
      // Answered: the dashboard no longer lists it.
      await coordinatorPage.goto('/dashboard');
      expect(await coordinatorPage.getByText(name).count()).to.equal(0);

      // The trainee opens the link, chooses a new password and is logged in.
      await traineePage.goto(link);
      expect(await traineePage.locator('h1').textContent()).to.equal('Buat kata sandi baru');
      await traineePage.getByLabel('Kata sandi baru').fill('sandi-baru-ayu');
      await traineePage.getByLabel('Ulangi kata sandi').fill('sandi-baru-ayu');
      await traineePage.getByRole('button', { name: 'Simpan kata sandi dan masuk' }).click();
      await traineePage.waitForURL('**/profile');
      // Fails with a timeout unless the notice shows.
      await traineePage.getByText('Kata sandi diganti.').waitFor({ state: 'visible', timeout: 5000 });
      expect(await traineePage.locator('form[action="/logout"]').count()).to.be.greaterThan(0);

      // The old password no longer works; the new one does.
      const other = await newBrowser(viewport);
      await other.goto('/login');
      await other.fill('input[name="email"]', trainee.email);
      await other.fill('input[name="password"]', trainee.password);
      await other.click('form[action="/login"] button[type="submit"]');
      expect(await other.getByRole('alert').first().textContent()).to.contain('Email atau kata sandi salah.');
      await logIn(other, trainee.email, 'sandi-baru-ayu');
    });
  }
});
