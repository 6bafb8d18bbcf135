// Analytics, client-safe surface: the Events, Features, Models and Overview views, their query
// options (shared by server prefetch and browser hooks), input schemas and row types.
export { AggregateTable } from "./components/aggregate-table/table";
export { AggregateTableSkeleton } from "./components/aggregate-table/skeleton";
export type { AggregateKind } from "./components/aggregate-table/columns";
export { EventsTable } from "./components/events-table/table";
export { EventDrawer } from "./components/events-table/drawer";
export { EventsTableSkeleton } from "./components/events-table/skeleton";
export { Overview } from "./components/overview/overview";
export { BreakdownView } from "./components/attribution/breakdown-view";
export { SessionsView, UsersView } from "./components/attribution/users-view";
export { breakdownQuery, parseUserOrder, sessionsQuery, usersQuery } from "./components/attribution/queries";
export { parseBreakdownBy } from "~/lib/list-filters";
export { breakdownInputSchema, sessionsInputSchema, usersInputSchema, NONE_KEY } from "./attribution-schemas";
export { SummaryCardsSkeleton } from "./components/overview/summary-cards";
export {
  AGGREGATE_PAGE,
  EVENTS_PAGE,
  OVERVIEW_MODELS,
  TOP_FEATURES,
  eventsQuery,
  featuresQuery,
  modelsQuery,
  parseGroupBy,
  previousSummaryQuery,
  summaryQuery,
  timeseriesQuery,
  type GroupBy,
} from "./queries";
export { timeseriesInputSchema, type TimeseriesInput } from "./schemas";
// Row types come from the server's query functions (erased at build: no server code reaches the client).
export type { AggregateItem } from "./server/aggregates";
export type { BreakdownItem, UserItem } from "./server/attribution-lists";
export type { SessionItem } from "./server/sessions-list";
export type { EventItem } from "./server/events-list";
export type { Summary, TimeseriesPoint } from "./server/stats";
