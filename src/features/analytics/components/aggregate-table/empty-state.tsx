import { EmptyState } from "~/components/ui/empty-state";

export function AggregateEmptyState({ kind }: { kind: "features" | "models" }) {
  return (
    <EmptyState title={kind === "features" ? "No features in this window" : "No models in this window"}>
      Widen the time range or clear filters. Calls appear here as soon as they are ingested.
    </EmptyState>
  );
}
