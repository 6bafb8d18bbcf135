import { Suspense } from "react";
import { PromptsTableSkeleton, PromptsTable, clustersQuery, promptsQuery } from "~/features/prompts";
import { filterOptionsQuery } from "~/features/filters";
import { CacheOpportunitiesPanel } from "~/features/insights";
import { parseFilters, toFilterInput, type SearchParamsLike } from "~/lib/filters";
import { HydrateClient, prefetch, requestNow, trpc } from "~/trpc/server";
import { FilterBarSkeleton } from "../filter-bar-skeleton";
import { PageHeader } from "../page-header";

type Props = { searchParams: Promise<SearchParamsLike> };

export default function PromptsPage({ searchParams }: Props) {
  return (
    <>
      <PageHeader title="Prompts">Distinct prompts by cost, and clusters of near-duplicates with what caching them would save.</PageHeader>
      <Suspense
        fallback={
          <>
            <FilterBarSkeleton />
            <PromptsTableSkeleton />
          </>
        }
      >
        <PromptsData searchParams={searchParams} />
      </Suspense>
    </>
  );
}

async function PromptsData({ searchParams }: Props) {
  const now = await requestNow();
  const sp = await searchParams;
  const input = toFilterInput(parseFilters(sp), now);
  const q = sp instanceof URLSearchParams ? sp.get("q") : [sp.q].flat()[0];
  const view = sp instanceof URLSearchParams ? sp.get("view") : [sp.view].flat()[0];
  await prefetch((qc) => [
    view === "clusters"
      ? qc.prefetchInfiniteQuery(clustersQuery(trpc, input))
      : qc.prefetchInfiniteQuery(promptsQuery(trpc, input, q?.trim() || undefined)),
    qc.prefetchQuery(filterOptionsQuery(trpc, input)),
  ]);
  return (
    <HydrateClient>
      <CacheOpportunitiesPanel serverNowMs={now} />
      <PromptsTable serverNowMs={now} />
    </HydrateClient>
  );
}
