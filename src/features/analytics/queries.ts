// The query options of the analytics views, built by the same functions on the server
// (prefetch) and in the browser (hooks): identical keys, so hydrated data is used as is.
import { bucketFor, previousWindow, type FilterInput } from "~/lib/filters";
import { parseBreakdownBy, type BreakdownBy } from "~/lib/list-filters";
import { INFINITE_LIST as list, nextCursor as next, type Trpc } from "~/trpc/list-options";

export const EVENTS_PAGE = 200; // one index range scan per page; the table virtualizes the rest
export const AGGREGATE_PAGE = 100;

export const eventsQuery = (t: Trpc, input: FilterInput) =>
  t.events.list.infiniteQueryOptions({ ...input, limit: EVENTS_PAGE }, list);

export const featuresQuery = (t: Trpc, input: FilterInput, limit = AGGREGATE_PAGE) =>
  t.features.list.infiniteQueryOptions({ ...input, limit }, list);

export const modelsQuery = (t: Trpc, input: FilterInput, limit = AGGREGATE_PAGE) =>
  t.models.list.infiniteQueryOptions({ ...input, limit }, list);

export const summaryQuery = (t: Trpc, input: FilterInput) => t.stats.summary.queryOptions(input);
export const previousSummaryQuery = (t: Trpc, input: FilterInput) =>
  t.stats.summary.queryOptions({ ...input, ...previousWindow(input) });

/** Any breakdown dimension or `metadata:<key>` (the Overview's `?group=`). */
export type GroupBy = BreakdownBy;
export function parseGroupBy(v: string | null | undefined): GroupBy {
  return parseBreakdownBy(v, "feature");
}
export const TOP_FEATURES = 5;
export const OVERVIEW_MODELS = 100; // top models and the unpriced ones come from one page
export const TIMESERIES_PAGE = 500;
export const timeseriesQuery = (t: Trpc, input: FilterInput, groupBy: GroupBy) =>
  t.stats.timeseries.infiniteQueryOptions(
    { ...input, bucket: bucketFor(input), groupBy, limit: TIMESERIES_PAGE },
    { getNextPageParam: next },
  );
