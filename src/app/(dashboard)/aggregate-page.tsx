import { Suspense } from "react";
import { AggregateTableSkeleton, AggregateTable, type AggregateKind, featuresQuery, modelsQuery } from "~/features/analytics";
import { filterOptionsQuery } from "~/features/filters";
import { WhatIfPanel } from "~/features/insights";
import type { SearchParamsLike } from "~/lib/filters";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { FilterBarSkeleton } from "./filter-bar-skeleton";
import { readPageFilters } from "./filtered-page";

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
  const { now, input } = await readPageFilters(searchParams);
  await prefetch((qc) => [
    qc.prefetchInfiniteQuery(kind === "features" ? featuresQuery(trpc, input) : modelsQuery(trpc, input)),
    qc.prefetchQuery(filterOptionsQuery(trpc, input)),
  ]);
  return (
    <HydrateClient>
      <WhatIfPanel serverNowMs={now} />
      <AggregateTable kind={kind} serverNowMs={now} />
    </HydrateClient>
  );
}
