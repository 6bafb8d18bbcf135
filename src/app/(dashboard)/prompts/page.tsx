import { PromptsTableSkeleton, PromptsTable, clustersQuery, promptsQuery } from "~/features/prompts";
import { filterOptionsQuery } from "~/features/filters";
import { CacheOpportunitiesPanel } from "~/features/insights";
import type { SearchParamsLike } from "~/lib/filters";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { FilterBarSkeleton } from "../filter-bar-skeleton";
import { FilteredPage, readPageFilters } from "../filtered-page";

type Props = { searchParams: Promise<SearchParamsLike> };

const INTRO = "Distinct prompts by cost, and clusters of near-duplicates with what caching them would save.";

export default function PromptsPage({ searchParams }: Props) {
  const fallback = (
    <>
      <FilterBarSkeleton />
      <PromptsTableSkeleton />
    </>
  );
  return (
    <FilteredPage title="Prompts" intro={INTRO} fallback={fallback}>
      <PromptsData searchParams={searchParams} />
    </FilteredPage>
  );
}

async function PromptsData({ searchParams }: Props) {
  const { now, input, param } = await readPageFilters(searchParams);
  const search = param("q")?.trim() || undefined;
  await prefetch((qc) => [
    param("view") === "clusters"
      ? qc.prefetchInfiniteQuery(clustersQuery(trpc, input))
      : qc.prefetchInfiniteQuery(promptsQuery(trpc, input, search)),
    qc.prefetchQuery(filterOptionsQuery(trpc, input)),
  ]);
  return (
    <HydrateClient>
      <CacheOpportunitiesPanel serverNowMs={now} />
      <PromptsTable serverNowMs={now} />
    </HydrateClient>
  );
}
