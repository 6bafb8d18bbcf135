"use client";

import type { RowData, TableFeatures } from "@tanstack/react-table";
import { useMemo, type ReactNode } from "react";
import { ErrorState } from "~/components/ui/error-state";
import { VirtualTable, type VirtualTableProps } from "./virtual-table";

/** The parts of a TanStack infinite query result an infinite table reads. */
export type InfiniteListQuery<T> = {
  data?: { pages: { items: T[] }[] };
  isPending: boolean;
  isError: boolean;
  isFetchNextPageError?: boolean;
  error: Parameters<typeof ErrorState>[0]["error"];
  refetch: () => unknown;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
  isPlaceholderData: boolean;
};

/** Every loaded page's items, in order (the same array until the pages change). */
export function usePageItems<T>(query: InfiniteListQuery<T>): T[] {
  return useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
}

type InfiniteTableProps<TFeatures extends TableFeatures, TData extends RowData> = Omit<
  VirtualTableProps<TFeatures, TData>,
  "hasNextPage" | "isFetchingNextPage" | "fetchNextPage"
> & {
  query: InfiniteListQuery<TData>;
  /** Shown while the first page loads. */
  skeleton: ReactNode;
  /** Shown when the query answered no rows. */
  empty: ReactNode;
  /** When set, a failed next page shows an error with this title under the rows. */
  moreErrorTitle?: string;
};

/**
 * An infinitely loading list's states in one place: the skeleton, an error with retry, the empty
 * state, then the virtualized rows (dimmed while a new filter's first page loads).
 */
export function InfiniteTable<TFeatures extends TableFeatures, TData extends RowData>(props: InfiniteTableProps<TFeatures, TData>) {
  const { query, skeleton, empty, moreErrorTitle, ...tableProps } = props;
  const rowCount = query.data?.pages.reduce((n, p) => n + p.items.length, 0) ?? 0;
  if (query.isPending) return <>{skeleton}</>;
  if (query.isError && rowCount === 0) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  if (rowCount === 0) return <>{empty}</>;
  return (
    <div className={query.isPlaceholderData ? "stale" : undefined}>
      <VirtualTable
        {...tableProps}
        hasNextPage={query.hasNextPage}
        isFetchingNextPage={query.isFetchingNextPage}
        fetchNextPage={query.fetchNextPage}
      />
      {moreErrorTitle !== undefined && query.isFetchNextPageError && (
        <ErrorState title={moreErrorTitle} error={query.error} onRetry={() => void query.fetchNextPage()} />
      )}
    </div>
  );
}
