"use client";

import { skipToken, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useDashboardFilters } from "~/components/filter-bar/use-dashboard-filters";
import { Money } from "~/components/ui/money";
import { Skeleton } from "~/components/ui/skeleton";
import { SERVICE_TIERS, type ServiceTier } from "~/lib/service-tier";
import { useTRPC } from "~/trpc/react";
import { Options } from "~/components/ui/options";

type Target = { provider: string; model: string; serviceTier: ServiceTier };

/** "What would this window's real traffic cost on another model or tier?" (insights.whatIf). */
export function WhatIfPanel({ serverNowMs }: { serverNowMs: number }) {
  const { input } = useDashboardFilters(serverNowMs);
  const trpc = useTRPC();
  const [draft, setDraft] = useState<Target>({ provider: "openai", model: "gpt-5-mini", serviceTier: "standard" });
  const [target, setTarget] = useState<Target | null>(null);
  const q = useQuery(trpc.insights.whatIf.queryOptions(target ? { ...input, targets: [target] } : skipToken));
  const t = q.data?.targets[0];
  return (
    <details className="callout insight-panel" data-testid="what-if-panel">
      <summary>What if this traffic ran on another model or tier?</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setTarget({ ...draft, provider: draft.provider.trim(), model: draft.model.trim() });
        }}
      >
        <label>
          Provider <input className="input" value={draft.provider} onChange={(e) => setDraft({ ...draft, provider: e.target.value })} required />
        </label>
        <label>
          Model <input className="input" value={draft.model} onChange={(e) => setDraft({ ...draft, model: e.target.value })} required />
        </label>
        <label>
          Tier{" "}
          <select className="input" value={draft.serviceTier} onChange={(e) => setDraft({ ...draft, serviceTier: SERVICE_TIERS.find((s) => s === e.target.value) ?? "standard" })}>
            <Options values={SERVICE_TIERS} />
          </select>
        </label>
        <button type="submit" className="btn">Compare</button>
      </form>
      {target && q.isPending && <Skeleton height={60} />}
      {q.isError && <p role="alert">{q.error.message}</p>}
      {q.data && t && (
        <div data-testid="what-if-result">
          <p>
            Actual <Money value={q.data.actualCostUsd} /> → {t.provider}/{t.model} ({t.serviceTier}){" "}
            {t.costUsd === null ? <strong>has no price for part of this traffic</strong> : <><Money value={t.costUsd} /> (<span data-testid="what-if-difference">{t.differenceUsd?.startsWith("-") ? "" : "+"}{t.differenceUsd}</span>)</>}
          </p>
          {(t.missingPrices.length > 0 || t.callsOverContextWindow !== "0") && (
            <p className="callout callout-warn small">
              {t.missingPrices.length > 0 && `No own price for ${t.missingPrices.join(", ")} (billed at the input price). `}
              {t.callsOverContextWindow !== "0" && `${t.callsOverContextWindow} calls exceed its context window.`}
            </p>
          )}
          <table>
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col" className="num">Calls</th>
                <th scope="col" className="num">Actual</th>
                <th scope="col" className="num">Target</th>
                <th scope="col" className="num">Difference</th>
              </tr>
            </thead>
            <tbody>
              {q.data.features.map((f) => (
                <tr key={f.feature}>
                  <td>{f.feature === "" ? "(none)" : f.feature}</td>
                  <td className="num">{f.calls}</td>
                  <td className="num"><Money value={f.actualCostUsd} /></td>
                  <td className="num"><Money value={f.targets[0]?.costUsd ?? null} /></td>
                  <td className="num">{f.targets[0]?.differenceUsd ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">Whole UTC days {q.data.window.from.slice(0, 10)} – {q.data.window.to.slice(0, 10)}. {q.data.assumptions.join(" ")}</p>
        </div>
      )}
    </details>
  );
}
