"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useTable } from "@tanstack/react-table";
import { useRouter } from "next/navigation";
import { useCallback, useMemo } from "react";
import { VirtualTable } from "~/components/ui/data-table/virtual-table";
import { ErrorState } from "~/components/ui/error-state";
import type { AggregateItem } from "~/features/analytics/server/aggregates";
import { useTRPC } from "~/trpc/react";
import { hrefWith } from "~/lib/filters";
import { featuresQuery, modelsQuery } from "~/features/analytics/queries";
import { ExportMenu } from "~/features/export";
import { DashboardFilterBar } from "~/features/filters";
import { useDashboardFilters } from "~/components/filter-bar/use-dashboard-filters";
import { AGGREGATE_GRID, aggregateColumns, aggregateFeatures, rowKey, type AggregateKind } from "./columns";
import { AggregateEmptyState } from "./empty-state";
import { AggregateTableSkeleton } from "./skeleton";

const NO_ROWS: AggregateItem[] = [];

export function AggregateTable({ kind, serverNowMs }: { kind: AggregateKind; serverNowMs: number }) {
  const state = useDashboardFilters(serverNowMs);
  const { filters } = state;
  const trpc = useTRPC();
  const router = useRouter();
  const options = kind === "features" ? featuresQuery(trpc, state.input) : modelsQuery(trpc, state.input);
  const query = useInfiniteQuery({ ...options, placeholderData: keepPreviousData });
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? NO_ROWS, [query.data]);
  const eventsHref = useCallback(
    (r: AggregateItem) =>
      hrefWith(
        "/events",
        kind === "features" ? { ...filters, feature: r.feature ?? "" } : { ...filters, provider: r.provider, model: r.model },
      ),
    [filters, kind],
  );
  const columns = useMemo(() => aggregateColumns(kind, eventsHref), [kind, eventsHref]);
  const getRowId = useCallback((r: AggregateItem) => rowKey(kind, r), [kind]);
  const table = useTable({ features: aggregateFeatures, columns, data: rows, getRowId });

  return (
    <>
      <DashboardFilterBar state={state} actions={<ExportMenu kind={kind} input={state.input} />} />
      {query.isPending ? (
        <AggregateTableSkeleton kind={kind} />
      ) : query.isError && rows.length === 0 ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : rows.length === 0 ? (
        <AggregateEmptyState kind={kind} />
      ) : (
        <div className={query.isPlaceholderData ? "stale" : undefined}>
          <VirtualTable
            table={table}
            label={kind === "features" ? "Features" : "Models"}
            gridTemplate={AGGREGATE_GRID}
            hasNextPage={query.hasNextPage}
            isFetchingNextPage={query.isFetchingNextPage}
            fetchNextPage={query.fetchNextPage}
            onRowClick={(r) => router.push(eventsHref(r))}
          />
        </div>
      )}
    </>
  );
}
