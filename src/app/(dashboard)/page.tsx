import { TableSkeleton } from "~/components/ui/data-table/table-skeleton";
import { Overview, SummaryCardsSkeleton, featuresQuery, modelsQuery, OVERVIEW_MODELS, parseGroupBy, previousSummaryQuery, summaryQuery, timeseriesQuery, TOP_FEATURES } from "~/features/analytics";
import { BudgetCards } from "~/features/budgets";
import { filterOptionsQuery } from "~/features/filters";
import type { SearchParamsLike } from "~/lib/filters";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { FilteredPage, readPageFilters } from "./filtered-page";
import { FilterBarSkeleton } from "./filter-bar-skeleton";

type Props = { searchParams: Promise<SearchParamsLike> };

export default function OverviewPage({ searchParams }: Props) {
  return (
    <FilteredPage title="Overview" intro="Where the money goes, and how it compares with the window before." fallback={<OverviewSkeleton />}>
      <OverviewData searchParams={searchParams} />
    </FilteredPage>
  );
}

async function OverviewData({ searchParams }: Props) {
  const { now, input, param } = await readPageFilters(searchParams);
  const group = parseGroupBy(param("group"));
  // Every query the overview's first render asks for, in parallel: no client waterfall.
  await prefetch((qc) => [
    qc.prefetchQuery(summaryQuery(trpc, input)),
    qc.prefetchQuery(previousSummaryQuery(trpc, input)),
    qc.prefetchInfiniteQuery(timeseriesQuery(trpc, input, group)),
    qc.prefetchInfiniteQuery(featuresQuery(trpc, input, TOP_FEATURES)),
    qc.prefetchInfiniteQuery(modelsQuery(trpc, input, OVERVIEW_MODELS)),
    qc.prefetchQuery(filterOptionsQuery(trpc, input)),
    qc.prefetchQuery(trpc.budgets.forecast.queryOptions()),
    qc.prefetchQuery(trpc.budgets.status.queryOptions()),
  ]);
  return (
    <HydrateClient>
      <Overview serverNowMs={now} />
      <BudgetCards />
    </HydrateClient>
  );
}

function OverviewSkeleton() {
  return (
    <>
      <FilterBarSkeleton />
      <SummaryCardsSkeleton />
      <div className="card chart-card" style={{ height: 346 }} aria-hidden="true" />
      <TableSkeleton columns={["Name", "Calls", "Cost"]} rows={5} label="Top features" />
    </>
  );
}
