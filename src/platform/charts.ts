/**
 * What views/partials/chart.ejs takes, for the services and routes that hand it figures: the same
 * rows also go to the browser's `kompetenCharts.update(id, rows)` for live updates.
 */
export type ChartRow = {
  /** The category (bar, line point, doughnut slice), as a person reads it. */
  label: string;
  /** One number per column key; null (or a missing key) shows as "no data". */
  values: Record<string, number | null>;
};

export type ChartSpec = {
  /** The figure's id, unique on the page. */
  id: string;
  kind: 'bar' | 'stackedBar' | 'line' | 'doughnut';
  caption: string;
  /** The series; a doughnut draws the first column only (its rows are the slices). */
  columns: { key: string; label: string }[];
  rows: ChartRow[];
  /** '%': the values are percentages from 0 to 100; '' (the default): plain numbers. */
  unit?: '%' | '';
  /** The heading of the table's label column (default "Kategori" / "Category"). */
  rowHeader?: string;
};
