import { Suspense } from "react";
import { EventsTableSkeleton, EventsTable, eventsQuery } from "~/features/analytics";
import { filterOptionsQuery } from "~/features/filters";
import { parseFilters, toFilterInput, type SearchParamsLike } from "~/lib/filters";
import { HydrateClient, prefetch, requestNow, trpc } from "~/trpc/server";
import { FilterBarSkeleton } from "../filter-bar-skeleton";
import { PageHeader } from "../page-header";

type Props = { searchParams: Promise<SearchParamsLike> };

export default function EventsPage({ searchParams }: Props) {
  return (
    <>
      <PageHeader title="Events">Every call, newest first. Click a row for its prompt and metadata.</PageHeader>
      <Suspense
        fallback={
          <>
            <FilterBarSkeleton />
            <div className="table-meta" />
            <EventsTableSkeleton />
          </>
        }
      >
        <EventsData searchParams={searchParams} />
      </Suspense>
    </>
  );
}

async function EventsData({ searchParams }: Props) {
  const now = await requestNow();
  const input = toFilterInput(parseFilters(await searchParams), now);
  await prefetch((qc) => [
    qc.prefetchInfiniteQuery(eventsQuery(trpc, input)),
    qc.prefetchQuery(filterOptionsQuery(trpc, input)),
  ]);
  return (
    <HydrateClient>
      <EventsTable serverNowMs={now} />
    </HydrateClient>
  );
}
