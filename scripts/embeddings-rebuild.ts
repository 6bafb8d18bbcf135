// npm run embeddings:rebuild [-- --keep-old] [--all] [--no-embed]
// After changing EMBEDDING_MODEL, EMBEDDING_DIMENSIONS or the embedder (OPENAI_API_KEY): queues
// every prompt whose vector is from another model and, for a new dimension, changes the vector
// column's type and rebuilds the HNSW index; then embeds them here (unless --no-embed, leaving it to
// the workers). Stop the old workers first: they would keep writing the old model.
import { getEmbedder, prepareRebuild, drainQueue } from "~/features/prompts/server";
import { parseArgs } from "./lib/args";
import { openScriptDb } from "./lib/database";

const args = parseArgs(process.argv.slice(2));
const db = await openScriptDb();
const embedder = getEmbedder();
const controller = new AbortController();
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => controller.abort());
try {
  const plan = await prepareRebuild(db.client.sql, embedder, { keepOld: args.has("keep-old"), all: args.has("all") });
  if (plan.dimensionChange) {
    console.log(`[rebuild] vector column ${plan.columnDimensions ?? "?"} → ${embedder.dimensions} dimensions; ${plan.droppedVectors} old vectors dropped, index rebuilt`);
  }
  console.log(`[rebuild] ${embedder.model}: ${plan.requeued} prompts queued${plan.droppedVectors && !plan.dimensionChange ? `, ${plan.droppedVectors} vectors of other models dropped` : ""}`);
  if (!args.has("no-embed")) {
    const t0 = performance.now();
    const r = await drainQueue({ sql: db.client.sql, embedder, signal: controller.signal });
    const s = (performance.now() - t0) / 1000;
    console.log(`[rebuild] ${r.done} prompts embedded and linked in ${s.toFixed(1)} s (${r.embedded} texts embedded, ${r.failed} failed and queued for a retry, ${r.edges} edges)`);
  }
} finally {
  await db.close();
}
