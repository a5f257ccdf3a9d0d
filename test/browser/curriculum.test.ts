import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { type Language, translator } from '../../src/platform/i18n.js';
import { samples } from '../files/samples.js';
import { useBrowserSession } from '../support/browser.js';
import { useTestDatabase } from '../support/database.js';
import { makeInstitution, makeSector, makeUser } from '../support/factories.js';
import { unitRows, unitsCsv } from '../units/fixtures.js';

/** A message as the app shows it, with `{{name}}` filled in: the test reads what a user reads. */
function text(key: string, values: Record<string, string | number> = {}, language: Language = 'id'): string {
  const message = translator(language)(key, values);
  if (message === key) throw new Error(`No ${language} text for ${key}`);
  return message;
}

const units = [
  { code: 'J.620100.004.02', title: 'Menggunakan Struktur Data' },
  { code: 'J.620100.005.02', title: 'Mengimplementasikan User Interface' },
];
/** The CSV's bad line: a code in no SKKNI form. Header is line 1, each good unit takes 4 lines. */
const badCode = 'J.62-BUKAN-KODE';
const badLine = 1 + units.length * 4 + 1;

const program = {
  code: 'JWP-2026',
  title: 'Junior Web Programmer',
  description: 'Pelatihan pemrograman web tingkat dasar.',
  level: 3,
};
const modules = [
  { title: 'Struktur data', hours: 16, unit: units[0]! },
  { title: 'Antarmuka pengguna', hours: 8, unit: units[1]! },
];
const lesson = {
  title: 'Larik dan daftar',
  minutes: 15,
  heading: 'Menyimpan banyak nilai',
  // Markdown lets raw HTML through; the <script> must not reach the reader.
  body: [
    '# Menyimpan banyak nilai',
    '',
    'Sebuah **larik** menyimpan nilai berurutan.',
    '',
    '<script>globalThis.lessonScriptRan = true</script>',
  ].join('\n'),
  videoLink: 'https://youtu.be/dQw4w9WgXcQ',
  videoId: 'dQw4w9WgXcQ',
};
const pdfName = 'lembar-kerja.pdf';
const instructorName = 'Rina Wulandari';

