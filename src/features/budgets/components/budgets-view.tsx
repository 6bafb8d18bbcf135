"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ErrorState } from "~/components/ui/error-state";
import { Skeleton } from "~/components/ui/skeleton";
import { useTRPC } from "~/trpc/react";
import { BUDGET_PERIODS, BUDGET_SCOPES, type BudgetScope, type BudgetStatus } from "../schemas";
import { TimeZoneSetting } from "./time-zone";

type Draft = { id: string | null; name: string; amountUsd: string; period: string; kind: string; key: string; value: string; thresholds: string };
const EMPTY: Draft = { id: null, name: "", amountUsd: "", period: "month", kind: "project", key: "", value: "", thresholds: "50, 80, 100" };
const SCOPE_LABEL: Record<string, string> = {
  project: "Whole project",
  feature: "Feature",
  model: "Model",
  provider: "Provider",
  tag: "Tag",
  metadata: "Metadata key = value",
  user: "One end user",
  each_user: "Each end user",
};

function scopeOf(d: Draft): BudgetScope {
  if (d.kind === "metadata") return { kind: "metadata", key: d.key, value: d.value };
  if (d.kind === "project" || d.kind === "each_user") return { kind: d.kind };
  return { kind: d.kind as "feature" | "model" | "provider" | "tag" | "user", value: d.value };
}

const scopeText = (s: BudgetScope) => (s.kind === "metadata" ? `metadata ${s.key} = ${s.value}` : "value" in s ? `${s.kind} ${s.value}` : SCOPE_LABEL[s.kind]);
const usd = (s: string) => `$${Number(s).toFixed(2)}`;
const pct = (spent: string, limit: string) => Math.min(100, Math.round((Number(spent) / Number(limit)) * 100));

