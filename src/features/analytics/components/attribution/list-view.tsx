"use client";

import { useTable, type ColumnDef, type RowData } from "@tanstack/react-table";
import { useMemo } from "react";
import { VirtualTable } from "~/components/ui/data-table/virtual-table";
import { EmptyState } from "~/components/ui/empty-state";
import { ErrorState } from "~/components/ui/error-state";
import { Skeleton } from "~/components/ui/skeleton";
import { attributionFeatures } from "./columns";

type Page<T> = { items: T[]; nextCursor: string | null };
/** The parts of an infinite query result the view reads. */
type ListQuery<T> = {
  data?: { pages: Page<T>[] };
  isPending: boolean;
  isError: boolean;
  error: Parameters<typeof ErrorState>[0]["error"];
  refetch: () => unknown;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
  isPlaceholderData: boolean;
};

/** One infinite attribution table: loading, error, empty and the virtualized rows. */
export function ListView<T extends RowData>(props: {
  query: ListQuery<T>;
  columns: ColumnDef<typeof attributionFeatures, T, unknown>[];
  grid: string;
  label: string;
  rowId: (r: T) => string;
  empty: string;
  onRowClick?: (r: T) => void;
  height?: string;
}) {
  const { query } = props;
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? ([] as T[]), [query.data]);
  const table = useTable({ features: attributionFeatures, columns: props.columns, data: rows, getRowId: props.rowId });
  if (query.isPending) return <Skeleton height={240} />;
  if (query.isError && rows.length === 0) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  if (rows.length === 0) return <EmptyState title={props.empty}>Widen the time range or clear some filters.</EmptyState>;
  return (
    <div className={query.isPlaceholderData ? "stale" : undefined}>
      <VirtualTable
        table={table}
        label={props.label}
        gridTemplate={props.grid}
        hasNextPage={query.hasNextPage}
        isFetchingNextPage={query.isFetchingNextPage}
        fetchNextPage={query.fetchNextPage}
        onRowClick={props.onRowClick}
        height={props.height}
      />
    </div>
  );
}
