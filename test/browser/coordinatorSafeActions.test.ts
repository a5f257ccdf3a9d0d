/// <reference lib="dom" />
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { Enrollment } from '../../src/enrolment/model.js';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { completeLesson } from '../../src/learning/service.js';
import { logIn, useBrowserSession } from '../support/browser.js';
import { makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

const viewports = [
  { name: 'phone', width: 360, height: 740 },
  { name: 'desktop', width: 1280, height: 800 },
] as const;

/** The header's visible pieces lie on one line: their boxes overlap vertically. */
async function headerOnOneLine(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const visible = Array.from(document.querySelectorAll('header.site > *'))
      .map((element) => element.getBoundingClientRect())
      .filter((box) => box.width > 0 && box.height > 0);
    const top = Math.max(...visible.map((box) => box.top));
    const bottom = Math.min(...visible.map((box) => box.bottom));
    return visible.length >= 3 && top < bottom;
  });
}

describe('browser: a coordinator’s consequential actions ask first, and a completion is revoked, not undone; the menu fits a phone', function () {
  this.timeout(90_000);
  useTestDatabase(import.meta.url);
  const session = useBrowserSession();

  for (const viewport of viewports) {
    it(`approves a completion only after saying what it records, and a mistake is revoked with a reason (${viewport.width} px)`, async () => {
      const { page, context } = session;
      await context.clearCookies();
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      const setup = await makeCohortSetup({ shape: [4, 3] });
      const person = await makeUser('trainee', setup.institution, { name: `Rina Wulandari ${viewport.name}` });
      const enrollment = await applyOnBehalf(setup.coordinator, setup.cohort, person.id, { source: 'staff', enrolNow: true });
      await completeLesson(
        { id: person.id, role: 'trainee', institution: setup.institution },
        setup.cohort,
        setup.program.lessons[0]!,
      );
      const status = async () => (await Enrollment.findById(enrollment.id, { status: 1 }).lean())?.status;

      await logIn(page, setup.coordinatorUser.email, setup.coordinatorUser.password);
      await page.goto(`/cohorts/${setup.cohort}/roster`);
      const row = page.locator('tr', { hasText: `Rina Wulandari ${viewport.name}` });
      await row.getByRole('link', { name: /^Setujui kelulusan/ }).click();

      await page.waitForURL(`**/enrolments/${enrollment.id}/complete`);
      expect(await page.getByRole('heading', { level: 1 }).innerText()).to.equal(
        `Setujui kelulusan Rina Wulandari ${viewport.name}?`,
      );
      expect(await page.locator('[data-lessons]').innerText()).to.equal('1 dari 7 materi selesai.');
      // Cancel: back to the cohort's completion page, nothing changed.
      await page.getByRole('link', { name: 'Batal' }).click();
      await page.waitForURL(`**/cohorts/${setup.cohort}/completion`);
      expect(await status()).to.equal('enrolled');

      await page.goto(`/enrolments/${enrollment.id}/complete`);
      await page.getByRole('button', { name: 'Setujui kelulusan' }).click();
      await page.waitForURL(/\/completion-records\/[0-9a-f]{24}\?saved=approved/);
      expect(await page.getByRole('status').first().innerText()).to.include('Kelulusan disetujui dan catatannya dibekukan.');
      expect(await status()).to.equal('completed');

      await page.getByRole('link', { name: 'Cabut catatan ini' }).click();
      await page.getByLabel('Alasan pencabutan').fill('Salah pilih peserta');
      await page.getByLabel('Terbitkan catatan pengganti dari data saat ini').uncheck();
      await page.getByRole('button', { name: 'Cabut catatan' }).click();
      await page.waitForURL(/\?saved=revoked/);
      expect(await page.getByRole('heading', { level: 1 }).innerText()).to.include('dicabut');
      expect(await page.locator('main').innerText()).to.include('Salah pilih peserta');
      expect(await status()).to.equal('enrolled');
      await page.goto(`/cohorts/${setup.cohort}/roster`);
      expect(await row.getByRole('link', { name: /^Setujui kelulusan/ }).isVisible()).to.equal(true);
    });
  }

  it('keeps every role’s menu on one line on a phone, opening to show every item, and inline on a wide screen', async () => {
    const { page, context } = session;
    const setup = await makeCohortSetup();
    const admin = await makeUser('admin');
    for (const account of [admin, setup.coordinatorUser, setup.instructorUser, await makeUser('trainee', setup.institution)]) {
      await context.clearCookies();
      await page.setViewportSize({ width: 1280, height: 800 });
      await logIn(page, account.email, account.password);
      await page.goto('/catalogue');
      const inline = page.locator('header nav .nav-inline a');
      const labels = await inline.allInnerTexts();
      expect(labels.length, `${account.role}: menu items`).to.be.greaterThan(2);
      expect(await inline.first().isVisible()).to.equal(true);
      expect(await page.locator('header .nav-menu summary').isVisible()).to.equal(false);
      expect(await headerOnOneLine(page), `${account.role} at 1280 px`).to.equal(true);

      await page.setViewportSize({ width: 360, height: 740 });
      expect(await inline.first().isVisible()).to.equal(false);
      const menu = page.locator('header .nav-menu');
      const button = menu.locator('summary');
      expect(await button.innerText()).to.include('Menu');
      expect(await headerOnOneLine(page), `${account.role} at 360 px`).to.equal(true);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(360);
      expect(await menu.locator('a').first().isVisible()).to.equal(false);
      await button.click();
      const items = menu.locator('a');
      expect(await items.allInnerTexts()).to.deep.equal(labels);
      for (const item of await items.all()) expect(await item.isVisible()).to.equal(true);
      // The page the user is on is marked.
      expect(await menu.locator('a[aria-current="page"]').innerText()).to.equal('Katalog');
    }
    // In English too (its language switch, "Bahasa Indonesia", is the longer one).
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Bahasa Indonesia' }).waitFor();
    expect(await page.locator('header .nav-menu summary').innerText()).to.include('Menu');
    expect(await headerOnOneLine(page), 'English at 360 px').to.equal(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(360);
  });
});
