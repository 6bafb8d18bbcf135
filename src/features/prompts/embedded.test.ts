// The prompts feature on the embedded default (PGlite 0.5 = PostgreSQL 18 + pgvector 0.8.7, one
// shared backend): the worker's claims and links, prompts.similar and prompts.clusters run the
// same SQL as on a real server.
import { describe, expect, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { createApiKey } from "~/server/auth/api-keys";
import { startEmbeddedTestDb } from "~/test/embedded";
import { clustersInputSchema } from "./schemas";
import { listClusters } from "./server/clusters/list";
import { createLocalEmbedder } from "./server/embedders/local";
import { findSimilar } from "./server/similar";
import { drainQueue } from "./server/worker/worker";

const db = startEmbeddedTestDb("acp-pglite-prompts-");
const local = createLocalEmbedder(512);
const T0 = Date.now() - 86_400_000;

const event = (prompt: string, minute: number, cost: string) => ({
  id: `emb-${prompt.length}-${minute}`,
  timestamp: new Date(T0 + minute * 60_000).toISOString(),
  provider: "openai",
  model: "gpt-4o-mini",
  inputTokens: 10,
  outputTokens: 5,
  costUsd: cost,
  prompt,
});

describe("prompt similarity on the embedded database", () => {
  it("embeds, links, searches and prices clusters", async () => {
    const { projectId } = await createApiKey(db.client.db, "embedded-prompts");
    const a = "Draft a friendly follow-up email to Ada about refunds.";
    const b = "Draft a friendly follow-up email to Grace about refunds.";
    const x = "Review this diff for bugs, security issues and style.";
    const r = await ingestEvents(db.client, projectId, [event(a, 0, "0.010"), event(b, 10, "0.020"), event(a, 20, "0.010"), event(x, 30, "0.5")]);
    expect(r.accepted).toBe(4);
    // One near-duplicate pair: a row in each of the two prompts' neighbour lists.
    expect(await drainQueue({ sql: db.client.sql, embedder: local, projectId })).toMatchObject({ done: 3, linked: 3, edges: 2 });

    const [src] = await db.client.sql<{ id: string }[]>`SELECT id::text FROM prompts WHERE project_id = ${projectId} AND text = ${a}`;
    const similar = await findSimilar(db.client, local, projectId, { promptId: src?.id ?? "", minSimilarity: 0.8, limit: 10 });
    expect(similar.items.map((i) => i.preview)).toEqual([b]);
    // Transaction-local settings did not leak into the one shared session.
    const [ef] = await db.client.sql<{ v: string }[]>`SELECT current_setting('hnsw.ef_search', true) AS v`;
    expect(ef?.v ?? "40").toBe("40");

    const secret = Buffer.alloc(32, 7);
    const page = await listClusters(db.client.db, secret, projectId, local.model, clustersInputSchema.parse({}));
    expect(page.items).toHaveLength(1);
    // b at +10 is served by a at +0 (0.010 ≤ 0.020); a at +20 repeats a.
    expect(page.items[0]).toMatchObject({ prompts: 2, calls: "3", exactRepeatSavingsUsd: "0.010000000000", semanticCacheSavingsUsd: "0.030000000000" });
  });
});
