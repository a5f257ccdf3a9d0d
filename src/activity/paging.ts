import type mongoose from 'mongoose';
import { zonedDateTime } from '../platform/zone.js';
import { LogMonth, monthOf, monthStart, orderBefore } from './model.js';

/** Entries a page shows. */
export const entriesPerPage = 50;
/**
 * Months one page request reads at most. A rare filter (one kind in a long log) could otherwise read
 * every month of a scope in one request; past this many the page ends with an "older" link that
 * starts at the next month, so each request does bounded work.
 */
export const monthsPerRequest = 12;

/** Keyset page: newest first; `older` is the key the next (older) page starts below, null at the end. */
export type LogPage<T> = { entries: T[]; older: string | null };

export type Range = { from?: string; to?: string; before?: string };

/** A date filter (YYYY-MM-DD, WIB) as instants: from the first day's start to the last day's end. */
export function rangeOf(range: Range): { from: Date | null; until: Date | null } {
  const from = range.from ? zonedDateTime(range.from, '00:00') : null;
  const until = range.to ? new Date(zonedDateTime(range.to, '00:00').getTime() + 24 * 3600_000) : null;
  return { from, until };
}

/** The month (WIB) an order key's time falls in. */
const monthOfOrder = (order: string) => monthOf(new Date(Number(order.slice(0, 13))));

/**
 * One page of a log scope, newest first, read one WIB month at a time: each read is an indexed
 * equality on the month's bucket (`bucketField`: the scope and the month) plus the filter's
 * equalities, so it reads that month of that scope and never more, whatever the log's size; the
 * few documents found are filtered by time, sorted and cut in the database's own process. The
 * scope's months come from LogMonth (a dozen a year), so empty months are never read.
 */
export async function logPage<T extends { order: string }>(options: {
  // biome-ignore lint/suspicious/noExplicitAny: both logs' models
  model: mongoose.Model<any>;
  scope: string;
  bucketField: string;
  bucketOf: (month: string) => string;
  equalities: Record<string, string>;
  range: Range;
  perPage?: number;
}): Promise<LogPage<T>> {
  const perPage = options.perPage ?? entriesPerPage;
  const { from, until } = rangeOf(options.range);
  const before = options.range.before;
  const newest = [until ? monthOf(new Date(until.getTime() - 1)) : null, before ? monthOfOrder(before) : null]
    .filter((month): month is string => month !== null)
    .sort()[0];
  const oldest = from ? monthOf(from) : null;
  const scopeMonths = await LogMonth.find({ scope: options.scope }, { month: 1 }).limit(5_000).lean<{ month: string }[]>();
  const months = scopeMonths
    .map((row) => row.month)
    .filter((month) => (newest === undefined || month <= newest) && (oldest === null || month >= oldest))
    .sort()
    .reverse();

  const entries: T[] = [];
  let walked = 0;
  for (const month of months) {
    if (walked === monthsPerRequest) {
      // Bounded work: the next page starts with this month, not read yet (everything newer was).
      return { entries, older: orderBefore(monthStart(nextMonthAfter(month))) };
    }
    walked += 1;
    const filter: Record<string, unknown> = { [options.bucketField]: options.bucketOf(month), ...options.equalities };
    if (before) filter.order = { $lt: before };
    if (from || until) filter.at = { ...(from ? { $gte: from } : {}), ...(until ? { $lt: until } : {}) };
    const found = await options.model
      .find(filter)
      .sort({ order: -1 })
      .limit(perPage - entries.length + 1)
      .lean<T[]>();
    entries.push(...found);
    if (entries.length > perPage) {
      const shown = entries.slice(0, perPage);
      return { entries: shown, older: shown.at(-1)!.order };
    }
  }
  return { entries, older: null };
}

/** The month after a month (YYYY-MM). */
function nextMonthAfter(month: string): string {
  const [year, number] = month.split('-').map(Number) as [number, number];
  return number === 12 ? `${year + 1}-01` : `${year}-${String(number + 1).padStart(2, '0')}`;
}
