import { formatMoney } from "~/lib/display";

/** Exact to the cent on screen; the full stored precision on hover. */
export function Money({ value, unpriced = false }: { value: string | null; unpriced?: boolean }) {
  if (unpriced || value === null) {
    return (
      <span className="badge badge-warn" title="No known price for this model: stored as unpriced, not $0">
        unpriced
      </span>
    );
  }
  return (
    <span className="num" title={`$${value}`}>
      {formatMoney(value)}
    </span>
  );
}
