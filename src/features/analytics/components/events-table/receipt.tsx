"use client";

import { useQuery } from "@tanstack/react-query";
import { Money } from "~/components/ui/money";
import { Skeleton } from "~/components/ui/skeleton";
import { formatTokens } from "~/lib/display";
import { useTRPC } from "~/trpc/react";

const LABELS: Record<string, string> = {
  uncached_input: "Uncached input",
  cache_read: "Cache reads",
  cache_write: "Cache writes",
  output: "Output",
  adjustment: "Adjustment",
};

/** The call's line items (events.receipt): quantity × unit price = amount, adding up to the stored cost. */
export function Receipt({ eventId }: { eventId: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.events.receipt.queryOptions({ id: eventId }));
  if (q.isPending) return <Skeleton height={120} />;
  if (q.isError) return <p role="alert">Could not load the receipt: {q.error.message}</p>;
  const r = q.data;
  return (
    <div data-testid="receipt">
      <table className="receipt-table">
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col" className="num">Tokens</th>
            <th scope="col" className="num">$ / 1M</th>
            <th scope="col" className="num">Amount</th>
          </tr>
        </thead>
        <tbody>
          {r.lines.map((l) => (
            <tr key={l.kind} data-kind={l.kind}>
              <td>
                {LABELS[l.kind] ?? l.kind}
                {l.reasoningTokens ? <span className="muted small"> (incl. {formatTokens(l.reasoningTokens)} reasoning)</span> : null}
                {l.note ? <span className="muted small"> — {l.note}</span> : null}
              </td>
              <td className="num">{l.kind === "adjustment" ? "" : formatTokens(l.tokens)}</td>
              <td className="num">{l.unitPriceUsdPerMTok ?? "—"}</td>
              <td className="num" title={l.amountUsd === null ? undefined : `$${l.amountUsd}`}>{l.amountUsd === null ? "—" : `$${l.amountUsd}`}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>Total ({r.source})</th>
            <td className="num" data-testid="receipt-total">{r.totalUsd === null ? <Money value={null} unpriced /> : `$${r.totalUsd}`}</td>
          </tr>
        </tfoot>
      </table>
      <p className="muted small">
        {r.tier === "long" ? `Long-context tier (prompt above ${formatTokens(r.longContextThresholdTokens ?? 0)} tokens) for the whole call` : "Base tier"} ·{" "}
        service tier <strong>{r.serviceTier}</strong>
        {r.price ? ` · price ${r.price.provider}/${r.price.model} (#${r.price.id}${r.price.custom ? ", custom" : ""}) effective ${r.price.effectiveFrom}` : " · no price"}
      </p>
      {r.warnings.length > 0 && (
        <ul className="callout callout-warn" data-testid="receipt-warnings">
          {r.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
