import { Suspense } from "react";
import { AggregateTableSkeleton } from "~/features/analytics/components/aggregate-table/skeleton";
import { AggregateTable } from "~/features/analytics/components/aggregate-table/table";
import type { AggregateKind } from "~/features/analytics/components/aggregate-table/columns";
import { parseFilters, toFilterInput, type SearchParamsLike } from "~/lib/filters";
import { featuresQuery, filterOptionsQuery, modelsQuery } from "~/features/analytics/queries";
import { HydrateClient, prefetch, requestNow, trpc } from "~/trpc/server";
import { FilterBarSkeleton } from "./filter-bar-skeleton";

type Props = { kind: AggregateKind; searchParams: Promise<SearchParamsLike> };

/** Features and Models: the same page over a different grouping. */
export function AggregatePage(props: Props) {
  return (
    <Suspense
      fallback={
        <>
          <FilterBarSkeleton />
          <AggregateTableSkeleton kind={props.kind} />
        </>
      }
    >
      <AggregateData {...props} />
    </Suspense>
  );
}

async function AggregateData({ kind, searchParams }: Props) {
  const now = await requestNow();
  const input = toFilterInput(parseFilters(await searchParams), now);
  await prefetch((qc) => [
    qc.prefetchInfiniteQuery(kind === "features" ? featuresQuery(trpc, input) : modelsQuery(trpc, input)),
    qc.prefetchQuery(filterOptionsQuery(trpc, input)),
  ]);
  return (
    <HydrateClient>
      <AggregateTable kind={kind} serverNowMs={now} />
    </HydrateClient>
  );
}
