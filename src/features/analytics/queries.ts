// The query options of every dashboard view, built from the same function on the server
// (prefetch) and in the browser (hooks): identical keys, so hydrated data is used as is.
import type { TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import type { AppRouter } from "~/trpc/root";
import { bucketFor, previousWindow, type FilterInput } from "~/lib/filters";

export type Trpc = TRPCOptionsProxy<AppRouter>;

const next = (p: { nextCursor: string | null }) => p.nextCursor;
// Pages are immutable once loaded: skip React Query's deep compare of every loaded row on each
// new page (O(rows) work that would land in the middle of a scroll).
const list = { getNextPageParam: next, structuralSharing: false } as const;

export const EVENTS_PAGE = 200; // one index range scan per page; the table virtualizes the rest
export const AGGREGATE_PAGE = 100;

export const eventsQuery = (t: Trpc, input: FilterInput) =>
  t.events.list.infiniteQueryOptions({ ...input, limit: EVENTS_PAGE }, list);

export const featuresQuery = (t: Trpc, input: FilterInput, limit = AGGREGATE_PAGE) =>
  t.features.list.infiniteQueryOptions({ ...input, limit }, list);

export const modelsQuery = (t: Trpc, input: FilterInput, limit = AGGREGATE_PAGE) =>
  t.models.list.infiniteQueryOptions({ ...input, limit }, list);

export const promptsQuery = (t: Trpc, input: FilterInput, search: string | undefined) =>
  t.prompts.list.infiniteQueryOptions({ ...input, ...(search ? { search } : {}), limit: AGGREGATE_PAGE }, list);

/** Choices for the filter bar: what exists in the window, whatever the other filters say. */
export const filterOptionsQuery = (t: Trpc, input: FilterInput) => t.dashboard.filterOptions.queryOptions({ from: input.from, to: input.to });

export const summaryQuery = (t: Trpc, input: FilterInput) => t.stats.summary.queryOptions(input);
export const previousSummaryQuery = (t: Trpc, input: FilterInput) =>
  t.stats.summary.queryOptions({ ...input, ...previousWindow(input) });

export type GroupBy = "feature" | "model";
export function parseGroupBy(v: string | null | undefined): GroupBy {
  return v === "model" ? "model" : "feature";
}
export const TOP_FEATURES = 5;
export const OVERVIEW_MODELS = 100; // top models and the unpriced ones come from one page
export const TIMESERIES_PAGE = 500;
export const timeseriesQuery = (t: Trpc, input: FilterInput, groupBy: GroupBy) =>
  t.stats.timeseries.infiniteQueryOptions(
    { ...input, bucket: bucketFor(input), groupBy, limit: TIMESERIES_PAGE },
    { getNextPageParam: next },
  );

export const similarQuery = (t: Trpc, promptId: string) => t.prompts.similar.queryOptions({ promptId, minSimilarity: 0.8, limit: 10 });

export const CLUSTERS_PAGE = 25; // the costliest clusters answer "what can we stop paying for"
export const clustersQuery = (t: Trpc, input: FilterInput) =>
  t.prompts.clusters.infiniteQueryOptions({ ...input, limit: CLUSTERS_PAGE }, { getNextPageParam: next });
