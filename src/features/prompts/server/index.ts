// Prompts, server surface: the router, the embedding worker and its embedders, similarity search,
// clusters, and the prompts list the export streams.
export { promptsRouter } from "./router";
export { getEmbedder } from "./embedders";
export { createLocalEmbedder } from "./embedders/local";
export type { Embedder } from "./embedders/types";
export { getPromptText } from "./prompt-text";
export { promptRowSchema, promptsQuery, toPromptItem, type PromptRow } from "./prompts-list";
export { DEFAULT_TUNING, findSimilar, searchConcurrency, type SearchTuning } from "./similar";
export { listClusters } from "./clusters/list";
export { computeClusters } from "./clusters/compute";
export { prepareRebuild } from "./worker/rebuild";
export { createHnsw } from "./worker/hnsw";
export { checkVectorSpace, startEmbeddingWorker } from "./worker/start";
export { drainQueue, runWorker, WORKER_DEFAULTS } from "./worker/worker";
// The queue's statements unrun, for the Citus router-plan test.
export { claimStatement, markDoneStatement, markFailedStatement } from "./worker/queue";
// Input schemas, for scripts (the client index also carries React components).
export { clustersInputSchema } from "../schemas";
