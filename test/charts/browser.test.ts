/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { projectRoot } from '../../src/platform/paths.js';
import { onPhone } from '../support/browser.js';
import { useTestDatabase } from '../support/database.js';
import { type ChartDemo, demoCharts, startChartDemo } from './demoPage.js';

/** As test/support/browser.ts starts Debian's Chromium: headless, off the network. */
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];
const shots = path.join(projectRoot, '.scratch', 'shots');

type Watched = { page: Page; problems: string[] };
type KompetenCharts = {
  update(id: string, rows: unknown): boolean;
  mount(root?: Element | Document): void;
  chart(id: string): { data: { labels: string[]; datasets: { data: (number | null)[] }[] }; options: { animation: unknown } };
};
declare global {
  interface Window {
    kompetenCharts: KompetenCharts;
    cspViolations: string[];
  }
}

/** Visible text of the table's body rows, cell by cell (the words for screen readers left out). */
const tableOf = (page: Page, id: string) =>
  page.locator(`#${id} tbody tr`).evaluateAll((rows) =>
    rows.map((row) =>
      Array.from((row as HTMLTableRowElement).cells, (cell) => {
        const copy = cell.cloneNode(true) as HTMLElement;
        copy.querySelectorAll('.visually-hidden').forEach((hidden) => {
          hidden.remove();
        });
        return copy.textContent?.trim();
      }),
    ),
  );

/** How many pixels of the chart are painted, and how many in the first series' colour (#0072b2). */
const paint = (page: Page, id: string) =>
  page.locator(`#${id} canvas`).evaluate((canvas: HTMLCanvasElement) => {
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    let firstSeries = 0;
    let hash = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (pixels[i + 3]! > 0) painted++;
      if (Math.abs(pixels[i]! - 0x00) < 8 && Math.abs(pixels[i + 1]! - 0x72) < 8 && Math.abs(pixels[i + 2]! - 0xb2) < 8)
        firstSeries++;
      hash = (hash * 31 + pixels[i]! + pixels[i + 1]! * 7 + pixels[i + 2]! * 13 + pixels[i + 3]!) | 0;
    }
    return { painted, firstSeries, hash, total: pixels.length / 4 };
  });

