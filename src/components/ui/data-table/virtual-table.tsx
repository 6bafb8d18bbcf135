"use client";

import type { ReactTable } from "@tanstack/react-table";
import type { Row, RowData, TableFeatures } from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useCallback, useEffect, useMemo, useRef, type CSSProperties, type ReactNode } from "react";

export type ColumnMetaShape = { width: string; align?: "left" | "right" };

export const ROW_HEIGHT = 40;
const estimateSize = () => ROW_HEIGHT;
const INITIAL_RECT = { width: 1200, height: 720 };
const OVERSCAN = 12;
// Ask for the next page while this many rows are still below the viewport, so it usually
// arrives before the user reaches the end.
const PREFETCH_ROWS = 60;

export type VirtualTableProps<TFeatures extends TableFeatures, TData extends RowData> = {
  table: ReactTable<TFeatures, TData, unknown>;
  label: string;
  gridTemplate: string;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
  onRowClick?: (row: TData) => void;
  selectedRowId?: string | null;
  height?: string;
  footer?: ReactNode;
};

/**
 * A virtualized, infinitely loading table: only the rows in view (plus overscan) are in the DOM,
 * however far the user scrolls. The server renders the first screen (initialRect), so rows are
 * in the HTML and nothing moves when the page hydrates.
 */
export function VirtualTable<TFeatures extends TableFeatures, TData extends RowData>(props: VirtualTableProps<TFeatures, TData>) {
  const { table, label, gridTemplate, hasNextPage, isFetchingNextPage, fetchNextPage, onRowClick, selectedRowId } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const rows = table.getRowModel().rows;
  // Stable callbacks: the virtualizer recomputes every item's offset (O(rows)) whenever one of
  // them changes identity, which would happen on every scroll frame with inline functions.
  const getScrollElement = useCallback(() => scrollRef.current, []);
  const getItemKey = useCallback((index: number) => rows[index]?.id ?? index, [rows]);
  // The virtualizer hands out fresh measurements on every render by design; this app does not
  // run the React Compiler, and nothing memoizes values derived from it.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement,
    estimateSize,
    getItemKey,
    overscan: OVERSCAN,
    initialRect: INITIAL_RECT,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items[items.length - 1]?.index ?? 0;

  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= rows.length - PREFETCH_ROWS) void fetchNextPage();
  }, [lastIndex, rows.length, hasNextPage, isFetchingNextPage, fetchNextPage]);

  // Rows are memoized: while scrolling only rows entering the viewport render (their position
  // never changes), so the props they get must keep their identity between renders.
  const gridStyle = useMemo<CSSProperties>(() => ({ gridTemplateColumns: gridTemplate }), [gridTemplate]);
  const clickRef = useRef(onRowClick);
  useEffect(() => {
    clickRef.current = onRowClick;
  }, [onRowClick]);
  const handleClick = useCallback((row: TData) => clickRef.current?.(row), []);
  return (
    <div className="vtable" role="table" aria-label={label} aria-rowcount={hasNextPage ? -1 : rows.length + 1}>
      <div role="rowgroup" className="vtable-head">
        {table.getHeaderGroups().map((group) => (
          <div role="row" aria-rowindex={1} className="vtable-row" style={gridStyle} key={group.id}>
            {group.headers.map((header) => {
              const meta = header.column.columnDef.meta as ColumnMetaShape | undefined;
              return (
                <div role="columnheader" key={header.id} className={meta?.align === "right" ? "cell num" : "cell"}>
                  {header.isPlaceholder ? null : <table.FlexRender header={header} />}
                </div>
              );
            })}
          </div>
        ))}
      </div>
      <div ref={scrollRef} className="vtable-body" role="rowgroup" style={{ height: props.height ?? "calc(100vh - 260px)" }}>
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {items.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <VirtualRow
                key={row.id}
                table={table}
                row={row}
                index={item.index}
                start={item.start}
                gridStyle={gridStyle}
                selected={selectedRowId === row.id}
                onClick={onRowClick ? handleClick : undefined}
              />
            );
          })}
        </div>
        {isFetchingNextPage && (
          <div className="vtable-loading" role="status">
            Loading more…
          </div>
        )}
      </div>
      {props.footer}
    </div>
  );
}

function VirtualRowImpl<TFeatures extends TableFeatures, TData extends RowData>(props: {
  table: ReactTable<TFeatures, TData, unknown>;
  row: Row<TFeatures, TData>;
  index: number;
  start: number;
  gridStyle: CSSProperties;
  selected: boolean;
  onClick?: (row: TData) => void;
}) {
  const { table, row, onClick } = props;
  return (
    <div
      role="row"
      aria-rowindex={props.index + 2}
      aria-selected={props.selected || undefined}
      data-row-id={row.id}
      className={onClick ? "vtable-row clickable" : "vtable-row"}
      style={{ ...props.gridStyle, height: ROW_HEIGHT, transform: `translateY(${props.start}px)` }}
      onClick={onClick ? () => onClick(row.original) : undefined}
    >
      {row.getAllCells().map((cell) => {
        const meta = cell.column.columnDef.meta as ColumnMetaShape | undefined;
        return (
          <div role="cell" key={cell.id} className={meta?.align === "right" ? "cell num" : "cell"}>
            <table.FlexRender cell={cell} />
          </div>
        );
      })}
    </div>
  );
}

const VirtualRow = memo(VirtualRowImpl) as typeof VirtualRowImpl;
