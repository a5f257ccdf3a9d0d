/// <reference lib="dom" />
import { expect } from 'chai';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { type Language, translator } from '../../src/platform/i18n.js';
import type { Actor } from '../../src/platform/permissions.js';
import { Program } from '../../src/programs/model.js';
import { saveUnits } from '../../src/units/service.js';
import { logIn, useBrowserSession } from '../support/browser.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeSector, makeUser } from '../support/factories.js';
import { unitInput } from '../units/fixtures.js';

/** A message as the app shows it, with `{{name}}` filled in: the test reads what a user reads. */
function text(key: string, values: Record<string, string | number> = {}, language: Language = 'id'): string {
  const message = translator(language)(key, values);
  if (message === key) throw new Error(`No ${language} text for ${key}`);
  return message;
}

const webUi = unitInput('J.620100.005.02', 'Mengimplementasikan User Interface Web');
const webPage = unitInput('J.620100.017.02', 'Membuat Halaman Web Statis');
const database = unitInput('J.620100.020.02', 'Mengelola Basis Data');
const cafe = unitInput('I.55HDR00.001.2', 'Melayani Tamu Kafe', { sector: 'tourism' });
const others = Array.from({ length: 12 }, (_, index) =>
  unitInput(`J.620100.1${String(index).padStart(2, '0')}.01`, `Unit Pendukung ${index + 1}`),
);