describe('browser: charts drawn from their tables, on a phone and a desktop', function () {
  this.timeout(90_000);
  // The app behind the demo page is built on a database, though the charts never ask it anything.
  useTestDatabase(import.meta.url);
  let demo: ChartDemo;
  let browser: Browser;
  before(async () => {
    demo = await startChartDemo();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
    mkdirSync(shots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  /** A page that records console errors, uncaught errors and content-security-policy violations. */
  async function open(options: BrowserContextOptions, url = '/chart-demo'): Promise<Watched> {
    const context = await browser.newContext({ baseURL: demo.baseUrl, locale: 'id-ID', reducedMotion: 'reduce', ...options });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      const where = message.location().url;
      // The app has no favicon (not the charts' concern), and this test's own pixel reads make
      // Chromium suggest willReadFrequently: neither is something the charts did.
      if (where.endsWith('/favicon.ico') || message.text().includes('willReadFrequently')) return;
      if (message.type() === 'error' || message.type() === 'warning')
        problems.push(`${message.type()}: ${message.text()} ${where}`);
    });
    page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
    await context.addInitScript(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) =>
        window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`),
      );
    });
    await page.goto(url);
    await page.waitForLoadState('load');
    return { page, problems };
  }

  async function expectClean({ page, problems }: Watched) {
    expect(problems, 'console errors, failed requests').to.deep.equal([]);
    expect(await page.evaluate(() => window.cspViolations), 'CSP violations').to.deep.equal([]);
  }

  it('draws every chart on a 360 px phone, beside its table, with no sideways scrolling and nothing blocked', async () => {
    const watched = await open(onPhone);
    const { page } = watched;
    const scripts = await page.locator('script[src]').evaluateAll((all) => all.map((script) => script.getAttribute('src')));
    expect(scripts).to.have.length(2);
    expect(scripts[0]).to.match(/^\/public\/js\/vendor\/chart\.umd\.min\.[0-9a-f]{10}\.js$/);
    expect(await page.evaluate(() => (window as unknown as { Chart: { version: string } }).Chart.version)).to.match(/^4\./);

    for (const chart of demoCharts) {
      const canvas = page.locator(`#${chart.id} canvas`);
      expect(await canvas.isVisible(), chart.id).to.equal(true);
      const box = (await canvas.boundingBox())!;
      expect(box.width, `${chart.id} fits the screen`).to.be.within(300, 340);
      const drawn = await paint(page, chart.id);
      expect(drawn.painted / drawn.total, `${chart.id} is drawn`).to.be.above(0.03);
      expect(drawn.firstSeries, `${chart.id} uses the first series colour`).to.be.above(50);
      expect(await page.locator(`#${chart.id} table`).isVisible()).to.equal(true);
      expect(await page.getByRole('img', { name: `Grafik: ${chart.caption}. Angka yang sama ada di tabel.` }).count()).to.equal(
        1,
      );
    }
    // Against 360 itself: a phone's browser widens its window to the page when something sticks out.
    expect(await page.evaluate(() => document.documentElement.scrollWidth), 'no sideways scroll').to.equal(360);
    // On a phone the table follows the chart rather than squeezing beside it.
    const canvasBox = (await page.locator('#chart-enrolment .chart-canvas').boundingBox())!;
    const tableBox = (await page.locator('#chart-enrolment table').boundingBox())!;
    expect(tableBox.y).to.be.at.least(canvasBox.y + canvasBox.height);
    expect(await tableOf(page, 'chart-attendance')).to.deep.equal([
      ['Minggu 1', '96,5%', '88%'],
      ['Minggu 2', '91,3%', '84,5%'],
      ['Minggu 3', '87%', '–'],
      ['Minggu 4', '82,4%', '79,9%'],
    ]);
    // The chart's numbers are the table's raw numbers, not its rounded text; no data stays a gap.
    expect((await page.evaluate(() => window.kompetenCharts.chart('chart-attendance').data.datasets))[1]!.data).to.deep.equal([
      88,
      84.5,
      null,
      79.9,
    ]);
    expect(await page.evaluate(() => window.kompetenCharts.chart('chart-attendance').data.datasets[0]!.data[1])).to.equal(91.25);
    // Labels come from the table's text (the colour key beside them adds none).
    expect(await page.evaluate(() => window.kompetenCharts.chart('chart-employment').data.labels)).to.deep.equal([
      'Bekerja',
      'Wirausaha',
      'Mencari kerja',
      'Melanjutkan studi',
    ]);
    await page.screenshot({ path: path.join(shots, 'charts-360.png'), fullPage: true });
    await expectClean(watched);
    await page.context().close();
  });

  it('sets the table beside the chart on a desktop, in English with English numbers', async () => {
    const watched = await open({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' }, '/chart-demo?lang=en');
    const { page } = watched;
    const canvasBox = (await page.locator('#chart-enrolment .chart-canvas').boundingBox())!;
    const tableBox = (await page.locator('#chart-enrolment table').boundingBox())!;
    expect(tableBox.x, 'table to the right of the chart').to.be.above(canvasBox.x + canvasBox.width);
    expect(tableBox.y).to.be.below(canvasBox.y + canvasBox.height);
    expect(await tableOf(page, 'chart-enrolment')).to.deep.equal([
      ['Web Jan', '1,234', '1,102', '987'],
      ['Web Apr', '960', '903', '611'],
      ['Las Jul', '420', '388', '–'],
    ]);
    for (const chart of demoCharts) expect((await paint(page, chart.id)).painted, chart.id).to.be.above(1000);
    await page.screenshot({ path: path.join(shots, 'charts-1280.png'), fullPage: true });
    await expectClean(watched);
    await page.context().close();
  });

  it('update() puts new figures in the table and redraws the chart; text stays text', async () => {
    const watched = await open(onPhone);
    const { page } = watched;
    const before = await paint(page, 'chart-enrolment');
    const updated = await page.evaluate(() =>
      window.kompetenCharts.update('chart-enrolment', [
        { label: 'Web Jan', values: { enrolled: 1300, active: 1250.5, completed: 1001 } },
        { label: '<img src=x onerror=alert(1)>', values: { enrolled: 12, active: 'many', completed: null } },
      ]),
    );
    expect(updated).to.equal(true);
    expect(await tableOf(page, 'chart-enrolment')).to.deep.equal([
      ['Web Jan', '1.300', '1.250,5', '1.001'],
      ['<img src=x onerror=alert(1)>', '12', '–', '–'],
    ]);
    expect(await page.locator('#chart-enrolment img').count(), 'a label is never markup').to.equal(0);
    expect(await page.locator('#chart-enrolment tbody th[scope="row"]').count()).to.equal(2);
    expect(await page.locator('#chart-enrolment td[data-value="1250.5"]').count()).to.equal(1);
    const chart = await page.evaluate(() => window.kompetenCharts.chart('chart-enrolment').data);
    expect(chart.labels).to.deep.equal(['Web Jan', '<img src=x onerror=alert(1)>']);
    expect(chart.datasets.map((dataset) => dataset.data)).to.deep.equal([
      [1300, 12],
      [1250.5, null],
      [1001, null],
    ]);
    expect((await paint(page, 'chart-enrolment')).hash, 'the picture changed').not.to.equal(before.hash);
    expect(await page.evaluate(() => window.kompetenCharts.update('no-such-chart', []))).to.equal(false);

    // A doughnut keeps its key in the rows: new slices get theirs.
    await page.evaluate(() =>
      window.kompetenCharts.update('chart-employment', [
        { label: 'Bekerja', values: { count: 500 } },
        { label: 'Wirausaha', values: { count: 100 } },
      ]),
    );
    expect(await page.locator('#chart-employment tbody th .chart-keyed .chart-key').count()).to.equal(2);
    expect(await page.evaluate(() => window.kompetenCharts.chart('chart-employment').data.datasets[0]!.data)).to.deep.equal([
      500, 100,
    ]);
    await expectClean(watched);
    await page.context().close();
  });

  it('draws a chart the server rendered again and swapped in, in place of the old one', async () => {
    const watched = await open(onPhone);
    const { page } = watched;
    const rows = [{ label: 'Minggu 5', values: { web: 75, las: 70.25 } }];
    await page.evaluate(async (query) => {
      const html = await (await fetch(`/chart-demo/fragment/chart-attendance?rows=${encodeURIComponent(query)}`)).text();
      const old = document.getElementById('chart-attendance')!;
      old.outerHTML = html;
      window.kompetenCharts.mount(document.getElementById('chart-attendance')!);
    }, JSON.stringify(rows));
    expect(await page.locator('figure#chart-attendance').count()).to.equal(1);
    expect(await tableOf(page, 'chart-attendance')).to.deep.equal([['Minggu 5', '75%', '70,3%']]);
    expect(await page.locator('#chart-attendance canvas').isVisible()).to.equal(true);
    expect((await paint(page, 'chart-attendance')).painted).to.be.above(1000);
    expect(await page.evaluate(() => window.kompetenCharts.chart('chart-attendance').data.datasets[1]!.data)).to.deep.equal([
      70.25,
    ]);
    await expectClean(watched);
    await page.context().close();
  });

  it('moves only for those who did not ask for less motion', async () => {
    const still = await open({ ...onPhone, reducedMotion: 'reduce' });
    expect(await still.page.evaluate(() => window.kompetenCharts.chart('chart-verdicts').options.animation)).to.equal(false);
    await still.page.context().close();
    const moving = await open({ ...onPhone, reducedMotion: 'no-preference' });
    expect(await moving.page.evaluate(() => window.kompetenCharts.chart('chart-verdicts').options.animation)).to.include({
      duration: 300,
    });
    await expectClean(moving);
    await moving.page.context().close();
  });

  it('shows the tables alone, and nothing empty, without JavaScript', async () => {
    const context = await browser.newContext({ ...onPhone, baseURL: demo.baseUrl, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/chart-demo');
    for (const chart of demoCharts) {
      expect(await page.locator(`#${chart.id} table`).isVisible(), chart.id).to.equal(true);
      expect(await page.locator(`#${chart.id} .chart-canvas`).isVisible(), chart.id).to.equal(false);
    }
    expect(
      await page
        .getByRole('row', { name: /Web Jan/ })
        .first()
        .textContent(),
    ).to.contain('1.234');
    await context.close();
  });
});
