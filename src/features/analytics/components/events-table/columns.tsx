"use client";

import { createColumnHelper, tableFeatures } from "@tanstack/react-table";
import type { ColumnMetaShape } from "~/components/ui/data-table/virtual-table";
import { RowButton } from "~/components/ui/data-table/row-button";
import { Money } from "~/components/ui/money";
import type { EventItem } from "~/features/analytics/server/events-list";
import { formatLatency, formatTime, formatTokens } from "~/lib/display";

export const eventFeatures = tableFeatures({ columnMeta: {} as ColumnMetaShape });
const col = createColumnHelper<typeof eventFeatures, EventItem>();

/** Columns with their per-column formatting; `onOpen` opens the row drawer from the keyboard. */
export function eventColumns(onOpen: (e: EventItem) => void) {
  return col.columns([
    col.accessor("timestamp", {
      header: "Time (UTC)",
      meta: { width: "minmax(150px, 1fr)" },
      cell: (c) => (
        <RowButton onOpen={() => onOpen(c.row.original)} label={`Open event ${c.row.original.eventId}`}>
          {formatTime(c.getValue())}
        </RowButton>
      ),
    }),
    col.accessor("feature", {
      header: "Feature",
      meta: { width: "minmax(120px, 1.2fr)" },
      cell: (c) => c.getValue() ?? <span className="muted">(none)</span>,
    }),
    col.accessor("model", {
      header: "Model",
      meta: { width: "minmax(160px, 1.5fr)" },
      cell: (c) => (
        <span className="ellipsis" title={`${c.row.original.provider} / ${c.getValue()}`}>
          <span className="muted">{c.row.original.provider}/</span>
          {c.getValue()}
        </span>
      ),
    }),
    col.accessor("userId", {
      header: "User",
      meta: { width: "minmax(80px, 0.8fr)" },
      cell: (c) => c.getValue() ?? <span className="muted">—</span>,
    }),
    col.accessor("status", {
      header: "Status",
      meta: { width: "80px" },
      cell: (c) => <span className={c.getValue() === "error" ? "badge badge-error" : "badge badge-ok"}>{c.getValue()}</span>,
    }),
    col.accessor("inputTokens", {
      header: "Input",
      meta: { width: "90px", align: "right" },
      cell: (c) => formatTokens(c.getValue()),
    }),
    col.accessor("outputTokens", {
      header: "Output",
      meta: { width: "80px", align: "right" },
      cell: (c) => formatTokens(c.getValue()),
    }),
    col.accessor("costUsd", {
      header: "Cost",
      meta: { width: "100px", align: "right" },
      cell: (c) => <Money value={c.getValue()} unpriced={c.row.original.costSource === "unpriced"} />,
    }),
    col.accessor("latencyMs", {
      header: "Latency",
      meta: { width: "90px", align: "right" },
      cell: (c) => formatLatency(c.getValue()),
    }),
  ]);
}
