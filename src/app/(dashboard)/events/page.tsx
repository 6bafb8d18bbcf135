import { EventsTableSkeleton, EventsTable, eventsQuery } from "~/features/analytics";
import { filterOptionsQuery } from "~/features/filters";
import type { SearchParamsLike } from "~/lib/filters";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { FilterBarSkeleton } from "../filter-bar-skeleton";
import { FilteredPage, readPageFilters } from "../filtered-page";

type Props = { searchParams: Promise<SearchParamsLike> };

export default function EventsPage({ searchParams }: Props) {
  const fallback = (
    <>
      <FilterBarSkeleton />
      <div className="table-meta" />
      <EventsTableSkeleton />
    </>
  );
  return (
    <FilteredPage title="Events" intro="Every call, newest first. Click a row for its prompt and metadata." fallback={fallback}>
      <EventsData searchParams={searchParams} />
    </FilteredPage>
  );
}

async function EventsData({ searchParams }: Props) {
  const { now, input } = await readPageFilters(searchParams);
  await prefetch((qc) => [qc.prefetchInfiniteQuery(eventsQuery(trpc, input)), qc.prefetchQuery(filterOptionsQuery(trpc, input))]);
  return (
    <HydrateClient>
      <EventsTable serverNowMs={now} />
    </HydrateClient>
  );
}
