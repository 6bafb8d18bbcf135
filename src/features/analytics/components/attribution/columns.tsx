"use client";

import { createColumnHelper, tableFeatures } from "@tanstack/react-table";
import Link from "next/link";
import type { ColumnMetaShape } from "~/components/ui/data-table/virtual-table";
import { Money } from "~/components/ui/money";
import type { BreakdownItem, UserItem } from "~/features/analytics/server/attribution-lists";
import type { SessionItem } from "~/features/analytics/server/sessions-list";
import { formatPercent, formatTokens } from "~/lib/display";

export const attributionFeatures = tableFeatures({ columnMeta: {} as ColumnMetaShape });
const users = createColumnHelper<typeof attributionFeatures, UserItem>();
const sessions = createColumnHelper<typeof attributionFeatures, SessionItem>();
const groups = createColumnHelper<typeof attributionFeatures, BreakdownItem>();

const num = { width: "100px", align: "right" } as const;
const day = (iso: string | null) => (iso ? iso.slice(0, 16).replace("T", " ") : "");

// As wide as the Features table at most (no horizontal scrolling at the usual widths).
export const USERS_GRID = "minmax(160px, 2fr) 70px 100px 100px 70px 130px 130px minmax(100px, 1fr) minmax(120px, 1fr)";
// The name cell is a link (keyboard access to the row; the whole row is clickable too).
const rowLink = (href: string, text: string) => (
  <Link href={href} prefetch={false} className="row-link" onClick={(e) => e.stopPropagation()}>
    {text}
  </Link>
);

export const userColumns = (href: (u: UserItem) => string) => users.columns([
  users.accessor("userId", { header: "User", meta: { width: "minmax(160px, 2fr)" }, cell: (c) => rowLink(href(c.row.original), c.getValue()) }),
  users.accessor("calls", { header: "Calls", meta: { width: "70px", align: "right" }, cell: (c) => formatTokens(c.getValue()) }),
  users.accessor("costUsd", { header: "Cost", meta: { width: "100px", align: "right" }, cell: (c) => <Money value={c.getValue()} /> }),
  users.accessor((r) => r.inputTokens + r.outputTokens, { id: "tokens", header: "Tokens", meta: { width: "100px", align: "right" }, cell: (c) => formatTokens(c.getValue()) }),
  users.accessor("errorRate", { header: "Errors", meta: { width: "70px", align: "right" }, cell: (c) => formatPercent(c.getValue()) }),
  users.accessor("firstSeen", { header: "First seen", meta: { width: "130px" }, cell: (c) => day(c.getValue()) }),
  users.accessor("lastSeen", { header: "Last seen", meta: { width: "130px" }, cell: (c) => day(c.getValue()) }),
  users.accessor("topFeature", { header: "Top feature", meta: { width: "minmax(100px, 1fr)" }, cell: (c) => c.getValue() ?? <span className="muted">(none)</span> }),
  users.accessor("topModel", { header: "Top model", meta: { width: "minmax(120px, 1fr)" }, cell: (c) => c.getValue() ?? "" }),
]);

export const SESSIONS_GRID = "minmax(180px, 2fr) minmax(120px, 1fr) 80px 110px 100px 150px 110px 90px";
const duration = (ms: number) => (ms < 60_000 ? `${Math.round(ms / 1000)} s` : ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`);
export const sessionColumns = (href: (s: SessionItem) => string) => sessions.columns([
  sessions.accessor("sessionId", { header: "Session", meta: { width: "minmax(180px, 2fr)" }, cell: (c) => rowLink(href(c.row.original), c.getValue()) }),
  sessions.accessor("userId", { header: "User", meta: { width: "minmax(120px, 1fr)" }, cell: (c) => c.getValue() ?? <span className="muted">(none)</span> }),
  sessions.accessor("calls", { header: "Calls", meta: { width: "80px", align: "right" }, cell: (c) => formatTokens(c.getValue()) }),
  sessions.accessor("costUsd", { header: "Cost", meta: { width: "110px", align: "right" }, cell: (c) => <Money value={c.getValue()} /> }),
  sessions.accessor("durationMs", { header: "Duration", meta: num, cell: (c) => duration(c.getValue()) }),
  sessions.accessor((r) => `${formatTokens(r.firstInputTokens)} → ${formatTokens(r.lastInputTokens)}`, { id: "prompt", header: "Prompt tokens", meta: { width: "150px", align: "right" } }),
  sessions.accessor("promptGrowth", {
    header: "Growth",
    meta: { width: "110px", align: "right" },
    // A prompt that grew 5× or more over the session is a runaway conversation.
    cell: (c) => {
      const g = c.getValue();
      return g === null ? "" : <span className={g >= 5 ? "badge badge-warn" : undefined}>{`${g.toFixed(1)}×`}</span>;
    },
  }),
  sessions.accessor("errors", { header: "Errors", meta: { width: "90px", align: "right" }, cell: (c) => formatTokens(c.getValue()) }),
]);

export const BREAKDOWN_GRID = "minmax(200px, 2fr) 90px 110px 110px 110px 110px 80px";
export const breakdownColumns = groups.columns([
  groups.accessor("key", { header: "Group", meta: { width: "minmax(200px, 2fr)" }, cell: (c) => (c.row.original.none ? <span className="muted">(none)</span> : c.getValue()) }),
  groups.accessor("calls", { header: "Calls", meta: { width: "90px", align: "right" }, cell: (c) => formatTokens(c.getValue()) }),
  groups.accessor("costUsd", { header: "Cost", meta: { width: "110px", align: "right" }, cell: (c) => <Money value={c.getValue()} /> }),
  groups.accessor("inputTokens", { header: "Input tok.", meta: { width: "110px", align: "right" }, cell: (c) => formatTokens(c.getValue()) }),
  groups.accessor("outputTokens", { header: "Output tok.", meta: { width: "110px", align: "right" }, cell: (c) => formatTokens(c.getValue()) }),
  groups.accessor("unpricedCalls", { header: "Unpriced", meta: { width: "110px", align: "right" }, cell: (c) => formatTokens(c.getValue()) }),
  groups.accessor("errorRate", { header: "Errors", meta: { width: "80px", align: "right" }, cell: (c) => formatPercent(c.getValue()) }),
]);
