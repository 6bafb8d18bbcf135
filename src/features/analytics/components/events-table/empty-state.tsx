import { EmptyState } from "~/components/ui/empty-state";

export function EventsEmptyState({ filtered }: { filtered: boolean }) {
  return (
    <EmptyState title="No events match">
      {filtered ? "Try a longer time range or clear some filters." : "No calls were recorded in this time range."}
    </EmptyState>
  );
}
