/// <reference lib="dom" />
import { expect } from 'chai';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { translator } from '../../src/platform/i18n.js';
import type { Actor } from '../../src/platform/permissions.js';
import { programSchema } from '../../src/programs/schemas.js';
import { createProgram } from '../../src/programs/service.js';
import { unitInput } from '../../src/units/schemas.js';
import { saveUnits } from '../../src/units/service.js';
import { logIn, useBrowserSession } from '../support/browser.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeUser } from '../support/factories.js';

const t = translator('id');
const unitCode = 'J.620100.004.02';
/** A second unit with a criterion 1.1 of its own: a question tagged with both keeps the two apart. */
const otherUnit = 'J.620100.005.02';
const textOf = async (locator: Locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

describe('browser: an instructor builds a question bank', function () {
  this.timeout(90_000);
  useTestDatabase(import.meta.url);
  const contexts: BrowserContext[] = [];
  after(async () => {
    for (const context of contexts) await context.close();
  });
  const session = useBrowserSession();
  let instructor: { email: string; password: string };
  let program: string;

  before(async () => {
    const institution = (await makeInstitution()).id;
    const coordinator: Actor = { id: (await makeUser('coordinator', institution)).id, role: 'coordinator', institution };
    await saveUnits(coordinator, [
      unitInput.parse({
        code: unitCode,
        title: { id: 'Menggunakan Struktur Data' },
        elements: [
          { no: 1, title: 'Mengidentifikasi struktur data', criteria: [{ no: '1.1', text: 'Konsep data diidentifikasi' }] },
        ],
      }),
      unitInput.parse({
        code: otherUnit,
        title: { id: 'Mengimplementasikan User Interface' },
        elements: [{ no: 1, title: 'Membuat rancangan', criteria: [{ no: '1.1', text: 'Mock-up dibuat' }] }],
      }),
    ]);
    const user = await makeUser('instructor', institution);
    instructor = user;
    const owner: Actor = { id: user.id, role: 'instructor', institution };
    program = await createProgram(
      owner,
      programSchema.parse({ code: 'JWP', title: 'Junior Web Programmer', level: 2, units: [unitCode, otherUnit] }),
    );
  });

  async function pageAt(width: number, height: number): Promise<Page> {
    const context = await session.newContext({ viewport: { width, height }, isMobile: width < 500, hasTouch: width < 500 });
    contexts.push(context);
    const page = await context.newPage();
    await logIn(page, instructor.email, instructor.password);
    return page;
  }

  /** Nothing sticks out sideways: the page fits the screen's width. */
  const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  for (const [width, height] of [
    [360, 740],
    [1280, 800],
  ] as const) {
    it(`at ${width} px: writes a single-choice question, finds it listed, previews it, and sees a bad import line reported`, async () => {
      const page = await pageAt(width, height);
      await page.goto(`/programs/${program}`);
      await page.getByRole('link', { name: t('assessments.bank.programLink') }).click();
      await page.waitForURL(`**/programs/${program}/questions`);
      await page.getByRole('link', { name: `+ ${t('assessments.bank.new')}` }).click();

      // The type first, then its fields.
      await page.getByLabel(t('assessments.types.single')).check();
      await page.getByRole('button', { name: t('assessments.bank.next') }).click();
      const question = `Struktur data LIFO (${width} px) adalah …`;
      await page.getByLabel(t('assessments.bank.fields.text')).fill(question);
      for (const [index, option] of ['Stack', 'Queue', 'Tree'].entries()) {
        await page.getByLabel(t('assessments.bank.fields.option', { n: index + 1 }), { exact: true }).fill(option);
      }
      await page
        .getByRole('radio', { name: `${t('assessments.bank.fields.correct')} ${t('assessments.bank.fields.option', { n: 1 })}` })
        .check();
      // Criterion 1.1 of each unit, ticked under its own unit.
      await page.getByLabel(unitCode).check();
      await page.getByLabel('1.1 Konsep data diidentifikasi').check();
      await page.getByLabel(otherUnit).check();
      await page.getByLabel('1.1 Mock-up dibuat').check();
      expect(await fitsWidth(page), 'the form fits the screen').to.equal(true);
      await page.getByRole('button', { name: t('actions.save') }).click();

      // The preview: the question as a trainee sees it, then its key.
      await page.waitForURL(/\/questions\/[0-9a-f]{24}\?saved=created$/);
      await expect(await page.getByRole('status').textContent()).to.include(t('assessments.bank.saved.created'));
      const preview = page.getByRole('region', { name: t('assessments.bank.asTrainee') });
      expect(await preview.getByRole('radio').count()).to.equal(3);
      expect(await textOf(preview))
        .to.include(question.replace(' …', ''))
        .and.include('Queue');
      expect(await textOf(page.locator('.question-key'))).to.include('✓ Stack');
      const tags = `${unitCode} · ${t('assessments.bank.criteriaShort')} 1.1 · ${otherUnit} · ${t('assessments.bank.criteriaShort')} 1.1`;
      expect(await textOf(page.locator('main'))).to.include(tags);
      expect(await fitsWidth(page), 'the preview fits the screen').to.equal(true);

      // Listed in the bank, under its unit.
      await page.getByRole('link', { name: `← ${t('assessments.bank.title')}` }).click();
      const item = page.locator('.question-list li', { hasText: question.replace(' …', '') });
      await expect(await item.isVisible()).to.equal(true);
      expect(await textOf(item))
        .to.include(t('assessments.types.single'))
        .and.include(tags);
      expect(await fitsWidth(page), 'the list fits the screen').to.equal(true);

      // An import with a bad question: nothing stored, its line named.
      await page.getByRole('link', { name: t('assessments.bank.import.title') }).click();
      await page
        .getByLabel(t('assessments.bank.import.paste'))
        .fill(`Soal yang benar (${width}). {=Benar ~Salah}\n\nSoal rusak tanpa kurung tutup {\n=Ya\n~Tidak`);
      await page.getByRole('button', { name: t('assessments.bank.import.submit') }).click();
      const report = page.locator('#import-report');
      await report.waitFor();
      expect(await textOf(report)).to.include(
        `${t('assessments.bank.import.line', { line: 3 })}: ${t('assessments.import.gift.unclosedBrace')}`,
      );
      expect(await fitsWidth(page), 'the report fits the screen').to.equal(true);
      await page.goto(`/programs/${program}/questions`);
      expect(await page.locator('.question-list li', { hasText: `Soal yang benar (${width})` }).count()).to.equal(0);
    });

    it(`at ${width} px: adds a question with a photo, sees it whole and small in the preview and as a thumbnail in the list`, async () => {
      const page = await pageAt(width, height);
      await page.goto(`/programs/${program}/questions/new?type=trueFalse`);
      const question = `Konektor pada gambar adalah RJ45 (${width} px).`;
      await page.getByLabel(t('assessments.bank.fields.text')).fill(question);
      await page.getByLabel(t('assessments.bank.true'), { exact: true }).check();
      // A tall photo: bounded so the answers stay on a phone's screen.
      const photo = await sharp({ create: { width: 1200, height: 1800, channels: 3, background: '#1f618d' } })
        .jpeg()
        .toBuffer();
      await page
        .getByLabel(t('assessments.bank.image.file'))
        .setInputFiles({ name: 'rj45.jpg', mimeType: 'image/jpeg', buffer: photo });
      // Saved without the alt text: refused, said beside it, and the photo must be chosen again.
      await page.getByRole('button', { name: t('actions.save') }).click();
      await page.waitForURL(`**/programs/${program}/questions?*`);
      expect(await textOf(page.locator('#f-imageAlt-error'))).to.equal(t('assessments.errors.imageAlt'));
      expect(await page.locator('#f-image-again').isVisible()).to.equal(true);
      expect(await page.getByLabel(t('assessments.bank.fields.text')).inputValue()).to.equal(question);
      await page
        .getByLabel(t('assessments.bank.image.file'))
        .setInputFiles({ name: 'rj45.jpg', mimeType: 'image/jpeg', buffer: photo });
      await page.getByLabel(t('assessments.bank.image.alt')).fill('Konektor RJ45 di ujung kabel biru');
      expect(await fitsWidth(page), 'the form fits the screen').to.equal(true);
      await page.getByRole('button', { name: t('actions.save') }).click();
      await page.waitForURL(/\/questions\/[0-9a-f]{24}\?saved=created$/);

      const image = page.getByRole('region', { name: t('assessments.bank.asTrainee') }).getByRole('img', {
        name: 'Konektor RJ45 di ujung kabel biru',
      });
      await image.scrollIntoViewIfNeeded();
      await page.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('.question-figure img');
        return Boolean(img?.complete && img.naturalWidth > 0);
      });
      const box = (await image.boundingBox())!;
      expect(box.width).to.be.at.most(Math.min(width, 576));
      expect(box.height).to.be.at.most(384);
      // The phone's copy is what a narrow screen loads.
      const loaded = await image.evaluate((img: HTMLImageElement) => img.currentSrc);
      if (width < 500) expect(loaded).to.match(/\?w=(480|960)$/);
      expect(await fitsWidth(page), 'the preview fits the screen').to.equal(true);

      await page.goto(`/programs/${program}/questions`);
      const thumbnail = page.locator('.question-list li', { hasText: question }).getByRole('img');
      expect(await thumbnail.getAttribute('alt')).to.equal('Konektor RJ45 di ujung kabel biru');
      const small = (await thumbnail.boundingBox())!;
      expect(small.width).to.be.at.most(80);
      expect(await fitsWidth(page), 'the list fits the screen').to.equal(true);
    });
  }
});
