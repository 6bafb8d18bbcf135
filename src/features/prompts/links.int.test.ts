// The near-duplicate edge set depends on the vectors only: embedding order, batch size, several
// workers, or a bulk load (index dropped, vectors stored, index built once, then linked prompt by
// prompt or in memory) all give the same edges. The bulk path runs in a database of its own (it drops the shared HNSW index).
import { afterAll, expect, it, vi } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { createApiKey } from "~/server/auth/api-keys";
import { createDbClient, type Sql } from "~/server/db";
import { logger } from "~/server/logger";
import { prepareSchema } from "~/startup/bootstrap";
import { closeTestDb, describeWithDb, newProject, pgUrl, testDb } from "~/test/integration";
import { createLocalEmbedder } from "./server/embedders/local";
import { BULK_LINK } from "./server/worker/bulk-link";
import { hnswIndexExists } from "./server/worker/index-maintenance";
import { drainQueue, processBatch } from "./server/worker/worker";
import { freshDatabase, promptEvent, settleProject } from "./testing";

afterAll(closeTestDb);

const local = createLocalEmbedder(512);
const names = ["Ada", "Grace", "Barbara", "Edsger", "Donald", "Margaret", "Alan", "Katherine", "Dennis", "Frances", "Ken", "Radia", "Tim", "Hedy", "Linus", "Sophie"];
// Families larger than k = 10, so lists are really trimmed, plus unrelated prompts.
const texts = [
  ...names.map((n, i) => `Draft a friendly follow-up email to ${n} about refund case ${1000 + i * 37}.`),
  ...names.slice(0, 13).map((n, i) => `Summarise the support ticket from ${n}: the invoice for order ${i * 911} is wrong`),
  ...names.slice(0, 12).map((n, i) => `Translate the onboarding guide for ${n} into ${["French", "German", "Spanish", "Italian"][i % 4]}, keep the tone`),
  "Review this diff for bugs, security issues and style.",
  "Rank these 10 search results by relevance to the query.",
  "Write a haiku about the quarterly revenue numbers.",
];

async function seed(projectId: string) {
  const r = await ingestEvents(testDb(), projectId, texts.map((t) => promptEvent(t)));
  expect(r.rejected).toEqual([]);
}

/** Claim order forced by embed_next_at: forward or backward in id order. */
async function orderQueue(sql: Sql, projectId: string, backwards: boolean) {
  // The times computed here: Citus refuses now() next to a column reference in an UPDATE.
  // By rank in id order (ids on a cluster are large: each node draws from its own range).
  const ids = await sql<{ id: string }[]>`SELECT id::text AS id FROM prompts WHERE project_id = ${projectId} ORDER BY id`;
  const base = Date.now() - 86_400_000;
  const at = ids.map((r, i) => ({ id: r.id, at: new Date(base + (backwards ? -i : i) * 1000).toISOString() }));
  await sql`UPDATE prompts p SET embed_next_at = x.at
    FROM jsonb_to_recordset(${JSON.stringify(at)}::jsonb) AS x(id bigint, at timestamptz)
    WHERE p.project_id = ${projectId} AND p.id = x.id`;
}

const settle = (sql: Sql, projectId: string) => settleProject(sql, projectId, local);

async function edgeSet(sql: Sql, projectId: string) {
  const rows = await sql<{ a: string; b: string; s: number }[]>`
    SELECT pa.text AS a, pb.text AS b, n.similarity AS s FROM prompt_neighbors n
    JOIN prompts pa ON pa.project_id = n.project_id AND pa.id = n.prompt_id
    JOIN prompts pb ON pb.project_id = n.project_id AND pb.id = n.neighbor_id
    WHERE n.project_id = ${projectId}`;
  return rows.map((r) => `${r.a} → ${r.b} @ ${r.s}`).sort();
}

