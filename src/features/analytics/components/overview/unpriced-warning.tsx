import Link from "next/link";
import { formatInt } from "~/lib/display";

/** Calls of models with no known price are stored as `unpriced`, never as $0: say which. */
export function UnpricedWarning({ calls, models, more }: { calls: number; models: { provider?: string; model?: string }[]; more: boolean }) {
  if (calls === 0) return null;
  return (
    <div className="callout callout-warn" role="status" data-testid="unpriced-warning">
      <strong>{formatInt(calls)} calls have no price</strong> and are not counted in the cost above:{" "}
      {models.map((m, i) => (
        <span key={`${m.provider}/${m.model}`}>
          {i > 0 && ", "}
          <code>
            {m.provider}/{m.model}
          </code>
        </span>
      ))}
      {more && " and possibly more"}. <Link href="/settings#prices">Add a custom price</Link> to cost them.
    </div>
  );
}
