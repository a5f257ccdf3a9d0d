// Charts drawn from the tables beside them (views/partials/chart.ejs). The table is the source of
// truth: this reads the raw numbers from its data-value attributes (not the formatted text) and
// draws them with Chart.js (/public/js/vendor/chart.umd.min.js, loaded before this file). Without
// script, or if Chart.js did not load, the table alone shows.
//
// Live figures: window.kompetenCharts.update(id, rows) replaces a chart's table rows (same shape as
// the partial's `rows`: [{ label, values: { [columnKey]: number | null } }]) and redraws the chart.
// A figure replaced by freshly rendered HTML of the partial is drawn with kompetenCharts.mount(el).
(() => {
  const seriesCount = 6; // colours and patterns in turn; charts.css defines --chart-0 … --chart-5
  const fallbackColours = ['#0072b2', '#b35200', '#007a5a', '#a4447e', '#5b4a9e', '#4d5660'];
  // Not colour alone: each series also has its own fill pattern (bars, slices) or dash and marker (lines).
  const dashes = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 5], [12, 6]];
  const markers = ['circle', 'rect', 'triangle', 'rectRot', 'crossRot', 'star'];
  const reducedMotion = window.matchMedia?.('(prefers-reduced-motion: reduce)');
  /** id -> the Chart drawn for it (and so the canvas it was drawn on). */
  const drawn = new Map();

  const numberOf = (text) => (text === undefined || text === '' ? null : Number(text));
  const textOf = (cell) => cell.textContent.trim();
  const known = (value) => typeof value === 'number' && Number.isFinite(value);

  function formatter(figure) {
    const number = new Intl.NumberFormat(figure.dataset.locale || document.documentElement.lang || 'id-ID', {
      maximumFractionDigits: 1,
    });
    const unit = figure.dataset.unit || '';
    return (value) => (known(value) ? number.format(value) + unit : '–');
  }

  /** The table's columns and rows, as the partial was given them. */
  function readTable(figure) {
    const table = figure.querySelector('table');
    const columns = [...table.querySelectorAll('thead th[data-key]')].map((th) => ({
      key: th.dataset.key,
      label: textOf(th),
    }));
    const rows = [...table.tBodies[0].rows].map((tr) => ({
      label: textOf(tr.cells[0]),
      values: Object.fromEntries(
        [...tr.querySelectorAll('td[data-key]')].map((td) => [td.dataset.key, numberOf(td.dataset.value)]),
      ),
    }));
    return { columns, rows };
  }

  /** Writes `rows` into the table as the partial would have rendered them (text only, no HTML). */
  function writeTable(figure, rows) {
    const table = figure.querySelector('table');
    const doughnut = figure.dataset.chart === 'doughnut';
    const { columns } = readTable(figure);
    const format = formatter(figure);
    const body = document.createElement('tbody');
    rows.forEach((row, index) => {
      const tr = body.insertRow();
      const th = document.createElement('th');
      th.scope = 'row';
      const label = String(row?.label ?? '');
      if (doughnut) th.append(keyed(index, label));
      else th.append(label);
      tr.append(th);
      for (const column of columns) {
        const value = row?.values?.[column.key];
        const td = tr.insertCell();
        td.className = 'num';
        td.dataset.key = column.key;
        td.dataset.value = known(value) ? String(value) : '';
        if (known(value)) td.textContent = format(value);
        else td.append(missing(table.dataset.missing || ''));
      }
    });
    table.tBodies[0].replaceWith(body);
  }

  /** A slice's colour key and its label in one box (as the partial renders it), so they wrap together. */
  function keyed(index, label) {
    const box = document.createElement('span');
    box.className = 'chart-keyed';
    const key = document.createElement('span');
    key.className = `chart-key chart-key-${index % seriesCount}`;
    key.setAttribute('aria-hidden', 'true');
    const words = document.createElement('span');
    words.textContent = label;
    box.append(key, words);
    return box;
  }

  function missing(words) {
    const fragment = document.createDocumentFragment();
    const dash = document.createElement('span');
    dash.setAttribute('aria-hidden', 'true');
    dash.textContent = '–';
    const said = document.createElement('span');
    said.className = 'visually-hidden';
    said.textContent = words;
    fragment.append(dash, said);
    return fragment;
  }

  /** A small repeating tile: the series' colour with white stripes, dots or hatching over it. */
  function pattern(colour, index) {
    const kind = index % seriesCount;
    if (kind === 0) return colour;
    const size = 8;
    const tile = document.createElement('canvas');
    tile.width = size;
    tile.height = size;
    const pen = tile.getContext('2d');
    pen.fillStyle = colour;
    pen.fillRect(0, 0, size, size);
    pen.strokeStyle = 'rgba(255, 255, 255, 0.75)';
    pen.fillStyle = 'rgba(255, 255, 255, 0.8)';
    pen.lineWidth = 2;
    pen.beginPath();
    if (kind === 1 || kind === 3) {
      // Diagonal stripes (and, for 3, crossed): the corner pieces make the tile seamless.
      pen.moveTo(0, size);
      pen.lineTo(size, 0);
      pen.moveTo(-1, 1);
      pen.lineTo(1, -1);
      pen.moveTo(size - 1, size + 1);
      pen.lineTo(size + 1, size - 1);
    }
    if (kind === 3) {
      pen.moveTo(0, 0);
      pen.lineTo(size, size);
      pen.moveTo(size - 1, -1);
      pen.lineTo(size + 1, 1);
      pen.moveTo(-1, size - 1);
      pen.lineTo(1, size + 1);
    }
    if (kind === 4) {
      pen.moveTo(size / 2, 0);
      pen.lineTo(size / 2, size);
    }
    if (kind === 5) {
      pen.moveTo(0, size / 2);
      pen.lineTo(size, size / 2);
    }
    pen.stroke();
    if (kind === 2) {
      pen.beginPath();
      pen.arc(size / 2, size / 2, 1.6, 0, 2 * Math.PI);
      pen.fill();
    }
    return pen.createPattern(tile, 'repeat');
  }

  function coloursOf(figure) {
    const styles = getComputedStyle(figure);
    return fallbackColours.map((fallback, index) => styles.getPropertyValue(`--chart-${index}`).trim() || fallback);
  }

  /** Chart.js data for the table's numbers: one dataset per column, or one for a doughnut's slices. */
  function chartData(figure, { columns, rows }) {
    const kind = figure.dataset.chart;
    const colours = coloursOf(figure);
    const labels = rows.map((row) => row.label);
    if (kind === 'doughnut') {
      const column = columns[0];
      return {
        labels,
        datasets: [
          {
            label: column.label,
            data: rows.map((row) => (known(row.values[column.key]) ? row.values[column.key] : 0)),
            backgroundColor: rows.map((_, index) => pattern(colours[index % seriesCount], index)),
            borderColor: '#fff',
            borderWidth: 2,
          },
        ],
      };
    }
    const line = kind === 'line';
    return {
      labels,
      datasets: columns.map((column, index) => {
        const colour = colours[index % seriesCount];
        return {
          label: column.label,
          data: rows.map((row) => (known(row.values[column.key]) ? row.values[column.key] : null)),
          backgroundColor: line ? colour : pattern(colour, index),
          // Bars stacked or side by side get a white edge, so touching segments stay apart.
          borderColor: line ? colour : '#fff',
          borderWidth: line ? 2.5 : 1,
          ...(line
            ? // Not clipped at the chart's edge, so a marker on the last week or at 100 % shows whole.
              { borderDash: dashes[index % seriesCount], pointStyle: markers[index % seriesCount], pointRadius: 4, clip: false }
            : {}),
        };
      }),
    };
  }

  function chartOptions(figure, columns) {
    const kind = figure.dataset.chart;
    const format = formatter(figure);
    const percent = figure.dataset.unit === '%';
    const stacked = kind === 'stackedBar';
    const ink = getComputedStyle(figure).color;
    const options = {
      responsive: true,
      maintainAspectRatio: false,
      locale: figure.dataset.locale,
      // No movement for those who asked their system for none; a short one otherwise.
      animation: reducedMotion?.matches ? false : { duration: 300 },
      layout: { padding: kind === 'line' ? { top: 6, right: 6 } : 0 },
      plugins: {
        legend: {
          display: kind === 'doughnut' || columns.length > 1,
          position: 'bottom',
          labels: { color: ink, usePointStyle: kind === 'line', boxHeight: kind === 'line' ? 8 : undefined },
        },
        tooltip: {
          callbacks: {
            label: (item) => `${kind === 'doughnut' ? item.label : item.dataset.label}: ${format(item.raw)}`,
          },
        },
      },
    };
    if (kind !== 'doughnut') {
      const ticks = { color: ink };
      options.scales = {
        x: { stacked, ticks },
        y: {
          stacked,
          beginAtZero: true,
          suggestedMax: percent ? 100 : undefined,
          // Counts of people have no fractions: whole-number ticks only (percentages may have them).
          ticks: { ...ticks, precision: percent ? undefined : 0, callback: (value) => format(value) },
        },
      };
    }
    return options;
  }

  /** Draws (or redraws) one figure's chart from its table. */
  function draw(figure) {
    const Chart = window.Chart;
    const canvas = figure.querySelector('canvas');
    if (!Chart || !canvas || !figure.querySelector('table')) return undefined;
    const table = readTable(figure);
    const existing = drawn.get(figure.id);
    if (existing && existing.canvas === canvas) {
      // The same datasets, their numbers changed in place: Chart.js moves from the old to the new.
      const fresh = chartData(figure, table);
      existing.data.labels = fresh.labels;
      fresh.datasets.forEach((dataset, index) => {
        if (existing.data.datasets[index]) Object.assign(existing.data.datasets[index], dataset);
        else existing.data.datasets.push(dataset);
      });
      existing.data.datasets.length = fresh.datasets.length;
      existing.update();
      return existing;
    }
    // A figure rendered again by the server: the old chart's canvas has left the page.
    existing?.destroy();
    // The page's own type, not Chart.js's default.
    Chart.defaults.font.family = getComputedStyle(figure).fontFamily;
    figure.querySelector('.chart-canvas').hidden = false;
    figure.classList.add('chart-drawn');
    const type = figure.dataset.chart === 'stackedBar' ? 'bar' : figure.dataset.chart;
    const chart = new Chart(canvas, { type, data: chartData(figure, table), options: chartOptions(figure, table.columns) });
    drawn.set(figure.id, chart);
    return chart;
  }

  /** Draws every chart figure in `root` (the document, or a figure the server rendered again). */
  function mount(root = document) {
    const figures = root.matches?.('figure[data-chart]') ? [root] : [...root.querySelectorAll('figure[data-chart]')];
    for (const figure of figures) draw(figure);
  }

  /** New figures for chart `id`: the table takes them, the chart follows. False if there is no such chart. */
  function update(id, rows) {
    const figure = document.getElementById(id);
    if (!figure?.matches('figure[data-chart]') || !Array.isArray(rows)) return false;
    writeTable(figure, rows);
    draw(figure);
    return true;
  }

  window.kompetenCharts = { update, mount, chart: (id) => drawn.get(id) };
  mount();
})();
