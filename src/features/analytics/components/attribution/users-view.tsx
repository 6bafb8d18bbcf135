"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo } from "react";
import { useDashboardFilters } from "~/components/filter-bar/use-dashboard-filters";
import { ExportMenu } from "~/features/export";
import { DashboardFilterBar } from "~/features/filters";
import { hrefWith } from "~/lib/filters";
import { useTRPC } from "~/trpc/react";
import { USER_ORDERS, type UserOrder } from "../../attribution-schemas";
import { CostOverTime } from "../overview/cost-over-time";
import { breakdownColumns, BREAKDOWN_GRID, sessionColumns, SESSIONS_GRID, userColumns, USERS_GRID } from "./columns";
import { ListView } from "./list-view";
import { breakdownQuery, parseUserOrder, sessionsQuery, usersQuery } from "./queries";
import { Options } from "~/components/ui/options";

const PAGE_PARAMS = ["order", "group"] as const;
const ORDER_LABELS: Record<UserOrder, string> = { cost: "Cost", calls: "Calls", lastSeen: "Last seen" };

/** The Users page: every end user by cost (or calls, last seen); with a user filter, that user's drill-down. */
export function UsersView({ serverNowMs }: { serverNowMs: number }) {
  const state = useDashboardFilters(serverNowMs, PAGE_PARAMS);
  const { filters, input } = state;
  const order = parseUserOrder(state.params.get("order"));
  const trpc = useTRPC();
  const users = useInfiniteQuery({ ...usersQuery(trpc, input, order), placeholderData: keepPreviousData, enabled: filters.userId === undefined });
  const columns = useMemo(() => userColumns((u) => hrefWith("/users", { ...filters, userId: u.userId })), [filters]);
  if (filters.userId !== undefined) return <UserDetail state={state} />;
  return (
    <>
      <DashboardFilterBar state={state} actions={<ExportMenu kind="users" input={input} />} />
      <div className="table-meta">
        <label className="field">
          <span>Order by</span>
          <select aria-label="Order by" value={order} onChange={(e) => state.setParam("order", e.target.value === "cost" ? undefined : e.target.value)}>
            <Options values={USER_ORDERS} label={(o) => ORDER_LABELS[o]} />
          </select>
        </label>
        <Link href={hrefWith("/users/sessions", filters)} prefetch={false}>
          Sessions →
        </Link>
      </div>
      <ListView
        query={users}
        columns={columns}
        grid={USERS_GRID}
        label="Users"
        rowId={(u) => u.userId}
        empty="No end users in this window"
        rowHref={(u) => hrefWith("/users", { ...filters, userId: u.userId })}
      />
    </>
  );
}

/** One user: cost over time by feature, the features, the sessions and a link to the events. */
function UserDetail({ state }: { state: ReturnType<typeof useDashboardFilters> }) {
  const { filters, input } = state;
  const trpc = useTRPC();
  const features = useInfiniteQuery({ ...breakdownQuery(trpc, input, "feature"), placeholderData: keepPreviousData });
  const sessions = useInfiniteQuery({ ...sessionsQuery(trpc, input), placeholderData: keepPreviousData });
  const columns = useMemo(() => sessionColumns((s) => hrefWith("/events", { ...filters, sessionId: s.sessionId })), [filters]);
  const all = { ...filters };
  delete all.userId;
  return (
    <>
      <DashboardFilterBar state={state} actions={<ExportMenu kind="sessions" input={input} />} />
      <p className="table-meta">
        <Link href={hrefWith("/users", all)} prefetch={false}>
          ← All users
        </Link>{" "}
        <strong data-testid="user-detail">User {filters.userId}</strong>{" "}
        <Link href={hrefWith("/events", filters)} prefetch={false}>
          Events →
        </Link>
      </p>
      <CostOverTime input={input} groupBy="feature" />
      <h2 className="label">Features</h2>
      <ListView query={features} columns={breakdownColumns} grid={BREAKDOWN_GRID} label="User features" rowId={(r) => r.key} empty="No calls" height="240px" />
      <h2 className="label">Sessions</h2>
      <ListView query={sessions} columns={columns} grid={SESSIONS_GRID} label="User sessions" rowId={(r) => r.sessionId} empty="No sessions" height="320px" />
    </>
  );
}

/** Sessions of every user (or the filtered one), costliest first, with prompt growth. */
export function SessionsView({ serverNowMs }: { serverNowMs: number }) {
  const state = useDashboardFilters(serverNowMs);
  const trpc = useTRPC();
  const sessions = useInfiniteQuery({ ...sessionsQuery(trpc, state.input), placeholderData: keepPreviousData });
  const { filters } = state;
  const columns = useMemo(() => sessionColumns((s) => hrefWith("/events", { ...filters, sessionId: s.sessionId })), [filters]);
  return (
    <>
      <DashboardFilterBar state={state} actions={<ExportMenu kind="sessions" input={state.input} />} />
      <ListView
        query={sessions}
        columns={columns}
        grid={SESSIONS_GRID}
        label="Sessions"
        rowId={(s) => s.sessionId}
        empty="No sessions in this window"
        rowHref={(s) => hrefWith("/events", { ...filters, sessionId: s.sessionId })}
      />
    </>
  );
}
