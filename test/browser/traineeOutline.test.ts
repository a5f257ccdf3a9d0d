/// <reference lib="dom" />
import { expect } from 'chai';
import type { Locator, Page, Route } from 'playwright-core';
import { Enrollment } from '../../src/enrolment/model.js';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { cohortWithUnits, unitB } from '../learning/outlineFixtures.js';
import { logIn, until, useBrowserSession } from '../support/browser.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

/** What a person sees of a lesson in the outline: the tick drawn, what a screen reader says, whether it is the current one. */
async function lessonRow(page: Page, title: string) {
  const link = page.locator('.outline-lessons a', { hasText: title });
  const tick = await link
    .locator('.outline-tick')
    .evaluate((element) => getComputedStyle(element, '::after').content.replaceAll('"', ''));
  return {
    ticked: tick === '✓',
    heard: ((await link.textContent()) ?? '').replace(/\s+/g, ' ').trim(),
    current: (await link.getAttribute('aria-current')) === 'step',
  };
}

const textOf = async (locator: Locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ');

const viewports = [
  { width: 360, height: 740, phone: true },
  { width: 1280, height: 800, phone: false },
];

describe('browser: a trainee’s course outline, online and offline', function () {
  this.timeout(90_000);
  useTestDatabase(import.meta.url);
  const session = useBrowserSession();

  for (const viewport of viewports) {
    it(`leads from My learning to the outline and on, ticks lessons done, also offline (${viewport.width} px)`, async () => {
      const setup = await cohortWithUnits({ code: `PRG-OUT-${viewport.width}`, lessonsInB: 2 });
      const trainee = await makeUser('trainee', setup.institution, { name: `Dewi ${viewport.width}` });
      const enrollment = await applyOnBehalf(setup.coordinator, setup.cohort, trainee.id, { source: 'staff', enrolNow: true });
      const completed = async () => (await Enrollment.findById(enrollment.id).lean())?.progress?.completed ?? [];
      const [first, second] = setup.lessons as [string, string];
      const outlinePath = `/learn/${setup.cohort}`;
      const context = await session.newContext({
        viewport: { width: viewport.width, height: viewport.height },
        isMobile: viewport.phone,
        hasTouch: viewport.phone,
      });
      try {
        const page = await context.newPage();
        await logIn(page, trainee.email, trainee.password);

        // From My learning, the cohort's card opens its outline.
        await page.goto('/learning');
        await Promise.all([page.waitForURL(`**${outlinePath}`), page.getByRole('link', { name: 'Daftar isi' }).click()]);
        expect(await page.locator('h1').textContent()).to.equal('Pemrograman Web Dasar');
        const main = page.locator('main');
        expect(await textOf(main))
          .to.include('Angkatan Outline')
          .and.include('0 dari 4 materi selesai (0%)');
        const modules = page.locator('.outline-module h3');
        expect(await modules.allTextContents()).to.deep.equal(['Modul Struktur', 'Modul Basis Data']);
        // Each lesson by its title, in order, its state said to screen readers (and drawn as a tick).
        expect(await page.locator('.outline-lesson-title').allTextContents()).to.deep.equal([
          'Larik, belum selesai',
          'Antrian, belum selesai',
          'Tabel, belum selesai',
          'Relasi, belum selesai',
        ]);
        expect(await page.getByRole('link', { name: /^Larik\s*, belum selesai/ }).count()).to.equal(1);
        expect(await lessonRow(page, 'Larik')).to.deep.include({ ticked: false, current: true });
        expect(await page.locator('.outline-here').textContent()).to.equal('Posisi Anda');
        const units = page.locator('.outline-units');
        expect(await units.isVisible()).to.equal(true);
        expect(await textOf(units))
          .to.include(`${unitB} Unit 2 bahasa`)
          .and.include('Dicakup oleh: Modul Basis Data');

        // Readable at the width: nothing runs off the side, lessons are thumb-sized, and on a phone
        // everything is one column, while a wide screen puts the units beside the lessons.
        const overflow = await page.evaluate(() => {
          const main = document.querySelector('main')!;
          return main.scrollWidth - main.clientWidth;
        });
        expect(overflow, 'nothing of the outline runs off the side').to.be.at.most(0);
        for (const box of await Promise.all((await page.locator('.outline-lessons a').all()).map((link) => link.boundingBox()))) {
          expect(box?.height, 'a lesson is a big tap target').to.be.at.least(44);
        }
        const lessonsBox = (await page.locator('section.outline').boundingBox())!;
        const unitsBox = (await units.boundingBox())!;
        if (viewport.phone) {
          expect(unitsBox.y, 'units below the lessons').to.be.at.least(lessonsBox.y + lessonsBox.height - 1);
          expect(lessonsBox.width).to.be.greaterThan(300);
        } else {
          expect(unitsBox.x, 'units beside the lessons').to.be.at.least(lessonsBox.x + lessonsBox.width);
          expect(Math.abs(unitsBox.y - lessonsBox.y)).to.be.below(5);
        }

        // "Mulai" opens the first lesson; marked done there, the outline ticks it.
        const start = page.getByRole('link', { name: 'Mulai: Larik' });
        expect(await start.isVisible()).to.equal(true);
        await Promise.all([page.waitForURL(`**/lessons/${first}`), start.click()]);
        await page.getByRole('button', { name: 'Tandai selesai' }).click();
        await until('the completion reaches the server', async () => (await completed()).includes(first));
        await Promise.all([page.waitForURL(`**${outlinePath}`), page.getByRole('link', { name: 'Daftar isi' }).click()]);
        expect(await lessonRow(page, 'Larik')).to.deep.equal({ ticked: true, heard: 'Larik, selesai 12 menit', current: false });
        expect(await lessonRow(page, 'Antrian')).to.deep.include({ ticked: false, current: true });
        expect(await textOf(main))
          .to.include('1 dari 4 materi selesai (25%)')
          .and.include('1/2 selesai');

        // The service worker keeps the pages opened from now on.
        await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
        await until('the service worker controls the page', async () => {
          await page.reload();
          return page.evaluate(() => Boolean(navigator.serviceWorker.controller));
        });
        await Promise.all([
          page.waitForURL(`**/lessons/${second}`),
          page.getByRole('link', { name: 'Lanjutkan: Antrian' }).click(),
        ]);
        await page.goto(outlinePath);

        // Offline: the lesson is done on the device, and the outline kept on it ticks it too.
        await context.setOffline(true);
        // Chromium's offline emulation covers pages but not their service worker's own fetches, and a
        // page just navigated to may briefly read navigator.onLine as true: a real phone offline has
        // neither way out, so neither has this one.
        const offline = (route: Route) => route.abort('internetdisconnected');
        await context.route('**/api/v1/**', offline);
        await page.goto(`${outlinePath}/lessons/${second}`);
        await page.getByRole('button', { name: 'Tandai selesai' }).click();
        expect(await page.locator('#lesson-status').textContent()).to.include('Tersimpan di perangkat ini');
        await page.goto(outlinePath);
        expect(await page.locator('h1').textContent(), 'the kept copy, offline').to.equal('Pemrograman Web Dasar');
        expect(await lessonRow(page, 'Antrian')).to.deep.equal({
          ticked: true,
          heard: 'Antrian, selesai 10 menit',
          current: false,
        });
        expect(await lessonRow(page, 'Tabel'), 'the next lesson is now the current one').to.deep.include({
          ticked: false,
          current: true,
        });
        expect(await textOf(main))
          .to.include('2 dari 4 materi selesai (50%)')
          .and.include('2/2 selesai');
        expect(await textOf(units), 'unit B is covered by the module not started').to.include('0/2 selesai');
        const next = page.getByRole('link', { name: 'Lanjutkan: Tabel' });
        expect(await next.isVisible()).to.equal(true);
        expect(await next.getAttribute('href')).to.equal(`${outlinePath}/lessons/${setup.lessons[2]}`);
        expect(await completed(), 'nothing reached the server while offline').to.deep.equal([first]);

        // Back online, the completion is sent, and the outline from the server says the same.
        await context.unroute('**/api/v1/**', offline);
        await context.setOffline(false);
        await until('the queued completion reaches the server', async () => (await completed()).includes(second));
        await page.goto(outlinePath);
        expect(await lessonRow(page, 'Antrian')).to.deep.include({ ticked: true, current: false });
        expect(await textOf(main)).to.include('2 dari 4 materi selesai (50%)');
      } finally {
        await context.close();
      }
    });
  }
});
