// The query options of the Prompts views, built by the same functions on the server (prefetch)
// and in the browser (hooks): identical keys, so hydrated data is used as is.
import type { FilterInput } from "~/lib/list-filters";
import { INFINITE_LIST as list, nextCursor as next, type Trpc } from "~/trpc/list-options";

export const PROMPTS_PAGE = 100;

export const promptsQuery = (t: Trpc, input: FilterInput, search: string | undefined) =>
  t.prompts.list.infiniteQueryOptions({ ...input, ...(search ? { search } : {}), limit: PROMPTS_PAGE }, list);

export const similarQuery = (t: Trpc, promptId: string) => t.prompts.similar.queryOptions({ promptId, minSimilarity: 0.8, limit: 10 });

export const CLUSTERS_PAGE = 25; // the costliest clusters answer "what can we stop paying for"
export const clustersQuery = (t: Trpc, input: FilterInput) =>
  t.prompts.clusters.infiniteQueryOptions({ ...input, limit: CLUSTERS_PAGE }, { getNextPageParam: next });
