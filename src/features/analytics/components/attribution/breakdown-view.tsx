"use client";

import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useDashboardFilters } from "~/components/filter-bar/use-dashboard-filters";
import { ExportMenu } from "~/features/export";
import { DashboardFilterBar } from "~/features/filters";
import { hrefWith, type DashboardFilters } from "~/lib/filters";
import { METADATA_PREFIX, parseBreakdownBy, type BreakdownBy } from "~/lib/list-filters";
import { useTRPC } from "~/trpc/react";
import type { BreakdownItem } from "../../server/attribution-lists";
import { CostOverTime } from "../overview/cost-over-time";
import { breakdownColumns, BREAKDOWN_GRID } from "./columns";
import { GroupByPicker } from "./group-by-picker";
import { ListView } from "./list-view";
import { breakdownQuery } from "./queries";

const PAGE_PARAMS = ["by"] as const;

/** The filters that select one group's events (null for "(none)" groups that no filter expresses). */
function drillDown(filters: DashboardFilters, by: BreakdownBy, r: BreakdownItem): DashboardFilters | null {
  if (by.startsWith(METADATA_PREFIX)) return r.none ? null : { ...filters, metadata: { key: by.slice(METADATA_PREFIX.length), value: r.key } };
  if (by === "feature") return { ...filters, feature: r.none ? "" : r.key };
  if (r.none) return null;
  const key = { model: "model", provider: "provider", user: "userId", session: "sessionId", tag: "tag" }[by as string];
  return key ? { ...filters, [key]: r.key } : null;
}

/** Breakdown: one aggregate list by any dimension or metadata key, with its cost over time. */
export function BreakdownView({ serverNowMs }: { serverNowMs: number }) {
  const state = useDashboardFilters(serverNowMs, PAGE_PARAMS);
  const { filters, input } = state;
  const by = parseBreakdownBy(state.params.get("by"), "tag");
  const trpc = useTRPC();
  const promoted = useQuery(trpc.breakdown.promotedKeys.queryOptions());
  const groups = useInfiniteQuery({ ...breakdownQuery(trpc, input, by), placeholderData: keepPreviousData });
  return (
    <>
      <DashboardFilterBar state={state} actions={<ExportMenu kind="breakdown" input={input} extra={{ by }} />} />
      <div className="table-meta">
        <GroupByPicker value={by} promoted={promoted.data ?? []} onChange={(b) => state.setParam("by", b)} />
      </div>
      <CostOverTime input={input} groupBy={by} />
      <ListView
        query={groups}
        columns={breakdownColumns}
        grid={BREAKDOWN_GRID}
        label={`Breakdown by ${by}`}
        rowId={(r) => (r.none ? "\u0000none" : r.key)}
        empty="No calls in this window"
        rowHref={(r) => {
          const next = drillDown(filters, by, r);
          return next ? hrefWith("/events", next) : null;
        }}
      />
    </>
  );
}
