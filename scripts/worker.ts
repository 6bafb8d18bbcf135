// npm run worker: the embedding worker on its own, for deployments that run the servers with
// EMBEDDING_WORKER=off (or want more workers). Any number may run at once. `--drain` stops when
// nothing is due instead of polling forever.
import { env } from "~/env";
import { getEmbedder, checkVectorSpace, drainQueue, runWorker } from "~/features/prompts/server";
import { parseArgs } from "./lib/args";
import { openScriptDb } from "./lib/database";

if (!env.DATABASE_URL) {
  // A second PGlite on the same data directory would corrupt it; `npm start` runs the worker itself.
  console.error("npm run worker needs DATABASE_URL: with the embedded database the worker runs inside `npm start`.");
  process.exit(2);
}
const args = parseArgs(process.argv.slice(2));
const db = await openScriptDb();
const embedder = getEmbedder();
const controller = new AbortController();
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => controller.abort());
let code = 0;
try {
  if (!(await checkVectorSpace(db.client.sql, embedder))) code = 1;
  else if (args.has("drain")) {
    const t0 = performance.now();
    const r = await drainQueue({ sql: db.client.sql, embedder, signal: controller.signal });
    const s = (performance.now() - t0) / 1000;
    console.log(`[worker] ${embedder.model}: ${r.done} prompts done (${r.embedded} embedded, ${r.reused} reused, ${r.failed} failed, ${r.edges} edges) in ${s.toFixed(1)} s`);
  } else {
    console.log(`[worker] ${embedder.model}: running (Ctrl-C stops after the current batch)`);
    await runWorker({ sql: db.client.sql, embedder, signal: controller.signal });
  }
} finally {
  await db.close();
}
process.exit(code);
