"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useDashboardFilters } from "~/components/filter-bar/use-dashboard-filters";
import { Money } from "~/components/ui/money";
import { Skeleton } from "~/components/ui/skeleton";
import { useTRPC } from "~/trpc/react";

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** Where provider prompt caching would pay (insights.cacheOpportunities), loaded when opened. */
export function CacheOpportunitiesPanel({ serverNowMs }: { serverNowMs: number }) {
  const { input } = useDashboardFilters(serverNowMs);
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const q = useQuery({ ...trpc.insights.cacheOpportunities.queryOptions(input), enabled: open });
  return (
    <details className="callout insight-panel" data-testid="cache-panel" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Prompt-cache opportunities (provider caching of shared prefixes)</summary>
      {open && q.isPending && <Skeleton height={60} />}
      {q.isError && <p role="alert">{q.error.message}</p>}
      {q.data && q.data.features.length === 0 && <p className="muted">No feature with a long shared prompt prefix in this window.</p>}
      {q.data && q.data.features.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Feature</th>
              <th scope="col">Model</th>
              <th scope="col" className="num">Shared prefix</th>
              <th scope="col" className="num">≈ prefix tokens</th>
              <th scope="col" className="num">Median gap</th>
              <th scope="col" className="num">Hit rate now</th>
              <th scope="col" className="num">Saving / month</th>
            </tr>
          </thead>
          <tbody>
            {q.data.features.map((f) => (
              <tr key={f.feature} data-testid="cache-row">
                <td>{f.feature === "" ? "(none)" : f.feature}</td>
                <td title={f.rule}>{f.provider}/{f.model}</td>
                <td className="num">{pct(f.sharedPrefixShare)}</td>
                <td className="num">{f.avgPrefixTokens}</td>
                <td className="num">{f.medianGapSeconds === null ? "—" : `${Math.round(f.medianGapSeconds)} s (lifetime ${f.cacheLifetimeSeconds} s)`}</td>
                <td className="num">{f.alreadyCaching ? `${pct(f.hitRate)}, ${pct(f.missedHitShare)} missed` : "not caching"}</td>
                <td className="num"><Money value={f.monthlySavingUsd} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {q.data && <p className="muted small">{q.data.assumptions.join(" ")}</p>}
    </details>
  );
}
