"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "~/trpc/react";

/** Unacknowledged alerts, next to "Alerts" in the navigation (refreshed every minute). */
export function AlertBadge() {
  const trpc = useTRPC();
  const count = useQuery({ ...trpc.alerts.unacknowledged.queryOptions(), refetchInterval: 60_000 });
  if (!count.data) return null;
  return (
    <span className="nav-badge" data-testid="alert-badge" aria-label={`${count.data} unacknowledged`}>
      {count.data > 99 ? "99+" : count.data}
    </span>
  );
}
