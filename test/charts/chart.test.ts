import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from 'chai';
import ejs from 'ejs';
import supertest from 'supertest';
import type { ChartSpec } from '../../src/platform/charts.js';
import { type Language, translator } from '../../src/platform/i18n.js';
import { chartJsFile, viewsDir } from '../../src/platform/paths.js';
import { buildTestApp } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';
import { demoCharts } from './demoPage.js';

const partial = path.join(viewsDir, 'partials', 'chart.ejs');
const render = (spec: Partial<ChartSpec> & Record<string, unknown>, language: Language = 'id') =>
  ejs.renderFile(partial, { lang: language, t: translator(language), ...spec });
const enrolment = demoCharts.find((chart) => chart.id === 'chart-enrolment')!;
const attendance = demoCharts.find((chart) => chart.id === 'chart-attendance')!;

/** The table's body rows as [header, ...cells] of visible text (visually-hidden words left out). */
function tableRows(html: string): string[][] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1]!.matchAll(/<t([hd])[^>]*>([\s\S]*?)<\/t\1>/g)].map((cell) =>
      cell[2]!
        .replace(/<span class="visually-hidden">[^<]*<\/span>/g, '')
        .replace(/<[^>]+>/g, '')
        .trim(),
    ),
  );
}
const rawValues = (html: string) => [...html.matchAll(/<td[^>]*data-value="([^"]*)"/g)].map((match) => match[1]);

