"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useTable } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { InfiniteTable, usePageItems } from "~/components/ui/data-table/infinite-table";
import type { EventItem } from "~/features/analytics/server/events-list";
import { useTRPC } from "~/trpc/react";
import { activeFilterCount } from "~/lib/filters";
import { formatTokens } from "~/lib/display";
import { eventsQuery } from "~/features/analytics/queries";
import { ExportMenu } from "~/features/export";
import { DashboardFilterBar } from "~/features/filters";
import { useDashboardFilters } from "~/components/filter-bar/use-dashboard-filters";
import { eventColumns, eventFeatures } from "./columns";
import { EventDrawer } from "./drawer";
import { EventsEmptyState } from "./empty-state";
import { EventsTableSkeleton } from "./skeleton";

const rowId = (r: EventItem) => r.id;
const GRID = "140px minmax(110px, 1fr) minmax(170px, 1.4fr) minmax(90px, 0.8fr) 92px 80px 84px 100px 96px";

export function EventsTable({ serverNowMs }: { serverNowMs: number }) {
  const state = useDashboardFilters(serverNowMs);
  const trpc = useTRPC();
  const query = useInfiniteQuery({ ...eventsQuery(trpc, state.input), placeholderData: keepPreviousData });
  const rows = usePageItems(query);
  const [open, setOpen] = useState<EventItem | null>(null);
  const columns = useMemo(() => eventColumns(setOpen), []);
  const table = useTable({ features: eventFeatures, columns, data: rows, getRowId: rowId });

  return (
    <>
      <DashboardFilterBar state={state} actions={<ExportMenu kind="events" input={state.input} />} />
      <div className="table-meta muted" aria-live="polite">
        {query.isSuccess && (
          <span data-testid="loaded-count">
            {formatTokens(rows.length)}
            {query.hasNextPage ? "+" : ""} events
          </span>
        )}
        {query.isPlaceholderData && <span className="pill">Updating…</span>}
      </div>
      <InfiniteTable
        query={query}
        skeleton={<EventsTableSkeleton />}
        empty={<EventsEmptyState filtered={activeFilterCount(state.filters) > 0} />}
        moreErrorTitle="Could not load more events"
        table={table}
        label="Events"
        gridTemplate={GRID}
        onRowClick={setOpen}
        selectedRowId={open?.id ?? null}
      />
      <EventDrawer event={open} onClose={() => setOpen(null)} />
    </>
  );
}
