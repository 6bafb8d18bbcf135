import { TableSkeleton } from "~/components/ui/data-table/table-skeleton";
import type { AggregateKind } from "./columns";

// Kept here (not in the client columns module) so the server can render the skeleton.
const METRICS = ["Calls", "Cost", "Per call", "Input tok.", "Output tok.", "Avg latency", "p95 latency", "Errors"];

export function AggregateTableSkeleton({ kind }: { kind: AggregateKind }) {
  return (
    <TableSkeleton columns={[kind === "features" ? "Feature" : "Model", ...METRICS]} label={kind === "features" ? "Features" : "Models"} />
  );
}
