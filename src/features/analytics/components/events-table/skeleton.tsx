import { TableSkeleton } from "~/components/ui/data-table/table-skeleton";

// Kept here (not in the client columns module) so the server can render the skeleton.
const EVENT_HEADERS = ["Time (UTC)", "Feature", "Model", "User", "Status", "Input", "Output", "Cost", "Latency"];

export function EventsTableSkeleton() {
  return <TableSkeleton columns={EVENT_HEADERS} label="Events" />;
}
