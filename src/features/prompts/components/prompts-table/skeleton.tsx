import { TableSkeleton } from "~/components/ui/data-table/table-skeleton";

// Kept here (not in the client columns module) so the server can render the skeleton.
const PROMPT_HEADERS = ["Prompt", "Calls", "Cost", "Per call", "Last seen (UTC)"];

export function PromptsTableSkeleton() {
  return <TableSkeleton columns={PROMPT_HEADERS} label="Prompts" />;
}