describe('charts: Chart.js served by the app, and the chart partial with its table', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  it('serves the installed Chart.js 4 from the app under its hash, as JavaScript, cached for a year', async () => {
    const installed = createRequire(import.meta.url)(chartJsFile) as { version: string };
    const version = JSON.parse(readFileSync(path.join(path.dirname(chartJsFile), '..', 'package.json'), 'utf8')).version;
    expect(installed.version).to.equal(version).and.match(/^4\./);
    const file = readFileSync(chartJsFile);
    const hash = createHash('sha256').update(file).digest('hex').slice(0, 10);
    const url = (app.locals.asset as (file: string) => string)('/js/vendor/chart.umd.min.js');
    expect(url).to.equal(`/public/js/vendor/chart.umd.min.${hash}.js`);

    const served = await supertest(app).get(url).set('Accept-Encoding', 'gzip').expect(200);
    expect(served.headers['content-type']).to.match(/^(?:text|application)\/javascript\b/);
    expect(served.headers['cache-control']).to.equal('public, max-age=31536000, immutable');
    expect(served.headers['content-encoding'], 'about 200 KB travels compressed').to.equal('gzip');
    expect(served.text).to.equal(file.toString('utf8'));
    expect(served.text.slice(0, 200)).to.contain(`Chart.js v${version}`);
    // Same origin, so the strict policy (script-src 'self') lets a page load it; no CDN anywhere.
    const page = await supertest(app).get('/login').expect(200);
    expect(page.headers['content-security-policy']).to.match(/script-src 'self'(;|$)/);

    const plain = await supertest(app).get('/public/js/vendor/chart.umd.min.js').expect(200);
    expect(plain.headers['cache-control']).to.equal('public, max-age=300');
    const script = await supertest(app).get('/public/js/charts.js').expect(200);
    expect(script.headers['content-type']).to.match(/javascript/);
  });

  it('renders a figure with a labelled canvas and a real table of the numbers, formatted the Indonesian way', async () => {
    const html = await render(enrolment);
    expect(html).to.match(/<figure class="chart" id="chart-enrolment" data-chart="bar" data-unit="" data-locale="id-ID">/);
    expect(html).to.contain('<figcaption>Peserta per angkatan</figcaption>');
    expect(html).to.contain(
      '<canvas role="img" aria-label="Grafik: Peserta per angkatan. Angka yang sama ada di tabel."></canvas>',
    );
    // Until the script draws it, the canvas stays out of the way: without script the table alone shows.
    expect(html).to.match(/<div class="chart-canvas chart-canvas-bar" hidden>/);
    expect(html).to.contain('<caption class="visually-hidden">Peserta per angkatan</caption>');
    const heads = [
      ...html.matchAll(
        /<th scope="col"[^>]*>(?:<span class="chart-keyed"><span[^>]*><\/span><span>)?([^<]*)(?:<\/span><\/span>)?<\/th>/g,
      ),
    ].map((match) => match[1]);
    expect(heads).to.deep.equal(['Angkatan', 'Terdaftar', 'Aktif', 'Lulus']);
    expect(html.match(/<th scope="row">/g)).to.have.length(3);
    expect(tableRows(html)).to.deep.equal([
      ['Web Jan', '1.234', '1.102', '987'],
      ['Web Apr', '960', '903', '611'],
      ['Las Jul', '420', '388', '–'],
    ]);
    // The script reads these, never the formatted text.
    expect(rawValues(html)).to.deep.equal(['1234', '1102', '987', '960', '903', '611', '420', '388', '']);
    expect(html).to.contain('<span class="visually-hidden">tidak ada data</span>');
  });

  it('formats percentages and decimals for each language: 91,3% in Indonesian, 91.3% in English', async () => {
    const indonesian = await render(attendance, 'id');
    expect(tableRows(indonesian)).to.deep.equal([
      ['Minggu 1', '96,5%', '88%'],
      ['Minggu 2', '91,3%', '84,5%'],
      ['Minggu 3', '87%', '–'],
      ['Minggu 4', '82,4%', '79,9%'],
    ]);
    expect(rawValues(indonesian).slice(0, 4)).to.deep.equal(['96.5', '88', '91.25', '84.5']);
    const english = await render({ ...attendance, rowHeader: undefined }, 'en');
    expect(english).to.contain('data-locale="en-GB"');
    expect(english).to.contain('aria-label="Chart: Kehadiran kelas langsung per minggu. The same figures are in the table."');
    expect(english).to.contain('<th scope="col">Category</th>');
    expect(tableRows(english)[1]).to.deep.equal(['Minggu 2', '91.3%', '84.5%']);
    expect(english).to.contain('<span class="visually-hidden">no data</span>');
    const thousands = await render(enrolment, 'en');
    expect(tableRows(thousands)[0]).to.deep.equal(['Web Jan', '1,234', '1,102', '987']);
  });

  it('keys each series by colour and pattern in the table, escapes every label, and ignores a page local named "unit"', async () => {
    const doughnut = await render(demoCharts.find((chart) => chart.kind === 'doughnut')!);
    // A doughnut's slices are its rows: the key sits in the row headers, one column of numbers.
    expect(
      doughnut.match(
        /<th scope="row"><span class="chart-keyed"><span class="chart-key chart-key-\d" aria-hidden="true"><\/span>/g,
      ),
    ).to.have.length(4);
    expect(doughnut.match(/<th scope="col"/g)).to.have.length(2);
    const line = await render(attendance);
    expect(line).to.contain(
      '<span class="chart-key chart-key-line chart-key-1" aria-hidden="true"></span><span>Las Jul</span></span>',
    );

    const hostile = await render({
      ...enrolment,
      caption: '<img src=x onerror=alert(1)>',
      columns: [{ key: 'a"b', label: '<b>bold</b>' }],
      rows: [{ label: '<script>alert(1)</script>', values: { 'a"b': 1 } }],
    });
    expect(hostile).not.to.match(/<img|<script|<b>/);
    expect(hostile).to.contain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(hostile).to.contain('data-key="a&#34;b"');

    // A page about competency units has its own `unit` local; the chart must not take it for its own.
    const pageUnit = await ejs.render(
      "<%- include('partials/chart', chart) %>",
      { lang: 'id', t: translator('id'), unit: { code: 'J.620100.004.01' }, chart: enrolment },
      { filename: path.join(viewsDir, 'page.ejs') },
    );
    expect(pageUnit).to.contain('data-unit=""');
    expect(tableRows(pageUnit)[0]).to.deep.equal(['Web Jan', '1.234', '1.102', '987']);

    let failure: unknown;
    await render({ ...enrolment, kind: 'pie' as never }).catch((error: unknown) => {
      failure = error;
    });
    expect(String(failure)).to.contain('unknown kind pie');
  });

  it('renders the partial alone through the app’s own view engine, for a fragment a page swaps in', async () => {
    const html = await new Promise<string>((resolve, reject) =>
      app.render(
        'partials/chart',
        { lang: 'id', t: translator('id'), ...enrolment, rows: [{ label: 'Web Jan', values: { enrolled: 2500.5 } }] },
        (error, out) => (error ? reject(error) : resolve(out)),
      ),
    );
    expect(html.trim()).to.match(/^<figure[\s\S]*<\/figure>$/);
    expect(tableRows(html)).to.deep.equal([['Web Jan', '2.500,5', '–', '–']]);
  });
});