describe('browser journey: an instructor builds a program from imported units and publishes it', function () {
  // One journey, step by step: each step starts where the previous one left the browser.
  this.timeout(90_000);

  let context: BrowserContext;
  let page: Page;
  let folder: string; // files the "user" picks in the file dialogs
  let instructor: { id: string; email: string; password: string };
  let programId: string;
  const pdf = samples.pdf();

  // Uploads go to the run's temporary TEST_UPLOAD_DIR, removed by the mocha teardown.
  after(async () => {
    if (folder) await rm(folder, { recursive: true, force: true });
  });
  useTestDatabase(import.meta.url);
  const session = useBrowserSession();

  before(async () => {
    const institution = await makeInstitution({ name: 'BBPVP Bekasi', province: '32' });
    instructor = await makeUser('instructor', institution.id, { name: instructorName });
    await makeSector('ict');
    await makeSector('tourism'); // a second sector, so that filtering the catalogue can leave something out

    folder = await mkdtemp(path.join(os.tmpdir(), 'kompeten-curriculum-'));
    const csv = unitsCsv([
      ...units.flatMap((unit) => unitRows(unit.code, unit.title)),
      { code: badCode, title_id: 'Unit dengan kode salah', sector: 'ict' },
    ]);
    await writeFile(path.join(folder, 'unit-jwp.csv'), csv);
    await writeFile(path.join(folder, pdfName), pdf);

    context = session.context;
    // The lesson embeds a YouTube player; the test stays off the internet and only checks the embed.
    await context.route(/youtube/, (route) => route.abort());
    page = session.page;
  });

  const heading = () => page.locator('h1').first().textContent();
  const navLink = (key: string) =>
    page.getByRole('navigation', { name: text('layout.navigation') }).getByRole('link', { name: text(key), exact: true });
  /** An element's text as a reader takes it in: runs of spaces and line breaks read as one space. */
  const textOf = async (locator: Locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
  const textsOf = async (locator: Locator) => Promise.all((await locator.all()).map(textOf));
  const mainText = () => textOf(page.locator('main'));

  it('logs the instructor in', async () => {
    await page.goto('/login');
    await page.getByLabel(text('fields.email'), { exact: true }).fill(instructor.email);
    await page.getByLabel(text('fields.password'), { exact: true }).fill(instructor.password);
    await page.getByRole('button', { name: text('auth.login.submit'), exact: true }).click();
    await page.waitForURL('**/dashboard');
  });

  it('imports a CSV of units and reports the rejected line with its number and reason', async () => {
    await navLink('nav.units').click();
    await page.waitForURL('**/units');
    expect(await page.getByText(text('units.none')).isVisible()).to.equal(true);

    await page.getByRole('link', { name: text('units.import.title'), exact: true }).click();
    await page.waitForURL('**/units/import');
    // An instructor's import only proposes units; the page says so before the upload.
    expect(await page.getByText(text('units.import.proposalNote')).isVisible()).to.equal(true);
    await page.getByLabel(text('units.import.file')).setInputFiles(path.join(folder, 'unit-jwp.csv'));
    await page.getByRole('button', { name: text('units.import.submit') }).click();
    await page.waitForURL(/\/units\/imports\/[0-9a-f]{24}$/);

    // The page polls while the import runs and reloads itself when it ends.
    const progress = page.locator('#import-progress[data-status="done"]');
    await progress.waitFor({ timeout: 15_000 });
    expect(await progress.locator('label').textContent()).to.equal(text('units.import.status.done'));
    const count = (name: string) => progress.locator(`[data-field="${name}"]`).textContent();
    expect(await count('created')).to.equal('2');
    expect(await count('updated')).to.equal('0');
    expect(await count('rejected')).to.equal('1');
    expect(await count('percent')).to.equal('100');

    expect(await page.getByRole('heading', { name: text('units.import.problems', { count: 1 }) }).isVisible()).to.equal(true);
    const rows = page.locator('table tbody tr');
    expect(await rows.count()).to.equal(1);
    // The reason names the column it is about, then says what is wrong with it.
    expect(await textsOf(rows.locator('td'))).to.deep.equal([String(badLine), `code: ${text('validation.unitCode')}`]);
  });

  it('lists the imported units as proposals, without the rejected one', async () => {
    await page.getByRole('link', { name: text('units.import.toUnits') }).click();
    await page.waitForURL('**/units');
    expect(await page.getByText(text('units.count', { count: 2 }), { exact: false }).isVisible()).to.equal(true);
    for (const unit of units) {
      const row = page.locator('tbody tr', { hasText: unit.code });
      expect(await textsOf(row.locator('td'))).to.deep.equal([
        unit.code,
        unit.title,
        'Sektor ict',
        text('units.status.proposed'),
      ]);
    }
    expect(await page.getByText(badCode).count()).to.equal(0);
  });

  it('creates a program from the two units and lands on its page', async () => {
    await navLink('nav.programs').click();
    await page.waitForURL('**/programs');
    expect(await page.getByText(text('programs.none')).isVisible()).to.equal(true);

    await page.getByRole('link', { name: text('programs.new.title'), exact: true }).click();
    await page.waitForURL('**/programs/new');
    await page.getByLabel(text('programs.fields.code'), { exact: true }).fill(program.code);
    await page.getByLabel(text('programs.fields.title'), { exact: true }).fill(program.title);
    await page.getByLabel(text('programs.fields.level'), { exact: true }).selectOption(String(program.level));
    await page.getByLabel(text('programs.fields.description'), { exact: true }).fill(program.description);
    await page.getByLabel(text('fields.sectors'), { exact: true }).selectOption({ label: 'Sektor ict' });
    // Codes pasted as a list (the unit picker's own journey is test/browser/unitPicker.test.ts).
    await page.getByText(text('programs.unitPicker.paste'), { exact: true }).click();
    await page.getByLabel(text('programs.unitPicker.pasteLabel'), { exact: true }).fill(units.map((unit) => unit.code).join(' '));
    // The instructor creating the program is offered as its instructor, already ticked.
    expect(await page.getByRole('checkbox', { name: instructorName }).isChecked()).to.equal(true);
    await page.getByRole('button', { name: text('actions.save'), exact: true }).click();
    await page.waitForURL(/\/programs\/[0-9a-f]{24}$/);
    programId = /\/programs\/([0-9a-f]{24})$/.exec(page.url())![1]!;

    expect(await heading()).to.equal(program.title);
    const main = await mainText();
    expect(main).to.contain(`${program.code} · ${text(`programs.levels.${program.level}`)} · BBPVP Bekasi`);
    expect(main).to.contain(text('programs.status.draft'));
    expect(main).to.contain(text('programs.noModules'));
    for (const unit of units) {
      const item = page.locator('li', { hasText: unit.code });
      expect(await textOf(item)).to.equal(
        `${unit.code} ${unit.title} ${text('units.status.proposed')} ${text('programs.unitWithoutModule')}`,
      );
    }
  });

  /** Fills and saves the module form, ticking one unit, and returns to the program page. */
  async function addModule(module: (typeof modules)[number]) {
    await page.getByRole('link', { name: text('programs.module.new') }).click();
    await page.waitForURL(`**/programs/${programId}/modules/new`);
    await page.getByLabel(text('programs.module.title'), { exact: true }).fill(module.title);
    await page.getByLabel(text('programs.module.hours'), { exact: true }).fill(String(module.hours));
    // Both units of the program are offered; only this module's is ticked.
    for (const unit of units) expect(await page.getByRole('checkbox', { name: unit.code }).isVisible()).to.equal(true);
    await page.getByRole('checkbox', { name: module.unit.code }).check();
    await page.getByRole('button', { name: text('actions.save'), exact: true }).click();
    await page.waitForURL(`**/programs/${programId}?saved=module`);
    expect(await page.getByRole('status').textContent()).to.equal(text('programs.saved.draft'));
  }

  it('adds the first module and refuses to publish while the second unit has none', async () => {
    await addModule(modules[0]!);
    const section = page.locator('section.module', { hasText: modules[0]!.title });
    expect(await textOf(section.locator('h3'))).to.equal(
      `1. ${modules[0]!.title} ${text('programs.totalHours', { hours: modules[0]!.hours })}`,
    );
    expect(await section.locator('p.muted').first().textContent()).to.equal(units[0]!.code);
    expect(await textOf(page.locator('li', { hasText: units[1]!.code }))).to.contain(text('programs.unitWithoutModule'));
    expect(await textOf(page.locator('li', { hasText: units[0]!.code }))).not.to.contain(text('programs.unitWithoutModule'));

    await page.getByRole('button', { name: text('programs.publish'), exact: true }).click();
    await page.waitForURL(`**/programs/${programId}/publish`);
    // Every reason at once, each in words: the page has no fields to point under.
    expect(await page.locator('#publish-refused p').allTextContents()).to.deep.equal([
      text('programs.errors.unitsWithoutModule', { codes: units[1]!.code }),
      text('programs.errors.modulesWithoutLessons', { modules: modules[0]!.title }),
    ]);
    expect(await mainText()).to.contain(text('programs.status.draft'));
  });

  it('adds the second module, covering the other unit', async () => {
    await addModule(modules[1]!);
    expect(await textsOf(page.locator('section.module h3'))).to.deep.equal(
      modules.map((module, index) => `${index + 1}. ${module.title} ${text('programs.totalHours', { hours: module.hours })}`),
    );
    expect(await mainText()).not.to.contain(text('programs.unitWithoutModule'));
    expect(await mainText()).to.contain(text('programs.totalHours', { hours: 24 }));
  });

  it('adds a lesson with markdown and a YouTube link to the first module', async () => {
    const first = page.locator('section.module', { hasText: modules[0]!.title });
    await first.getByRole('link', { name: text('programs.lesson.new') }).click();
    await page.waitForURL(/\/modules\/[0-9a-f]{24}\/lessons\/new$/);
    expect(await heading()).to.equal(text('programs.lesson.new'));
    await page.getByLabel(text('programs.lesson.title'), { exact: true }).fill(lesson.title);
    await page.getByLabel(text('programs.lesson.body'), { exact: true }).fill(lesson.body);
    await page.getByLabel(text('programs.lesson.minutes'), { exact: true }).fill(String(lesson.minutes));
    await page.getByLabel(text('programs.lesson.videoLink'), { exact: true }).fill(lesson.videoLink);
    await page.getByRole('button', { name: text('actions.save'), exact: true }).click();
    await page.waitForURL(/\/lessons\/[0-9a-f]{24}\/edit\?saved=lesson$/);

    expect(await page.getByRole('status').textContent()).to.equal(text('programs.saved.draft'));
    expect(await heading()).to.equal(lesson.title);
    // The link is kept as the video's id, and the body as typed (it is sanitised when shown).
    expect(await page.getByText(`YouTube: ${lesson.videoId}`).isVisible()).to.equal(true);
    expect(await page.getByLabel(text('programs.lesson.body'), { exact: true }).inputValue()).to.equal(lesson.body);
    expect(await page.getByText(text('programs.lesson.noFiles')).isVisible()).to.equal(true);
  });

  it('attaches a PDF to the lesson', async () => {
    await page.getByLabel(text('programs.lesson.attachFile')).setInputFiles(path.join(folder, pdfName));
    // The video upload has a button of the same name: press the one of the files form.
    const filesForm = page.locator('form', { has: page.getByLabel(text('programs.lesson.attachFile')) });
    await filesForm.getByRole('button', { name: text('programs.lesson.upload'), exact: true }).click();
    await page.waitForURL(/\/lessons\/[0-9a-f]{24}\/edit\?saved=file$/);

    expect(await page.getByRole('status').textContent()).to.equal(text('programs.saved.draft'));
    expect(await page.getByText(text('programs.lesson.noFiles')).count()).to.equal(0);
    expect(await page.locator('li', { hasText: pdfName }).isVisible()).to.equal(true);
  });

  it('gives the attached file the size the lesson page gives it, not "0 KB"', async () => {
    // The sample PDF is under 512 bytes. The lesson page rounds such a file up to 1 KB; the edit
    // page rounds it down to "0 KB", as if the file were empty.
    expect(await textOf(page.locator('li', { hasText: pdfName }))).to.match(/^lembar-kerja\.pdf \(1 KB\)/);
  });

  it('refuses to publish while the second module has no lessons, naming it, and takes a lesson there', async () => {
    await page.getByRole('link', { name: modules[0]!.title }).click();
    await page.waitForURL(`**/programs/${programId}#module-*`);
    await page.getByRole('button', { name: text('programs.publish'), exact: true }).click();
    await page.waitForURL(`**/programs/${programId}/publish`);
    expect(await page.locator('#publish-refused').textContent()).to.equal(
      text('programs.errors.modulesWithoutLessons', { modules: modules[1]!.title }),
    );
    const second = page.locator('section.module', { hasText: modules[1]!.title });
    await second.getByRole('link', { name: text('programs.lesson.new') }).click();
    await page.waitForURL(/\/modules\/[0-9a-f]{24}\/lessons\/new$/);
    await page.getByLabel(text('programs.lesson.title'), { exact: true }).fill('Praktik mandiri');
    await page.getByLabel(text('programs.lesson.body'), { exact: true }).fill('Kerjakan latihan.');
    await page.getByRole('button', { name: text('actions.save'), exact: true }).click();
    await page.waitForURL(/\/lessons\/[0-9a-f]{24}\/edit\?saved=lesson$/);
    // Back to the first lesson, where the journey goes on.
    await page.getByRole('link', { name: modules[1]!.title }).click();
    await page.waitForURL(`**/programs/${programId}#module-*`);
    await page.locator('section.module', { hasText: modules[0]!.title }).getByRole('link', { name: lesson.title }).click();
    await page.waitForURL(/\/lessons\/[0-9a-f]{24}\/edit$/);
  });

  it('publishes the program', async () => {
    await page.getByRole('link', { name: modules[0]!.title }).click();
    await page.waitForURL(`**/programs/${programId}#module-*`);
    const first = page.locator('section.module', { hasText: modules[0]!.title });
    expect(await first.locator('ol.lessons li a').first().textContent()).to.equal(lesson.title);

    await page.getByRole('button', { name: text('programs.publish'), exact: true }).click();
    await page.waitForURL(`**/programs/${programId}?saved=published&version=1`);
    expect(await page.getByRole('status').textContent()).to.equal(text('programs.saved.published'));
    const main = await mainText();
    expect(main).to.contain(text('programs.status.published', { version: 1 }));
    expect(main).not.to.contain(text('programs.status.draft'));
    // The next publication would be version 2.
    expect(await page.getByRole('button', { name: text('programs.publishAgain', { version: 2 }) }).isVisible()).to.equal(true);
  });

  it('lists the program in the catalogue, also when filtered by its sector', async () => {
    await navLink('nav.catalogue').click();
    await page.waitForURL('**/catalogue');
    expect(await heading()).to.equal(text('catalogue.title'));
    const card = page.locator('article', { has: page.getByRole('link', { name: program.title }) });
    expect(await textOf(card)).to.contain(
      [
        'Sektor ict',
        text(`programs.levels.${program.level}`),
        text('programs.totalHours', { hours: 24 }),
        text('catalogue.unitsModules', { units: 2, modules: 2 }),
      ].join(' · '),
    );

    const filterBy = async (sector: string) => {
      await page.getByLabel(text('fields.sectors'), { exact: true }).selectOption({ label: sector });
      await page.getByRole('button', { name: text('actions.filter'), exact: true }).click();
    };
    await filterBy('Sektor ict');
    await page.waitForURL('**/catalogue?*sector=ict*');
    expect(await card.isVisible()).to.equal(true);
    expect(await page.getByText(text('catalogue.count', { count: 1 }), { exact: true }).isVisible()).to.equal(true);

    // The filter does filter: another sector leaves the program out.
    await filterBy('Sektor tourism');
    await page.waitForURL('**/catalogue?*sector=tourism*');
    expect(await page.getByText(text('catalogue.noMatch')).isVisible()).to.equal(true);
    expect(await card.count()).to.equal(0);
    // Back to the sector's list, from where the next step opens the program.
    await filterBy('Sektor ict');
    await page.waitForURL('**/catalogue?*sector=ict*');
  });

  it("shows the program's units, modules, lesson and hours on its catalogue page", async () => {
    await page.getByRole('link', { name: program.title }).click();
    await page.waitForURL(`**/catalogue/${programId}`);
    expect(await heading()).to.equal(program.title);
    const main = await mainText();
    expect(main).to.contain(`${program.code} · BBPVP Bekasi`);
    expect(main).to.contain(text('programs.totalHours', { hours: 24 }));
    expect(main).to.contain(text('catalogue.versionOf', { version: 1 }));
    expect(main).to.contain(program.description);
    for (const unit of units) expect(main).to.contain(`${unit.code} ${unit.title}`);

    const moduleItems = page.locator('ol.modules > li');
    expect(await moduleItems.locator('> strong').allTextContents()).to.deep.equal(modules.map((module) => module.title));
    expect(await textOf(moduleItems.nth(0))).to.contain(text('programs.totalHours', { hours: modules[0]!.hours }));
    expect(await textOf(moduleItems.nth(1))).to.contain(text('programs.totalHours', { hours: modules[1]!.hours }));
    expect(await textOf(moduleItems.nth(0).locator('ul.lessons li'))).to.equal(
      `${lesson.title} ${text('programs.minutes', { minutes: lesson.minutes })}`,
    );
    // The second module's one lesson, added when publishing it empty was refused.
    expect(await moduleItems.nth(1).locator('ul.lessons li').count()).to.equal(1);
    expect(await textOf(moduleItems.nth(1).locator('ul.lessons li'))).to.contain('Praktik mandiri');
  });

  it('opens the published lesson on a phone: rendered markdown, no script, the video and the PDF', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.getByRole('link', { name: lesson.title }).click();
    await page.waitForURL(`**/programs/${programId}/v/1/lessons/*`);

    expect(await heading()).to.equal(lesson.title);
    const body = page.locator('article.lesson .lesson-body');
    expect(await body.locator('h1').textContent()).to.equal(lesson.heading);
    expect(await body.locator('strong').textContent()).to.equal('larik');
    // The sanitiser drops the script with its content. (The CSP would also stop an inline script
    // from running, so whether it ran tells nothing: the DOM does.)
    expect(await body.locator('script').count()).to.equal(0);
    expect(await textOf(body)).not.to.contain('lessonScriptRan');
    expect(await page.locator('article.lesson .video iframe').getAttribute('src')).to.equal(
      `https://www.youtube-nocookie.com/embed/${lesson.videoId}`,
    );

    const download = page.getByRole('link', { name: pdfName, exact: true });
    const href = await download.getAttribute('href');
    expect(href).to.match(new RegExp(`^/programs/${programId}/v/1/files/[0-9a-f]{24}\\?download=1$`));
    // The page's request context carries the browser's session cookie, as a click would.
    const response = await page.request.get(href!);
    expect(response.status()).to.equal(200);
    expect(response.headers()['content-type']).to.equal('application/pdf');
    expect(response.headers()['content-disposition']).to.match(/^attachment; filename="?lembar-kerja\.pdf"?$/);
    expect(Buffer.compare(await response.body(), pdf)).to.equal(0);
    expect(await textOf(page.locator('ul.files li small'))).to.equal('(1 KB)');
    // A PDF also opens in the browser's own viewer; a phone gets that link, not an in-page viewer.
    const view = page.locator('ul.files li').getByRole('link', { name: /^Lihat\s*:\s*lembar-kerja\.pdf$/ });
    expect(await view.getAttribute('href')).to.equal(href!.replace('?download=1', '?view=1'));
    expect(await page.locator('ul.files .pdf-embed').isVisible()).to.equal(false);

    // Nothing wider than the phone: no sideways scrolling.
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).to.be.at.most(360);
  });
});
