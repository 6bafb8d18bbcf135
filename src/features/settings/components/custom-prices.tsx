"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ErrorState } from "~/components/ui/error-state";
import { Skeleton } from "~/components/ui/skeleton";
import { useTRPC } from "~/trpc/react";
import { MiniTable } from "~/components/ui/mini-table";

type Draft = { provider: string; model: string; input: string; output: string; cachedInput: string; cacheWrite: string; effectiveFrom: string };
const EMPTY: Draft = { provider: "", model: "", input: "", output: "", cachedInput: "", cacheWrite: "", effectiveFrom: "" };
const FIELDS: { key: keyof Draft; label: string; placeholder: string; type?: string; required?: boolean }[] = [
  { key: "provider", label: "Provider", placeholder: "self-hosted", required: true },
  { key: "model", label: "Model", placeholder: "acme-llama-70b-ft", required: true },
  { key: "input", label: "Input $/1M", placeholder: "0.50", required: true },
  { key: "output", label: "Output $/1M", placeholder: "1.50", required: true },
  { key: "cachedInput", label: "Cached input $/1M", placeholder: "optional" },
  { key: "cacheWrite", label: "Cache write $/1M", placeholder: "optional" },
  { key: "effectiveFrom", label: "Effective from", placeholder: "", type: "date", required: true },
];

const PRICE_KEYS = ["input", "output", "cachedInput", "cacheWrite"] as const;
const PRICE_RE = /^\d{1,7}(\.\d{1,6})?$/;

export function CustomPrices() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const prices = useQuery(trpc.prices.list.queryOptions());
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const invalidate = () => qc.invalidateQueries({ queryKey: trpc.prices.list.queryKey() });
  const upsert = useMutation(trpc.prices.upsert.mutationOptions({ onSuccess: () => { setDraft(EMPTY); return invalidate(); } }));
  const remove = useMutation(trpc.prices.delete.mutationOptions({ onSuccess: invalidate }));
  const [localIssues, setLocalIssues] = useState<Map<string, string>>(new Map());
  const serverIssues = new Map((upsert.error?.data?.issues ?? []).map((i) => [i.path.split(".")[0] ?? "", i.message]));
  const issues = localIssues.size > 0 ? localIssues : serverIssues;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    // The same rule the server applies, checked first so a typo never leaves the browser.
    const bad = new Map<string, string>();
    for (const k of PRICE_KEYS) {
      const v = draft[k].trim();
      if ((v !== "" || k === "input" || k === "output") && !PRICE_RE.test(v)) bad.set(k, "price must be a decimal string in USD per 1M tokens with at most 6 decimals");
    }
    setLocalIssues(bad);
    if (bad.size > 0) return;
    upsert.mutate({
      provider: draft.provider,
      model: draft.model,
      input: draft.input.trim(),
      output: draft.output.trim(),
      ...(draft.cachedInput.trim() ? { cachedInput: draft.cachedInput.trim() } : {}),
      ...(draft.cacheWrite.trim() ? { cacheWrite: draft.cacheWrite.trim() } : {}),
      effectiveFrom: draft.effectiveFrom,
      source: "custom price (dashboard)",
    });
  };

  return (
    <section className="card" id="prices" aria-labelledby="prices-title">
      <h2 id="prices-title">Custom model prices</h2>
      <p className="muted">
        USD per 1M tokens. A custom price overrides the catalog for this project from its effective date and prices calls ingested from now
        on (<code>npm run prices:reprice</code> reprices stored ones). Use it for self-hosted, fine-tuned or negotiated models.
      </p>
      <form className="price-form" onSubmit={submit} noValidate={false}>
        {FIELDS.map((f) => (
          <div className="field" key={f.key}>
            <label htmlFor={`price-${f.key}`}>{f.label}</label>
            <input
              id={`price-${f.key}`}
              type={f.type ?? "text"}
              inputMode={f.type ? undefined : f.key === "provider" || f.key === "model" ? "text" : "decimal"}
              value={draft[f.key]}
              placeholder={f.placeholder}
              required={f.required}
              aria-invalid={issues.has(f.key) || undefined}
              aria-describedby={issues.has(f.key) ? `price-issue-${f.key}` : undefined}
              onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
            />
            {issues.has(f.key) && (
              <small id={`price-issue-${f.key}`} className="error-text">
                {issues.get(f.key)}
              </small>
            )}
          </div>
        ))}
        <button type="submit" className="btn btn-primary" disabled={upsert.isPending}>
          Save price
        </button>
      </form>
      {upsert.isError && issues.size === 0 && <p role="alert" className="error-text">{upsert.error.message}</p>}
      {prices.isPending ? (
        <Skeleton height={80} />
      ) : prices.isError ? (
        <ErrorState error={prices.error} onRetry={() => void prices.refetch()} />
      ) : prices.data.length === 0 ? (
        <p className="muted">No custom prices: every call is priced from the shipped catalog.</p>
      ) : (
        <MiniTable label="Custom prices" headings={["Provider / model", "#Input", "#Output", "#Cached", "#Cache write", "From"]}>
            {prices.data.map((p) => (
              <tr key={p.id}>
                <td>
                  <code>
                    {p.provider}/{p.model}
                  </code>
                </td>
                <td className="num">${p.input}</td>
                <td className="num">${p.output}</td>
                <td className="num">{p.cachedInput ? `$${p.cachedInput}` : "—"}</td>
                <td className="num">{p.cacheWrite ? `$${p.cacheWrite}` : "—"}</td>
                <td>{p.effectiveFrom}</td>
                <td className="num">
                  <button type="button" className="btn btn-small" onClick={() => remove.mutate({ id: p.id })} aria-label={`Delete price for ${p.provider}/${p.model} from ${p.effectiveFrom}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
        </MiniTable>
      )}
    </section>
  );
}