/** An element's text as a reader takes it in: runs of spaces and line breaks read as one space. */
const textOf = async (locator: Locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

describe('browser: an instructor picks competency units for a program', function () {
  this.timeout(90_000);
  useTestDatabase(import.meta.url);
  let instructor: { email: string; password: string };
  const contexts: BrowserContext[] = [];
  // Registered first, so that it runs before the session's own `after` closes the browser.
  after(async () => {
    for (const context of contexts) await context.close();
  });
  const session = useBrowserSession();

  before(async () => {
    const institution = (await makeInstitution()).id;
    await makeSector('ict');
    await makeSector('tourism');
    const coordinator = await makeUser('coordinator', institution);
    instructor = await makeUser('instructor', institution);
    const approver: Actor = { id: coordinator.id, role: 'coordinator', institution };
    await saveUnits(approver, [webUi, webPage, database, cafe, ...others]);
  });

  /** A fresh browser (its own cookies) at this size, logged in as the instructor. */
  async function instructorPage(options: { width: number; height: number; touch?: boolean; javaScript?: boolean }) {
    const context = await session.newContext({
      viewport: { width: options.width, height: options.height },
      hasTouch: options.touch ?? false,
      isMobile: options.touch ?? false,
      javaScriptEnabled: options.javaScript ?? true,
    });
    contexts.push(context);
    const page = await context.newPage();
    await logIn(page, instructor.email, instructor.password);
    await page.goto('/programs/new');
    return page;
  }

  async function fillProgram(page: Page, code: string) {
    await page.getByLabel(text('programs.fields.code'), { exact: true }).fill(code);
    await page.getByLabel(text('programs.fields.title'), { exact: true }).fill(`Program ${code}`);
    await page.getByLabel(text('programs.fields.description'), { exact: true }).fill('Diketik sebelum memilih unit.');
  }

  const chosenBox = (page: Page, code: string) => page.locator('#unit-chosen').getByRole('checkbox', { name: code });

  /** The program page's list of units, as codes in order. */
  async function programUnits(page: Page): Promise<string[]> {
    await page.waitForURL(/\/programs\/[0-9a-f]{24}$/);
    const id = /\/programs\/([0-9a-f]{24})$/.exec(page.url())![1]!;
    const program = await Program.findById(id, { code: 1 }).lean();
    expect(program, 'the program was saved').to.not.equal(null);
    const items = await page
      .locator('main li')
      .filter({ has: page.locator('a[href^="/units/"]') })
      .all();
    return Promise.all(items.map(async (item) => (await item.locator('code').textContent()) ?? ''));
  }

  for (const size of [
    { name: 'a 360 px phone, by touch', width: 360, height: 740, touch: true },
    { name: 'a 1280 px screen, by keyboard and mouse', width: 1280, height: 800, touch: false },
  ]) {
    it(`searches as the instructor types, adds with the keyboard and a ${size.touch ? 'tap' : 'click'}, removes one, saves (${size.name})`, async () => {
      const page = await instructorPage(size);
      await fillProgram(page, `PICK-${size.width}`);
      const box = page.getByRole('combobox', { name: text('programs.unitPicker.search'), exact: true });
      const list = page.getByRole('listbox', { name: text('programs.unitPicker.results') });
      // The no-JavaScript button steps aside: the list comes as you type.
      expect(await page.getByRole('button', { name: text('programs.unitPicker.searchButton') }).isVisible()).to.equal(false);
      expect(await box.getAttribute('aria-expanded')).to.equal('false');

      // Words: "web" finds the two web units, with code, title and sector.
      await box.click();
      await box.pressSequentially('web', { delay: 30 });
      await list.waitFor({ state: 'visible' });
      expect(await box.getAttribute('aria-expanded')).to.equal('true');
      const options = list.getByRole('option');
      expect(await Promise.all((await options.all()).map(textOf))).to.deep.equal([
        `${webUi.code} ${webUi.title.id} Sektor ict`,
        `${webPage.code} ${webPage.title.id} Sektor ict`,
      ]);
      expect(await textOf(page.locator('#unit-status'))).to.equal(text('programs.unitPicker.count', { n: 2 }));
      // The list is as wide as the search box (full width on a phone) with thumb-sized rows.
      const [listBox, inputBox, optionBox] = await Promise.all([
        list.boundingBox(),
        box.boundingBox(),
        options.first().boundingBox(),
      ]);
      expect(Math.abs(listBox!.width - inputBox!.width)).to.be.below(2);
      expect(optionBox!.height).to.be.at.least(44);
      if (size.width === 360) expect(listBox!.width).to.be.at.least(290);

      // Keyboard: down twice, up once, Enter adds the first; focus stays in the box.
      await box.press('ArrowDown');
      await box.press('ArrowDown');
      await box.press('ArrowUp');
      expect(await box.getAttribute('aria-activedescendant')).to.equal(await options.first().getAttribute('id'));
      expect(await options.first().getAttribute('aria-selected')).to.equal('true');
      await box.press('Enter');
      expect(await chosenBox(page, webUi.code).isChecked()).to.equal(true);
      expect(await textOf(page.locator('#unit-chosen li').first())).to.equal(`${webUi.code} ${webUi.title.id} Sektor ict`);
      expect(await page.getByText(text('programs.unitPicker.noneChosen')).isVisible()).to.equal(false);
      expect(await textOf(options.first())).to.contain(text('programs.unitPicker.alreadyChosen'));
      expect(await page.evaluate(() => document.activeElement?.id)).to.equal('f-unitQuery');
      expect(page.url(), 'Enter did not send the form').to.match(/\/programs\/new$/);
      await box.press('Escape');
      expect(await list.isVisible()).to.equal(false);
      expect(await box.getAttribute('aria-expanded')).to.equal('false');

      // A code prefix, then a tap (or click) on the result.
      await box.fill('');
      await box.pressSequentially('J.620100.02', { delay: 30 });
      const databaseOption = list.getByRole('option', { name: new RegExp(database.code.replace(/\./g, '\\.')) });
      await databaseOption.waitFor({ state: 'visible' });
      if (size.touch) await databaseOption.tap();
      else await databaseOption.click();
      expect(await chosenBox(page, database.code).isChecked()).to.equal(true);
      expect(await textOf(page.locator('#unit-status'))).to.equal(text('programs.unitPicker.added', { code: database.code }));

      // Nothing found says so.
      await box.fill('');
      await box.pressSequentially('zzzz', { delay: 30 });
      await page.getByText(text('programs.unitPicker.noResults')).waitFor({ state: 'visible' });
      expect(await list.isVisible()).to.equal(false);

      // Unticking takes a unit out; the rest is saved and shown on the program's page.
      await chosenBox(page, webUi.code).uncheck();
      await page.getByRole('button', { name: text('actions.save'), exact: true }).click();
      expect(await programUnits(page)).to.deep.equal([database.code]);
      expect(await textOf(page.locator('main'))).to.contain(database.title.id);
    });
  }

  it('works as a plain form with JavaScript off: search, tick, keep what was typed, save', async () => {
    const page = await instructorPage({ width: 360, height: 740, javaScript: false });
    await fillProgram(page, 'PICK-NOJS');
    await page.getByLabel(text('programs.unitPicker.search'), { exact: true }).fill('kafe');
    await page.getByLabel(text('programs.unitPicker.sector'), { exact: true }).selectOption({ label: 'Sektor tourism' });
    await page.getByRole('button', { name: text('programs.unitPicker.searchButton'), exact: true }).click();
    await page.getByRole('heading', { name: text('programs.unitPicker.results') }).waitFor();
    // Everything typed is still there, and nothing was saved.
    expect(await page.getByLabel(text('programs.fields.title'), { exact: true }).inputValue()).to.equal('Program PICK-NOJS');
    expect(await page.getByLabel(text('programs.fields.description'), { exact: true }).inputValue()).to.equal(
      'Diketik sebelum memilih unit.',
    );
    expect(await Program.countDocuments({ code: 'PICK-NOJS' })).to.equal(0);
    await page.getByRole('checkbox', { name: cafe.code }).check();

    // A second search (Enter in the box) keeps the ticked unit and offers more to tick.
    const search = page.getByLabel(text('programs.unitPicker.search'), { exact: true });
    await page.getByLabel(text('programs.unitPicker.sector'), { exact: true }).selectOption('');
    await search.fill('basis data');
    await search.press('Enter');
    await page.getByRole('checkbox', { name: database.code }).waitFor();
    expect(await chosenBox(page, cafe.code).isChecked()).to.equal(true);
    await page.getByRole('checkbox', { name: database.code }).check();
    // Unticking a chosen unit takes it out.
    await chosenBox(page, cafe.code).uncheck();
    await page.getByRole('button', { name: text('actions.save'), exact: true }).click();
    expect(await programUnits(page)).to.deep.equal([database.code]);
  });
});