describeWithDb("near-duplicate edges do not depend on the embedding order (real PostgreSQL + pgvector)", () => {
  it("one prompt at a time forwards, backwards with three workers, and a bulk load give the same lists", async () => {
    const sql = testDb().sql;
    const forward = (await newProject("links-forward")).projectId;
    await seed(forward);
    await orderQueue(sql, forward, false);
    await drainQueue({ sql, embedder: local, projectId: forward, batchSize: 1 });

    const backward = (await newProject("links-backward")).projectId;
    await seed(backward);
    await orderQueue(sql, backward, true);
    const clients = Array.from({ length: 3 }, () => createDbClient(pgUrl ?? "", { max: 1 }));
    try {
      await Promise.all(clients.map((c) => drainQueue({ sql: c.sql, embedder: local, projectId: backward, batchSize: 3 })));
    } finally {
      await Promise.all(clients.map((c) => c.sql.end({ timeout: 5 })));
    }

    await settle(sql, forward);
    await settle(sql, backward);
    const a = await edgeSet(sql, forward);
    expect(a.length).toBeGreaterThan(100);
    expect(await edgeSet(sql, backward)).toEqual(a);
    // Lists were trimmed to k: the largest family has 16 members, yet no list holds more than 10.
    const [most] = await sql<{ n: number }[]>`
      SELECT max(c)::int AS n FROM (SELECT count(*) AS c FROM prompt_neighbors WHERE project_id = ${forward} GROUP BY prompt_id) x`;
    expect(most?.n).toBe(10);

    const fresh = await freshDatabase();
    const client = createDbClient(fresh.url, { max: 2 });
    // How each build ran: with PostgreSQL's parallel workers after the link, or in one process beside it.
    const info = vi.spyOn(logger, "info");
    const builds = () => info.mock.calls.filter(([msg]) => msg === "embedding backlog stored: HNSW index built").map(([, f]) => (f as { serial: boolean }).serial);
    try {
      await prepareSchema(fresh.url, client);
      const bulk = (await createApiKey(client.db, "links-bulk")).projectId;
      const r = await ingestEvents(client, bulk, texts.map((t) => promptEvent(t)));
      expect(r.rejected).toEqual([]);
      // A backlog of 1 counts as large here: the first full batch drops the index…
      const first = await processBatch({ sql: client.sql, embedder: local, projectId: bulk, batchSize: 8, bulkMinBacklog: 1 });
      expect(first).toMatchObject({ claimed: 8, done: 8, linked: 0 });
      expect(await hnswIndexExists(client.sql)).toBe(false);
      // …the rest is stored without it, then it is built once and everything is linked.
      const rest = await drainQueue({ sql: client.sql, embedder: local, projectId: bulk, batchSize: 8, bulkMinBacklog: 1 });
      expect(rest.done).toBe(texts.length - 8);
      expect(rest.linked).toBe(texts.length);
      expect(await hnswIndexExists(client.sql)).toBe(true);
      expect(builds()).toEqual([false]);
      expect(await edgeSet(client.sql, bulk)).toEqual(a);

      // The same backlog linked in memory: nothing due, the queue counts as large, so one pass
      // links it all before the index is built again.
      const memory = (await createApiKey(client.db, "links-memory")).projectId;
      expect((await ingestEvents(client, memory, texts.map((t) => promptEvent(t)))).rejected).toEqual([]);
      await processBatch({ sql: client.sql, embedder: local, projectId: memory, batchSize: 8, bulkMinBacklog: 1 });
      expect(await hnswIndexExists(client.sql)).toBe(false);
      let inMemory = 0;
      // Chunks of 5: nine merges queued behind the lookups, each its own transaction.
      const chunk = BULK_LINK.chunk;
      BULK_LINK.chunk = 5;
      try {
        for (let i = 0; i < 20; i++) {
          const r = await processBatch({ sql: client.sql, embedder: local, projectId: memory, batchSize: 8, bulkMinBacklog: 1, bulkLinkMinQueued: 1 });
          if (r.claimed === 0 && r.linked > 0) inMemory = r.linked;
          if (r.claimed === 0) break;
        }
      } finally {
        BULK_LINK.chunk = chunk;
      }
      expect(inMemory).toBe(texts.length);
      expect(await hnswIndexExists(client.sql)).toBe(true);
      // The queue was half the vectors: the index was built beside the link, in one process.
      expect(builds()).toEqual([false, true]);
      const [queued] = await client.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM prompt_link_queue WHERE project_id = ${memory}`;
      expect(queued?.n).toBe(0);
      expect(await edgeSet(client.sql, memory)).toEqual(a);
    } finally {
      info.mockRestore();
      await client.sql.end({ timeout: 5 });
      await fresh.drop();
    }
  }, 120_000);
});
