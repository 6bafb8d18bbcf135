// Prompts, client-safe surface: the Prompts page (table, similar prompts, clusters), the
// overview's savings headline, their query options and input schemas.
export { PromptsTable } from "./components/prompts-table/table";
export { PromptsTableSkeleton } from "./components/prompts-table/skeleton";
export { SavingsHeadline } from "./components/savings-headline";
export { clustersQuery, promptsQuery, similarQuery } from "./queries";
export { clustersInputSchema, promptsListInputSchema, promptTextInputSchema, similarInputSchema, type PromptsListInput } from "./schemas";
