"use client";

import { createColumnHelper, tableFeatures } from "@tanstack/react-table";
import Link from "next/link";
import type { ColumnMetaShape } from "~/components/ui/data-table/virtual-table";
import { Money } from "~/components/ui/money";
import type { AggregateItem } from "~/features/analytics/server/aggregates";
import { averageCost, formatLatency, formatPercent, formatTokens } from "~/lib/display";

export type AggregateKind = "features" | "models";
export const aggregateFeatures = tableFeatures({ columnMeta: {} as ColumnMetaShape });
const col = createColumnHelper<typeof aggregateFeatures, AggregateItem>();

export const AGGREGATE_GRID = "minmax(180px, 2fr) 80px 100px 100px 110px 110px 110px 110px 80px";

export function rowKey(kind: AggregateKind, r: AggregateItem): string {
  return kind === "features" ? `f:${r.feature ?? ""}` : `m:${r.provider ?? ""}/${r.model ?? ""}`;
}

function metricColumns() {
  return [
    col.accessor("calls", { header: "Calls", meta: { width: "90px", align: "right" }, cell: (c) => formatTokens(c.getValue()) }),
    col.accessor("costUsd", {
      header: "Cost",
      meta: { width: "110px", align: "right" },
      cell: (c) => <Money value={c.getValue()} unpriced={c.row.original.unpricedCalls === c.row.original.calls && c.row.original.calls > 0} />,
    }),
    col.accessor((r) => averageCost(r.costUsd, r.calls), {
      id: "avgCost",
      header: "Per call",
      meta: { width: "110px", align: "right" },
      cell: (c) => <Money value={c.getValue()} unpriced={c.row.original.unpricedCalls === c.row.original.calls && c.row.original.calls > 0} />,
    }),
    col.accessor("inputTokens", { header: "Input tok.", meta: { width: "110px", align: "right" }, cell: (c) => formatTokens(c.getValue()) }),
    col.accessor("outputTokens", { header: "Output tok.", meta: { width: "110px", align: "right" }, cell: (c) => formatTokens(c.getValue()) }),
    col.accessor("avgLatencyMs", { header: "Avg latency", meta: { width: "110px", align: "right" }, cell: (c) => formatLatency(c.getValue()) }),
    col.accessor("p95LatencyMs", { header: "p95 latency", meta: { width: "110px", align: "right" }, cell: (c) => formatLatency(c.getValue()) }),
    col.accessor("errorRate", { header: "Errors", meta: { width: "80px", align: "right" }, cell: (c) => formatPercent(c.getValue()) }),
  ];
}

/** The name column links to Events filtered by this row (the whole row is clickable too). */
export function aggregateColumns(kind: AggregateKind, eventsHref: (r: AggregateItem) => string) {
  const name =
    kind === "features"
      ? col.accessor("feature", {
          header: "Feature",
          meta: { width: "minmax(200px, 2fr)" },
          cell: (c) => (
            <Link href={eventsHref(c.row.original)} prefetch={false} className="row-link" onClick={(e) => e.stopPropagation()}>
              {c.getValue() ?? <span className="muted">(no feature)</span>}
            </Link>
          ),
        })
      : col.accessor("model", {
          header: "Model",
          meta: { width: "minmax(200px, 2fr)" },
          cell: (c) => (
            <Link href={eventsHref(c.row.original)} prefetch={false} className="row-link" onClick={(e) => e.stopPropagation()}>
              <span className="muted">{c.row.original.provider}/</span>
              {c.getValue()}
              {c.row.original.unpricedCalls > 0 && <span className="badge badge-warn">unpriced</span>}
            </Link>
          ),
        });
  return col.columns([name, ...metricColumns()]);
}
