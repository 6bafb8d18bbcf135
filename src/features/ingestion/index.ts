// Ingestion, client-safe surface: the event contract (zod) and the "send your first event" panel.
export { Onboarding } from "./components/onboarding";
export { MAX_BATCH_EVENTS, MAX_BODY_BYTES, MAX_COST_USD, MAX_TOKENS, eventSchema } from "./schemas";
