"use client";

import { useRouter } from "next/navigation";
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
  /** Where clicking a row goes (null: the row is not a link). */
  rowHref?: (r: T) => string | null;
  height?: string;
}) {
  const { query, rowHref } = props;
  const router = useRouter();
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
      onRowClick={
        rowHref &&
        ((r: T) => {
          const href = rowHref(r);
          if (href !== null) router.push(href);
        })
      }
      height={props.height}
    />
  );
}
