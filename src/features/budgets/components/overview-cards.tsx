"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "~/trpc/react";

const usd = (s: string) => `$${Number(s).toFixed(2)}`;

/** The Overview's budget and forecast cards: month-end forecast, and the budgets closest to their limit. */
export function BudgetCards() {
  const trpc = useTRPC();
  const forecast = useQuery(trpc.budgets.forecast.queryOptions());
  const status = useQuery(trpc.budgets.status.queryOptions());
  const top = [...(status.data ?? [])].sort((a, b) => Number(b.spent) / Number(b.limit) - Number(a.spent) / Number(a.limit)).slice(0, 3);
  return (
    <div className="cards budget-cards">
      <section className="card" aria-labelledby="forecast-card-title" data-testid="forecast-card">
        <h2 id="forecast-card-title" className="label">Month-end forecast</h2>
        {forecast.data ? (
          <>
            <p className="value">{usd(forecast.data.project.expectedUsd)}</p>
            <p className="muted small">
              range {usd(forecast.data.project.lowUsd)} – {usd(forecast.data.project.highUsd)} · {usd(forecast.data.project.spentUsd)} so far
              {forecast.data.timeZone === "UTC" ? "" : ` · month in ${forecast.data.timeZone}`}
            </p>
          </>
        ) : (
          <p className="muted small">{forecast.isError ? "unavailable" : "…"}</p>
        )}
      </section>
      <section className="card" aria-labelledby="budget-card-title" data-testid="budget-card">
        <h2 id="budget-card-title" className="label">Budgets</h2>
        {top.length === 0 ? (
          <p className="muted small">
            No budget yet. <Link href="/budgets" prefetch={false}>Create one</Link>
          </p>
        ) : (
          <ul className="plain-list">
            {top.map((b) => (
              <li key={`${b.budgetId}:${b.subject ?? ""}`}>
                <Link href="/budgets" prefetch={false}>{b.name}{b.subject ? ` (${b.subject})` : ""}</Link>: {usd(b.spent)} of {usd(b.limit)} ·{" "}
                <strong className={`budget-state-${b.state}`}>{b.state}</strong>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
