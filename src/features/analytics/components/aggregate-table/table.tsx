"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useTable } from "@tanstack/react-table";
import { useRouter } from "next/navigation";
import { useCallback, useMemo } from "react";
import { InfiniteTable, usePageItems } from "~/components/ui/data-table/infinite-table";
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


export function AggregateTable({ kind, serverNowMs }: { kind: AggregateKind; serverNowMs: number }) {
  const state = useDashboardFilters(serverNowMs);
  const { filters } = state;
  const trpc = useTRPC();
  const router = useRouter();
  const options = kind === "features" ? featuresQuery(trpc, state.input) : modelsQuery(trpc, state.input);
  const query = useInfiniteQuery({ ...options, placeholderData: keepPreviousData });
  const rows = usePageItems(query);
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
      <InfiniteTable
        query={query}
        skeleton={<AggregateTableSkeleton kind={kind} />}
        empty={<AggregateEmptyState kind={kind} />}
        table={table}
        label={kind === "features" ? "Features" : "Models"}
        gridTemplate={AGGREGATE_GRID}
        onRowClick={(r) => router.push(eventsHref(r))}
      />
    </>
  );
}
