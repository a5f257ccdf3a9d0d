/// <reference lib="dom" />
import { expect } from 'chai';
import type { Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { createCohort } from '../../src/cohorts/service.js';
import { applyOnBehalf } from '../../src/enrolment/service.js';
import { publishProgram } from '../../src/programs/publishing.js';
import { logIn, onPhone, useBrowserSession } from '../support/browser.js';
import { cohortFields, makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

/** A wide picture, wider than any phone: a diagram an instructor would upload. */
const diagram = () =>
  sharp({ create: { width: 1800, height: 900, channels: 3, background: '#1f6f8b' } })
    .png()
    .toBuffer();

/** Whether the picture really loaded (scrolled to first: lesson images load lazily). */
async function loaded(image: Locator): Promise<boolean> {
  await image.scrollIntoViewIfNeeded();
  await image.page().waitForFunction((element) => (element as HTMLImageElement).complete, await image.elementHandle());
  return image.evaluate((element) => (element as HTMLImageElement).naturalWidth > 0);
}

describe('browser: images in lessons', function () {
  this.timeout(90_000);
  useTestDatabase(import.meta.url);
  const session = useBrowserSession();

  /** An instructor adds a picture to a lesson and places it in the text, as on this screen size. */
  async function placeImage(page: Page, lesson: string, program: string, alt: string) {
    await page.goto(`/lessons/${lesson}/edit`);
    const body = page.locator('#f-body');
    // Text typed but not saved yet survives the upload (sent in the background).
    await body.fill('Perhatikan gambar ini:');
    await page.setInputFiles('#f-image', { name: 'diagram.png', mimeType: 'image/png', buffer: await diagram() });
    await page.click('#image-upload button[type="submit"]');
    // Without alt text: refused, said beside the field, nothing listed.
    await page.locator('#f-alt-error').waitFor();
    expect(await page.locator('#f-alt-error').textContent()).to.include('Tulis teks alternatif');
    expect(await page.locator('.image-list li').count()).to.equal(0);

    await page.setInputFiles('#f-image', { name: 'diagram.png', mimeType: 'image/png', buffer: await diagram() });
    await page.fill('#f-alt', alt);
    await page.click('#image-upload button[type="submit"]');
    const insert = page.getByRole('button', { name: new RegExp(`^Sisipkan ke teks\\s*: ${alt}$`) });
    await insert.waitFor();
    expect(await body.inputValue()).to.equal('Perhatikan gambar ini:');
    expect(await loaded(page.locator('.image-list img.thumb')), 'the thumbnail loads').to.equal(true);
    expect(await page.locator('.image-list').textContent()).to.include(alt);
    const snippet = await page.locator('.image-list code').textContent();
    expect(snippet).to.match(new RegExp(`^!\\[${alt}\\]\\(gambar:[0-9a-f]{24}\\)$`));

    await body.focus();
    await body.press('End');
    await insert.click();
    expect(await body.inputValue()).to.equal(`Perhatikan gambar ini:\n\n${snippet}`);
    expect(await page.locator('.image-status').textContent()).to.include('Gambar disisipkan');
    await page.click(`form[action$="/lessons/${lesson}"] button[type="submit"]`);
    await page.locator('.alert.success').waitFor();
    expect(await body.inputValue()).to.equal(`Perhatikan gambar ini:\n\n${snippet}`);

    await page.goto(`/programs/${program}/preview/lessons/${lesson}`);
    const image = page.locator('.lesson-body img');
    expect(await image.getAttribute('alt')).to.equal(alt);
    expect(await loaded(image), 'the preview shows the picture').to.equal(true);
    return snippet;
  }

  it('lets an instructor upload, insert and preview a picture at 1280 and 360 px, and a trainee read it on a phone', async () => {
    const setup = await makeCohortSetup({ shape: [2] });
    const [first, second] = setup.program.lessons as [string, string];

    const wide = await session.newContext({ viewport: { width: 1280, height: 800 } });
    const phone = await session.newContext(onPhone);
    try {
      const desk = await wide.newPage();
      await logIn(desk, setup.coordinatorUser.email, setup.coordinatorUser.password);
      await placeImage(desk, first, setup.program.id, 'Diagram jaringan kelas');

      const handheld = await phone.newPage();
      await logIn(handheld, setup.coordinatorUser.email, setup.coordinatorUser.password);
      await placeImage(handheld, second, setup.program.id, 'Skema kabel');
      const editorWidth = await handheld.evaluate(() => document.documentElement.scrollWidth);
      expect(editorWidth, 'the editor fits a phone').to.be.at.most(360);

      await publishProgram(setup.coordinator, setup.program.id);
      const cohort = await createCohort(setup.coordinator, cohortFields(setup.program.id));
      const trainee = await makeUser('trainee', setup.institution);
      await applyOnBehalf(setup.coordinator, cohort, trainee.id, { source: 'staff', enrolNow: true });
      const reader = await phone.newPage();
      await reader.context().clearCookies();
      await logIn(reader, trainee.email, trainee.password);
      await reader.goto(`/learn/${cohort}/lessons/${first}`);
      const image = reader.locator('.lesson-body img');
      expect(await loaded(image), 'the trainee sees the picture').to.equal(true);
      const box = await image.boundingBox();
      expect(box!.width)
        .to.be.greaterThan(200)
        .and.at.most(360 - 16);
      expect(box!.height).to.be.closeTo(box!.width / 2, 2);
      const page = await reader.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      }));
      expect(page.scroll, 'no sideways scrolling').to.be.at.most(page.client);
      // A phone picks a copy made for its width, not the 1600 px one.
      expect(await image.evaluate((element) => (element as HTMLImageElement).currentSrc)).to.match(/\?w=(480|960)$/);

      // Opened once with the service worker in charge, the lesson keeps its picture offline.
      await reader.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
      for (let tries = 0; tries < 50 && !(await reader.evaluate(() => Boolean(navigator.serviceWorker.controller))); tries += 1) {
        await reader.reload();
      }
      await reader.reload();
      expect(await loaded(reader.locator('.lesson-body img'))).to.equal(true);
      await phone.setOffline(true);
      await reader.reload();
      expect(await reader.locator('h1').textContent()).to.equal('Materi 1.1');
      expect(await loaded(reader.locator('.lesson-body img')), 'the picture, offline').to.equal(true);
      await phone.setOffline(false);
    } finally {
      await wide.close();
      await phone.close();
    }
  });
});
