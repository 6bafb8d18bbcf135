// Ingestion, server surface: validated batches in, priced rows stored in one statement.
export { ingestEvents } from "./ingest";
export { insertEvents, routedEventsInsert, type EventRow, type PromptRow } from "./insert-events";
export { splitPayload } from "./payload";
