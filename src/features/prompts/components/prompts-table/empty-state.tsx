import { EmptyState } from "~/components/ui/empty-state";

export function PromptsEmptyState({ search }: { search: string | undefined }) {
  return (
    <EmptyState title={search ? `No prompt contains “${search}”` : "No prompts in this window"}>
      Prompts are recorded when events carry a <code>prompt</code> field.
    </EmptyState>
  );
}
