import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import ejs from 'ejs';
import express from 'express';
import type { ChartRow, ChartSpec } from '../../src/platform/charts.js';
import { type Language, translator } from '../../src/platform/i18n.js';
import { viewsDir } from '../../src/platform/paths.js';
import { securityHeaders } from '../../src/platform/security.js';
import { buildTestServer } from '../support/app.js';

/**
 * A page for the tests only: four charts in the app's layout, under the app's own security headers
 * (its content security policy), with the app's static files (Chart.js among them) behind it. The
 * charts are included exactly as a feature's view would include them.
 */

export const demoCharts: ChartSpec[] = [
  {
    id: 'chart-enrolment',
    kind: 'bar',
    caption: 'Peserta per angkatan',
    rowHeader: 'Angkatan',
    columns: [
      { key: 'enrolled', label: 'Terdaftar' },
      { key: 'active', label: 'Aktif' },
      { key: 'completed', label: 'Lulus' },
    ],
    rows: [
      { label: 'Web Jan', values: { enrolled: 1234, active: 1102, completed: 987 } },
      { label: 'Web Apr', values: { enrolled: 960, active: 903, completed: 611 } },
      { label: 'Las Jul', values: { enrolled: 420, active: 388, completed: null } },
    ],
  },
  {
    id: 'chart-verdicts',
    kind: 'stackedBar',
    caption: 'Putusan per unit kompetensi',
    rowHeader: 'Unit',
    columns: [
      { key: 'competent', label: 'Kompeten' },
      { key: 'notYet', label: 'Belum kompeten' },
      { key: 'pending', label: 'Belum dinilai' },
    ],
    rows: [
      { label: 'J.620100.004.01', values: { competent: 18, notYet: 4, pending: 2 } },
      { label: 'J.620100.009.01', values: { competent: 15, notYet: 6, pending: 3 } },
      // No data in the last column of a table wider than a phone: its words for screen readers must
      // scroll with the table, not widen the page.
      { label: 'J.620100.016.01', values: { competent: 9, notYet: 3, pending: null } },
    ],
  },
  {
    id: 'chart-attendance',
    kind: 'line',
    caption: 'Kehadiran kelas langsung per minggu',
    unit: '%',
    rowHeader: 'Minggu',
    columns: [
      { key: 'web', label: 'Web Jan' },
      { key: 'las', label: 'Las Jul' },
    ],
    rows: [
      { label: 'Minggu 1', values: { web: 96.5, las: 88 } },
      { label: 'Minggu 2', values: { web: 91.25, las: 84.5 } },
      { label: 'Minggu 3', values: { web: 87, las: null } },
      { label: 'Minggu 4', values: { web: 82.4, las: 79.9 } },
    ],
  },
  {
    id: 'chart-employment',
    kind: 'doughnut',
    caption: 'Status kerja enam bulan setelah lulus',
    rowHeader: 'Status',
    columns: [{ key: 'count', label: 'Lulusan' }],
    rows: [
      { label: 'Bekerja', values: { count: 412 } },
      { label: 'Wirausaha', values: { count: 96 } },
      { label: 'Mencari kerja', values: { count: 133 } },
      { label: 'Melanjutkan studi', values: { count: 27 } },
    ],
  },
];

/** The demo page's view, as a feature's view would be written (it sits, in thought, in views/). */
const pageTemplate = `<%- include('partials/top') %>
<h1><%= title %></h1>
<% for (const chart of charts) { %><%- include('partials/chart', chart) %><% } %>
<%- include('partials/bottom') %>`;

/** What the app's middleware gives every page, for a visitor (no user, no navigation). */
function pageLocals(language: Language, asset: (file: string) => string) {
  return { lang: language, t: translator(language), asset, user: null, nav: [], currentPath: '/chart-demo' };
}

export type ChartDemo = { baseUrl: string; close(): Promise<void> };

/**
 * Serves GET /chart-demo (?lang=en for English; `charts` picks the specs) and GET
 * /chart-demo/fragment/:id, which renders one chart again on the server (res.render of the partial
 * alone, with `rows` from the query as JSON), as a feature's fragment endpoint would.
 */
export async function startChartDemo(charts: ChartSpec[] = demoCharts): Promise<ChartDemo> {
  const built = buildTestServer();
  const asset = built.app.locals.asset as (file: string) => string;
  const demo = express();
  demo.set('views', viewsDir);
  demo.set('view engine', 'ejs');
  demo.use(securityHeaders(false));
  demo.get('/chart-demo', (req, res) => {
    const language: Language = req.query.lang === 'en' ? 'en' : 'id';
    const html = ejs.render(
      pageTemplate,
      {
        ...pageLocals(language, asset),
        title: 'Grafik',
        styles: ['/css/charts.css'],
        scripts: ['/js/vendor/chart.umd.min.js', '/js/charts.js'],
        charts,
      },
      { filename: path.join(viewsDir, 'chart-demo.ejs') },
    );
    res.type('html').send(html);
  });
  demo.get('/chart-demo/fragment/:id', (req, res) => {
    const chart = charts.find((candidate) => candidate.id === req.params.id);
    if (!chart) {
      res.sendStatus(404);
      return;
    }
    const rows = JSON.parse(String(req.query.rows)) as ChartRow[];
    res.render('partials/chart', { ...pageLocals('id', asset), ...chart, rows });
  });
  // Everything else (the static files, Chart.js among them) from the real app.
  demo.use(built.app);
  const server = http.createServer(demo);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