function Progress({ b }: { b: BudgetStatus }) {
  const p = pct(b.spent, b.limit);
  const forecastP = pct(b.forecast.periodEndUsd, b.limit);
  return (
    <div className="budget-progress">
      <div
        className={`budget-bar budget-${b.state}`}
        role="progressbar"
        aria-label={`${b.name}${b.subject ? ` (${b.subject})` : ""}: ${usd(b.spent)} of ${usd(b.limit)}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={p}
      >
        <span className="budget-fill" style={{ width: `${p}%` }} />
        <span className="budget-forecast" style={{ left: `${forecastP}%` }} title="forecast at the period's end" />
      </div>
      <p className="muted small">
        {usd(b.spent)} of {usd(b.limit)} ({p}%) · <strong className={`budget-state-${b.state}`}>{b.state}</strong> · forecast {usd(b.forecast.periodEndUsd)}
        {b.forecast.exceedsAt ? ` — on track to exceed on ${new Date(b.forecast.exceedsAt).toLocaleString()}` : ""} · resets{" "}
        {new Date(b.periodEnd).toLocaleString()}
      </p>
    </div>
  );
}

export function BudgetsView() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const budgets = useQuery(trpc.budgets.list.queryOptions());
  const status = useQuery(trpc.budgets.status.queryOptions());
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const invalidate = () => Promise.all([qc.invalidateQueries({ queryKey: trpc.budgets.list.queryKey() }), qc.invalidateQueries({ queryKey: trpc.budgets.status.queryKey() })]);
  const done = { onSuccess: () => { setDraft(EMPTY); return invalidate(); } };
  const create = useMutation(trpc.budgets.create.mutationOptions(done));
  const update = useMutation(trpc.budgets.update.mutationOptions(done));
  const remove = useMutation(trpc.budgets.delete.mutationOptions({ onSuccess: invalidate }));
  const save = draft.id ? update : create;
  const issues = new Map((save.error?.data?.issues ?? []).map((i) => [i.path, i.message]));
  const issueFor = (...paths: string[]) => paths.map((p) => issues.get(p)).find((m) => m !== undefined);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const thresholds = draft.thresholds.split(",").map((t) => Number(t.trim())).filter((n) => !Number.isNaN(n));
    const input = { name: draft.name, amountUsd: draft.amountUsd.trim(), period: draft.period as "day", scope: scopeOf(draft), thresholds };
    if (draft.id) update.mutate({ ...input, id: draft.id });
    else create.mutate(input);
  };
  const field = (id: string, label: string, value: string, set: (v: string) => void, issue: string | undefined, extra: { placeholder?: string; inputMode?: "decimal" } = {}) => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} value={value} onChange={(e) => set(e.target.value)} aria-invalid={issue ? true : undefined} aria-describedby={issue ? `${id}-issue` : undefined} {...extra} />
      {issue && <small id={`${id}-issue`} className="error-text">{issue}</small>}
    </div>
  );

  return (
    <div className="stack">
      <section className="card" aria-labelledby="budget-form-title">
        <h2 id="budget-form-title">{draft.id ? "Edit budget" : "New budget"}</h2>
        <form className="budget-form" onSubmit={submit}>
          {field("budget-name", "Name", draft.name, (v) => setDraft({ ...draft, name: v }), issueFor("name"), { placeholder: "Monthly chat" })}
          {field("budget-amount", "Amount (USD)", draft.amountUsd, (v) => setDraft({ ...draft, amountUsd: v }), issueFor("amountUsd"), { placeholder: "250.00", inputMode: "decimal" })}
          <div className="field">
            <label htmlFor="budget-period">Period</label>
            <select id="budget-period" value={draft.period} onChange={(e) => setDraft({ ...draft, period: e.target.value })}>
              {BUDGET_PERIODS.map((p) => <option key={p} value={p}>{p}</option>)}
            </select>
          </div>
          <div className="field">
            <label htmlFor="budget-scope">Scope</label>
            <select id="budget-scope" value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: e.target.value })}>
              {BUDGET_SCOPES.map((s) => <option key={s} value={s}>{SCOPE_LABEL[s]}</option>)}
            </select>
          </div>
          {draft.kind === "metadata" && field("budget-key", "Metadata key", draft.key, (v) => setDraft({ ...draft, key: v }), issueFor("scope.key"))}
          {draft.kind !== "project" && draft.kind !== "each_user" &&
            field("budget-value", draft.kind === "metadata" ? "Metadata value" : SCOPE_LABEL[draft.kind] ?? "Value", draft.value, (v) => setDraft({ ...draft, value: v }), issueFor("scope.value"))}
          {field("budget-thresholds", "Alert at (% of amount)", draft.thresholds, (v) => setDraft({ ...draft, thresholds: v }), issueFor("thresholds", "thresholds.0"))}
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>{draft.id ? "Save budget" : "Create budget"}</button>
          {draft.id && <button type="button" className="btn btn-ghost" onClick={() => setDraft(EMPTY)}>Cancel</button>}
        </form>
        {save.isError && issues.size === 0 && <p role="alert" className="error-text">{save.error.message}</p>}
      </section>
      <section className="card" aria-labelledby="budget-list-title">
        <h2 id="budget-list-title">Budgets this period</h2>
        {budgets.isPending || status.isPending ? (
          <Skeleton height={120} />
        ) : budgets.isError ? (
          <ErrorState error={budgets.error} onRetry={() => void budgets.refetch()} />
        ) : status.isError ? (
          <ErrorState error={status.error} onRetry={() => void status.refetch()} />
        ) : budgets.data.length === 0 ? (
          <p className="muted">No budgets yet: create one above to be alerted at 50, 80 and 100 % of it.</p>
        ) : (
          <ul className="budget-list" aria-label="Budgets">
            {budgets.data.map((b) => {
              const rows = status.data.filter((s) => s.budgetId === b.id).sort((x, y) => Number(y.spent) - Number(x.spent));
              return (
                <li key={b.id} className="budget-item" data-testid="budget-item">
                  <div className="budget-head">
                    <h3>{b.name}</h3>
                    <span className="muted">
                      {usd(b.amountUsd)} per {b.period} · {scopeText(b.scope)} · alerts at {b.thresholds.join(", ")} %
                    </span>
                    <button type="button" className="btn btn-small" aria-label={`Edit budget ${b.name}`}
                      onClick={() => setDraft({ id: b.id, name: b.name, amountUsd: b.amountUsd.replace(/\.?0+$/, ""), period: b.period, kind: b.scope.kind,
                        key: b.scope.kind === "metadata" ? b.scope.key : "", value: "value" in b.scope ? b.scope.value : "", thresholds: b.thresholds.join(", ") })}>
                      Edit
                    </button>
                    <button type="button" className="btn btn-small" aria-label={`Delete budget ${b.name}`} onClick={() => remove.mutate({ id: b.id })}>Delete</button>
                  </div>
                  {b.scope.kind === "each_user" && rows.every((r) => r.subject === "" || r.subject === null) ? (
                    <p className="muted small">No end user has reached the first threshold this period.</p>
                  ) : (
                    <>
                      {b.scope.kind === "each_user" && <p className="muted small">Top users this period:</p>}
                      {rows.slice(0, 10).map((r) => <Progress key={`${r.budgetId}:${r.subject ?? ""}`} b={{ ...r, name: r.subject ? `${b.name} — ${r.subject}` : b.name }} />)}
                    </>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </section>
      <TimeZoneSetting />
    </div>
  );
}
