// embeddings:rebuild on a database of its own (it alters the vector column's type).
import { afterAll, beforeAll, expect, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { createApiKey } from "~/server/auth/api-keys";
import { prepareSchema } from "~/startup/bootstrap";
import { createDbClient, type DbClient } from "~/server/db";
import { describeWithDb } from "~/test/integration";
import { createLocalEmbedder } from "./server/embedders/local";
import type { Embedder } from "./server/embedders/types";
import { findSimilar } from "./server/similar";
import { vectorColumnDimensions } from "./server/worker/queue";
import { prepareRebuild } from "./server/worker/rebuild";
import { drainQueue } from "./server/worker/worker";
import { freshDatabase, promptEvent } from "./testing";

let db: Awaited<ReturnType<typeof freshDatabase>> | null = null;
let client: DbClient;
let projectId = "";

beforeAll(async () => {
  db = await freshDatabase();
  client = createDbClient(db.url, { max: 2 });
  await prepareSchema(db.url, client);
  projectId = (await createApiKey(client.db, "rebuild")).projectId;
  const texts = Array.from({ length: 20 }, (_, i) => `Rebuild prompt ${i}: summarise the ${["refund", "invoice", "login"][i % 3]} ticket for team ${i % 4}`);
  await ingestEvents(client, projectId, texts.map((t) => promptEvent(t)));
}, 120_000);

afterAll(async () => {
  await client.sql.end({ timeout: 5 });
  await db?.drop();
});

async function columnState() {
  const [r] = await client.sql<{ storage: string; index: boolean; vectors: number; pending: number }[]>`
    SELECT (SELECT attstorage::text FROM pg_attribute WHERE attrelid = 'prompt_embeddings'::regclass AND attname = 'embedding') AS storage,
      EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'prompt_embeddings_hnsw_idx') AS index,
      (SELECT count(*)::int FROM prompt_embeddings) AS vectors,
      (SELECT count(*)::int FROM prompts WHERE NOT embed_done) AS pending`;
  return { ...r, dims: await vectorColumnDimensions(client.sql) };
}

describeWithDb("npm run embeddings:rebuild", () => {
  it("changes the vector column's dimension, rebuilds the index and re-embeds everything", async () => {
    const e512 = createLocalEmbedder(512);
    expect((await drainQueue({ sql: client.sql, embedder: e512 })).done).toBe(20);
    expect(await columnState()).toMatchObject({ dims: 512, storage: "p", index: true, vectors: 20, pending: 0 });

    const e256 = createLocalEmbedder(256);
    const plan = await prepareRebuild(client.sql, e256);
    expect(plan).toMatchObject({ columnDimensions: 512, dimensionChange: true, requeued: 20, droppedVectors: 20 });
    expect(await columnState()).toMatchObject({ dims: 256, storage: "p", index: true, vectors: 0, pending: 20 });
    expect((await drainQueue({ sql: client.sql, embedder: e256 })).done).toBe(20);
    const [first] = await client.sql<{ id: string }[]>`SELECT id::text FROM prompts WHERE project_id = ${projectId} ORDER BY id LIMIT 1`;
    const r = await findSimilar(client, e256, projectId, { promptId: first?.id ?? "", minSimilarity: 0, limit: 5 });
    expect(r.embedded).toBe(true);
    expect(r.items).toHaveLength(5);
  });

  it("re-queues prompts of another model at the same dimension, dropping or keeping the old vectors", async () => {
    const next: Embedder = { ...createLocalEmbedder(256), model: "local/hash-v2@256" };
    const keep = await prepareRebuild(client.sql, next, { keepOld: true });
    expect(keep).toMatchObject({ dimensionChange: false, requeued: 20, droppedVectors: 0 });
    expect((await drainQueue({ sql: client.sql, embedder: next })).embedded).toBe(20);
    const [both] = await client.sql<{ models: number }[]>`SELECT count(DISTINCT model)::int AS models FROM prompt_embeddings`;
    expect(both?.models).toBe(2);
    const again = await prepareRebuild(client.sql, next);
    expect(again).toMatchObject({ requeued: 0, droppedVectors: 20 }); // nothing to re-embed; the old model's vectors go
    const all = await prepareRebuild(client.sql, next, { all: true });
    expect(all.requeued).toBe(20);
  });
});
