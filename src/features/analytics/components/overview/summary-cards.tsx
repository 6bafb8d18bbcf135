"use client";

import { Skeleton } from "~/components/ui/skeleton";
import type { Summary } from "~/features/analytics/server/stats";
import { formatInt } from "~/lib/display";
import { averageCost, comparableChange, formatCompact, formatMoney, formatPercent } from "~/lib/display";

type Card = {
  id: string;
  label: string;
  value: string;
  exact: string;
  change: number | null;
  /** Whether a rise is bad news (cost, errors) or neutral. */
  riseIsBad: boolean;
};

function cards(cur: Summary, prev: Summary | undefined): Card[] {
  const avg = averageCost(cur.costUsd, cur.calls);
  const prevAvg = prev ? averageCost(prev.costUsd, prev.calls) : "0";
  const tokens = cur.inputTokens + cur.outputTokens;
  const change = (a: number, b: number | undefined) => (b === undefined || !prev ? null : comparableChange(a, b, cur.calls, prev.calls));
  return [
    { id: "cost", label: "Cost", value: formatMoney(cur.costUsd), exact: `$${cur.costUsd}`, change: change(Number(cur.costUsd), prev && Number(prev.costUsd)), riseIsBad: true },
    { id: "calls", label: "Calls", value: formatCompact(cur.calls), exact: formatInt(cur.calls), change: change(cur.calls, prev?.calls), riseIsBad: false },
    { id: "tokens", label: "Tokens", value: formatCompact(tokens), exact: `${formatInt(cur.inputTokens)} in · ${formatInt(cur.outputTokens)} out`, change: change(tokens, prev && prev.inputTokens + prev.outputTokens), riseIsBad: false },
    { id: "avg-cost", label: "Avg cost / call", value: formatMoney(avg), exact: `$${avg}`, change: change(Number(avg), prev && Number(prevAvg)), riseIsBad: true },
    { id: "error-rate", label: "Error rate", value: formatPercent(cur.errorRate), exact: `${formatInt(cur.errors)} errors`, change: change(cur.errorRate, prev?.errorRate), riseIsBad: true },
  ];
}

function Change({ value, riseIsBad, hasPrevious }: { value: number | null; riseIsBad: boolean; hasPrevious: boolean }) {
  if (value === null) return <span className="change muted">{hasPrevious ? "too little data before" : "no previous data"}</span>;
  const rounded = Math.round(value * 10) / 10;
  // Beyond 10× the percentage stops being readable; the exact figures are in the card's title.
  if (rounded >= 1000) return <span className={`change change-${riseIsBad ? "bad" : "good"}`}>▲ over 10× <span className="muted">vs previous</span></span>;
  const tone = rounded === 0 ? "flat" : (rounded > 0) === riseIsBad ? "bad" : "good";
  const arrow = rounded > 0 ? "▲" : rounded < 0 ? "▼" : "■";
  return (
    <span className={`change change-${tone}`}>
      <span aria-hidden="true">{arrow}</span> {Math.abs(rounded).toFixed(1)}% <span className="muted">vs previous</span>
    </span>
  );
}

export function SummaryCards({ current, previous }: { current: Summary; previous: Summary | undefined }) {
  return (
    <section className="cards" aria-label="Summary">
      {cards(current, previous).map((c) => (
        <div className="card stat" key={c.id}>
          <div className="label">{c.label}</div>
          <div className="value" data-testid={`summary-${c.id}`} title={c.exact} data-exact={c.exact}>
            {c.value}
          </div>
          <Change value={c.change} riseIsBad={c.riseIsBad} hasPrevious={previous !== undefined && previous.calls > 0} />
        </div>
      ))}
    </section>
  );
}

export function SummaryCardsSkeleton() {
  return (
    <section className="cards" aria-label="Summary (loading)" aria-busy="true">
      {["Cost", "Calls", "Tokens", "Avg cost / call", "Error rate"].map((l) => (
        <div className="card stat" key={l}>
          <div className="label">{l}</div>
          <div className="value">
            <Skeleton width="60%" height={26} />
          </div>
          <span className="change">
            <Skeleton width="70%" height={12} />
          </span>
        </div>
      ))}
    </section>
  );
}
