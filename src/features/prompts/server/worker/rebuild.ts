import "server-only";
import type { Sql } from "~/server/db";
import type { Embedder } from "../embedders/types";
import { createHnsw, HNSW_INDEX } from "./hnsw";
import { vectorColumnDimensions } from "./queue";

export { HNSW_INDEX };

export type RebuildPlan = { columnDimensions: number | null; dimensionChange: boolean; requeued: number; droppedVectors: number };

/**
 * Prepares the database for the configured embedder; the worker then does the embedding.
 * - Another dimension: vectors of the old size cannot be stored next to new ones, so both tables
 *   are emptied, the column's type becomes vector(N) and the index is recreated (the worker drops
 *   it again while it stores a large backlog, then builds it once). Every prompt is queued again.
 * - Same dimension, another model: other models' vectors and edges are dropped (unless keepOld)
 *   and the prompts done under another model are queued again.
 * - `all`: also re-embed prompts already done under this model (e.g. after changing the edge floor).
 * Prompts stored without text (STORE_PROMPT_TEXT=none) are never queued: there is nothing to embed.
 */
export async function prepareRebuild(sql: Sql, embedder: Embedder, o: { keepOld?: boolean; all?: boolean } = {}): Promise<RebuildPlan> {
  const columnDimensions = await vectorColumnDimensions(sql);
  const dims = Math.trunc(embedder.dimensions);
  if (columnDimensions !== dims) {
    return sql.begin(async (tx) => {
      await tx`LOCK TABLE prompt_embeddings, prompt_neighbors, prompt_link_queue IN ACCESS EXCLUSIVE MODE`;
      const [count] = await tx<{ n: number }[]>`SELECT count(*)::int AS n FROM prompt_embeddings`;
      await tx`TRUNCATE prompt_neighbors, prompt_link_queue, prompt_embeddings`;
      await tx.unsafe(`DROP INDEX IF EXISTS "${HNSW_INDEX}"`);
      await tx.unsafe(`ALTER TABLE prompt_embeddings ALTER COLUMN embedding TYPE vector(${dims})`);
      // A type change resets the column's storage to the type's default: keep vectors in the row (migration 0008).
      await tx.unsafe(`ALTER TABLE prompt_embeddings ALTER COLUMN embedding SET STORAGE PLAIN`);
      await tx.unsafe(createHnsw(dims));
      const res = await tx`
        UPDATE prompts SET embed_done = false, embed_model = NULL, embed_attempts = 0, embed_next_at = NULL
        WHERE (embed_done OR embed_attempts > 0 OR embed_next_at IS NOT NULL) AND text <> ''`;
      return { columnDimensions, dimensionChange: true, requeued: res.count, droppedVectors: count?.n ?? 0 };
    });
  }
  return sql.begin(async (tx) => {
    let dropped = 0;
    if (!o.keepOld || o.all) {
      const keep = o.all ? "" : embedder.model;
      dropped = (await tx`DELETE FROM prompt_embeddings WHERE model <> ${keep}`).count;
      await tx`DELETE FROM prompt_neighbors WHERE model <> ${keep}`;
      await tx`DELETE FROM prompt_link_queue WHERE model <> ${keep}`;
    }
    const res = o.all
      ? await tx`UPDATE prompts SET embed_done = false, embed_attempts = 0, embed_next_at = NULL WHERE (embed_done OR embed_attempts > 0) AND text <> ''`
      : await tx`
          UPDATE prompts SET embed_done = false, embed_attempts = 0, embed_next_at = NULL
          WHERE embed_done AND embed_model IS DISTINCT FROM ${embedder.model} AND text <> ''`;
    return { columnDimensions, dimensionChange: false, requeued: res.count, droppedVectors: dropped };
  });
}
