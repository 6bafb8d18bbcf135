import "server-only";
import type { Sql } from "~/server/db";
import { errorFields, logger } from "~/server/logger";
import { getEmbedder } from "../embedders";
import type { Embedder } from "../embedders/types";
import { vectorColumnDimensions } from "./queue";
import { runWorker } from "./worker";

declare global {
  // On globalThis: one per process even when Next evaluates this module more than once.
  var acpEmbeddingWorker: { stop: () => Promise<void> } | undefined;
}
const globalForWorker = globalThis;

/**
 * Refuses to run when the vector column's dimension differs from the embedder's (every insert
 * would fail), and says so when prompts carry vectors of another model (search would not see them).
 */
export async function checkVectorSpace(sql: Sql, embedder: Embedder): Promise<boolean> {
  const dims = await vectorColumnDimensions(sql);
  if (dims !== embedder.dimensions) {
    logger.error("embedding worker not started: the vector column does not match EMBEDDING_DIMENSIONS; run `npm run embeddings:rebuild`", {
      column: dims,
      embedder: embedder.dimensions,
    });
    return false;
  }
  const stale = await sql<{ model: string }[]>`
    SELECT embed_model AS model FROM prompts WHERE embed_done AND embed_model <> ${embedder.model} LIMIT 1`;
  if (stale[0]) {
    logger.warn("some prompts were embedded with another model; run `npm run embeddings:rebuild` to re-embed them", {
      found: stale[0].model,
      current: embedder.model,
    });
  }
  return true;
}

/** Starts the background worker once per process; `stop()` ends it after the current batch. */
export function startEmbeddingWorker(sql: Sql): { stop: () => Promise<void> } {
  if (globalForWorker.acpEmbeddingWorker) return globalForWorker.acpEmbeddingWorker;
  const controller = new AbortController();
  const embedder = getEmbedder();
  const running = (async () => {
    if (!(await checkVectorSpace(sql, embedder))) return;
    logger.info("embedding worker started", { model: embedder.model });
    await runWorker({ sql, embedder, signal: controller.signal });
  })().catch((err: unknown) => logger.error("embedding worker stopped", errorFields(err)));
  const handle = {
    stop: async () => {
      controller.abort();
      await running;
      globalForWorker.acpEmbeddingWorker = undefined;
    },
  };
  globalForWorker.acpEmbeddingWorker = handle;
  return handle;
}
