/**
 * A page of results without counting them all: one more row than the page holds tells whether
 * another page follows. Counting is a full scan on FerretDB (1 s for 2,000 units) and costly with
 * regular expressions on MongoDB too; the exact total is known anyway on the last page.
 */
export type Page<T> = { items: T[]; page: number; hasMore: boolean; total: number | null };

export async function paginate<T>(
  page: number,
  perPage: number,
  fetch: (skip: number, limit: number) => Promise<T[]>,
): Promise<Page<T>> {
  const rows = await fetch((page - 1) * perPage, perPage + 1);
  const hasMore = rows.length > perPage;
  const items = rows.slice(0, perPage);
  return { items, page, hasMore, total: hasMore ? null : (page - 1) * perPage + items.length };
}
