"use client";

import { useTable, type ColumnDef, type RowData } from "@tanstack/react-table";
import { InfiniteTable, usePageItems, type InfiniteListQuery } from "~/components/ui/data-table/infinite-table";
import { EmptyState } from "~/components/ui/empty-state";
import { Skeleton } from "~/components/ui/skeleton";
import { attributionFeatures } from "./columns";

/** One infinite attribution table: loading, error, empty and the virtualized rows. */
export function ListView<T extends RowData>(props: {
  query: InfiniteListQuery<T>;
  columns: ColumnDef<typeof attributionFeatures, T, unknown>[];
  grid: string;
  label: string;
  rowId: (r: T) => string;
  empty: string;
  onRowClick?: (r: T) => void;
  height?: string;
}) {
  const { query } = props;
  const rows = usePageItems(query);
  const table = useTable({ features: attributionFeatures, columns: props.columns, data: rows, getRowId: props.rowId });
  return (
    <InfiniteTable
      query={query}
      skeleton={<Skeleton height={240} />}
      empty={<EmptyState title={props.empty}>Widen the time range or clear some filters.</EmptyState>}
      table={table}
      label={props.label}
      gridTemplate={props.grid}
      onRowClick={props.onRowClick}
      height={props.height}
    />
  );
}
