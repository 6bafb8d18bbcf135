import { afterAll, expect, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { createDbClient } from "~/server/db";
import { closeTestDb, describeWithDb, newProject, pgUrl, testDb } from "~/test/integration";
import { createLocalEmbedder } from "./server/embedders/local";
import { PermanentEmbedError } from "./server/embedders/types";
import { claimPrompts, markDone, storeVectors } from "./server/worker/queue";
import { copyVectors } from "./server/worker/vector-copy";
import { drainQueue, processBatch } from "./server/worker/worker";
import { countingEmbedder, promptEvent } from "./testing";

afterAll(closeTestDb);

const local = createLocalEmbedder(512);

async function seed(prompts: string[]) {
  const { projectId } = await newProject("worker");
  for (let i = 0; i < prompts.length; i += 500) {
    const r = await ingestEvents(testDb(), projectId, prompts.slice(i, i + 500).map((p) => promptEvent(p)));
    expect(r.rejected).toEqual([]);
  }
  return projectId;
}

async function queueState(projectId: string) {
  const rows = await testDb().sql<{ done: number; pending: number; vectors: number }[]>`
    SELECT count(*) FILTER (WHERE embed_done)::int AS done, count(*) FILTER (WHERE NOT embed_done)::int AS pending,
      (SELECT count(*)::int FROM prompt_embeddings WHERE project_id = ${projectId}) AS vectors
    FROM prompts WHERE project_id = ${projectId}`;
  return rows[0];
}

describeWithDb("embedding worker (real PostgreSQL + pgvector)", () => {
  it("several concurrent workers embed every prompt exactly once", async () => {
    const texts = Array.from({ length: 240 }, (_, i) => `Concurrent prompt ${i}: summarise ticket ${i * 7919} for the ${i % 5} team`);
    const projectId = await seed(texts);
    const counter = countingEmbedder(local, { delayMs: 5, batchSize: 16 });
    // Each worker on its own connection pool, as separate processes would be.
    const clients = Array.from({ length: 4 }, () => createDbClient(pgUrl ?? "", { max: 1 }));
    try {
      const results = await Promise.all(clients.map((c) => drainQueue({ sql: c.sql, embedder: counter.embedder, projectId })));
      expect(results.reduce((s, r) => s + r.done, 0)).toBe(240);
      expect(results.filter((r) => r.done > 0).length).toBeGreaterThan(1); // they really shared the work
    } finally {
      await Promise.all(clients.map((c) => c.sql.end({ timeout: 5 })));
    }
    expect(counter.counts.size).toBe(240);
    expect([...counter.counts.values()].every((n) => n === 1)).toBe(true);
    expect(await queueState(projectId)).toEqual({ done: 240, pending: 0, vectors: 240 });
    const again = await drainQueue({ sql: testDb().sql, embedder: counter.embedder, projectId });
    expect(again.claimed).toBe(0);
  });

  it("links near-duplicates with their similarity, in both prompts' lists", async () => {
    const projectId = await seed([
      "Draft a friendly follow-up email to Ada about refunds.",
      "Draft a friendly follow-up email to Grace about refunds.",
      "Review this diff for bugs, security issues and style.",
    ]);
    await drainQueue({ sql: testDb().sql, embedder: local, projectId });
    const edges = await testDb().sql<{ a: string; b: string; similarity: number }[]>`
      SELECT pa.text AS a, pb.text AS b, n.similarity FROM prompt_neighbors n
      JOIN prompts pa ON pa.project_id = n.project_id AND pa.id = n.prompt_id
      JOIN prompts pb ON pb.project_id = n.project_id AND pb.id = n.neighbor_id
      WHERE n.project_id = ${projectId}`;
    // Each is among the other's nearest: one row per direction, with the very same similarity.
    expect(edges).toHaveLength(2);
    for (const e of edges) {
      expect([e.a, e.b].sort()).toEqual([
        "Draft a friendly follow-up email to Ada about refunds.",
        "Draft a friendly follow-up email to Grace about refunds.",
      ]);
      expect(e.similarity).toBeGreaterThan(0.8);
    }
    expect(edges[0]?.similarity).toBe(edges[1]?.similarity);
  });

  it("retries failures with growing backoff, then succeeds", async () => {
    const projectId = await seed(["retry me one", "retry me two"]);
    let failing = true;
    const flaky = countingEmbedder(local, { fail: () => (failing ? new Error("503 upstream unavailable") : null) });
    const o = { sql: testDb().sql, embedder: flaky.embedder, projectId, random: () => 0.5 };
    const first = await processBatch(o);
    expect(first).toMatchObject({ claimed: 2, failed: 2, done: 0 });
    const delays = async () =>
      testDb().sql<{ attempts: number; wait: number }[]>`
        SELECT embed_attempts AS attempts, extract(epoch FROM embed_next_at - now())::float8 AS wait
        FROM prompts WHERE project_id = ${projectId}`;
    for (const r of await delays()) {
      expect(r.attempts).toBe(1);
      expect(r.wait).toBeGreaterThan(28);
      expect(r.wait).toBeLessThan(31);
    }
    expect((await processBatch(o)).claimed).toBe(0); // not due yet
    await testDb().sql`UPDATE prompts SET embed_next_at = now() - interval '1 second' WHERE project_id = ${projectId}`;
    expect(await processBatch(o)).toMatchObject({ claimed: 2, failed: 2 });
    for (const r of await delays()) {
      expect(r.attempts).toBe(2);
      expect(r.wait).toBeGreaterThan(58); // 30 s, then 60 s
      expect(r.wait).toBeLessThan(61);
    }
    failing = false;
    await testDb().sql`UPDATE prompts SET embed_next_at = now() - interval '1 second' WHERE project_id = ${projectId}`;
    expect(await processBatch(o)).toMatchObject({ claimed: 2, embedded: 2, done: 2 });
    const after = await testDb().sql<{ attempts: number; next: Date | null }[]>`
      SELECT embed_attempts AS attempts, embed_next_at AS next FROM prompts WHERE project_id = ${projectId}`;
    expect(after.every((r) => r.attempts === 0 && r.next === null)).toBe(true);
  });

  it("isolates a text the embedder rejects, so the rest of its batch is stored", async () => {
    const texts = Array.from({ length: 10 }, (_, i) => (i === 6 ? "POISON prompt" : `healthy prompt ${i}`));
    const projectId = await seed(texts);
    const picky = countingEmbedder(local, { fail: (t) => (t.some((x) => x.startsWith("POISON")) ? new PermanentEmbedError("400 bad input") : null) });
    const r = await processBatch({ sql: testDb().sql, embedder: picky.embedder, projectId, random: () => 0.5 });
    expect(r).toMatchObject({ claimed: 10, embedded: 9, failed: 1, done: 9 });
    expect(picky.calls()).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(10)));
    expect([...picky.counts.values()].every((n) => n === 1)).toBe(true);
  });

  it("never writes after its lease was taken over, and reuses a stored vector instead of re-embedding", async () => {
    const projectId = await seed(["leased prompt"]);
    const sql = testDb().sql;
    const stale = await claimPrompts(sql, { limit: 10, leaseSeconds: 300, model: local.model, projectId });
    expect(stale).toHaveLength(1);
    // The first worker stored its vector, then stalled past its lease.
    const v = await local.embed(["leased prompt"]);
    await storeVectors(sql, local.model, stale.map((c, i) => ({ projectId: c.projectId, id: c.id, vector: v[i] ?? new Float32Array() })));
    await sql`UPDATE prompts SET embed_next_at = now() - interval '1 second' WHERE project_id = ${projectId}`;
    const counter = countingEmbedder(local);
    const r = await processBatch({ sql, embedder: counter.embedder, projectId });
    expect(r).toMatchObject({ claimed: 1, reused: 1, embedded: 0, done: 1 });
    expect(counter.calls()).toBe(0);
    expect(await markDone(sql, local.model, stale)).toBe(0); // fenced: attempts moved on
  });

  it("stores vectors bit for bit through COPY, lets rows already stored win, and refuses a wrong dimension whole", async () => {
    const projectId = await seed(["stored a", "stored b", "stored c", "stored d"]);
    const sql = testDb().sql;
    const ids = (await sql<{ id: string }[]>`SELECT id::text FROM prompts WHERE project_id = ${projectId} ORDER BY id`).map((r) => r.id);
    const vec = (seed: number) => Float32Array.from({ length: 512 }, (_, j) => (j === 0 ? 1.401298464324817e-45 : j === 1 ? -60000.125 : j === 2 ? 0.1 : Math.sin(seed * 1000 + j) / 3));
    const stored = async () =>
      new Map(
        (await sql<{ id: string; v: Buffer }[]>`SELECT prompt_id::text AS id, vector_send(embedding) AS v FROM prompt_embeddings WHERE project_id = ${projectId} AND model = 'copy-test@512'`).map((r) => [
          r.id,
          Array.from({ length: (r.v.length - 4) / 4 }, (_, j) => r.v.readFloatBE(4 + 4 * j)),
        ]),
      );
    // Out of key order on purpose; the first is stored first by itself.
    await storeVectors(sql, "copy-test@512", [{ projectId, id: ids[1] ?? "", vector: vec(1) }]);
    await storeVectors(sql, "copy-test@512", [2, 1, 0].map((i) => ({ projectId, id: ids[i] ?? "", vector: vec(10 + i) })));
    const after = await stored();
    expect([...after.keys()].sort()).toEqual(ids.slice(0, 3).sort());
    expect(after.get(ids[1] ?? "")).toEqual(Array.from(vec(1))); // already there: kept
    expect(after.get(ids[0] ?? "")).toEqual(Array.from(vec(10)));
    expect(after.get(ids[2] ?? "")).toEqual(Array.from(vec(12)));
    await expect(storeVectors(sql, "copy-test@512", [{ projectId, id: ids[3] ?? "", vector: new Float32Array(3).fill(0.5) }])).rejects.toThrow(/dimensions/);
    expect((await stored()).has(ids[3] ?? "")).toBe(false);
    // The COPY itself: it stores a new row, and says so when it could not (the row is there now).
    const last = [{ projectId, id: ids[3] ?? "", vector: vec(13) }];
    expect(await copyVectors(sql, "copy-test@512", last)).toBe(true);
    expect(await copyVectors(sql, "copy-test@512", last)).toBe(false);
    expect((await stored()).get(ids[3] ?? "")).toEqual(Array.from(vec(13)));
  });

  it("gives up on an embedder call before the lease ends", async () => {
    const hanging = {
      ...local,
      embed: (_t: string[], o?: { signal?: AbortSignal }) =>
        new Promise<Float32Array[]>((_, reject) => o?.signal?.addEventListener("abort", () => reject(new Error("aborted")))),
    };
    // The test app server's own embedding worker may claim a new prompt first: then try a new one.
    for (let i = 0; ; i++) {
      const projectId = await seed([`slow prompt ${i}`]);
      const t0 = performance.now();
      const r = await processBatch({ sql: testDb().sql, embedder: hanging, projectId, leaseSeconds: 61 }); // 1 s before the 60 s margin
      if (r.claimed === 0 && i < 5) continue;
      expect(r).toMatchObject({ claimed: 1, failed: 1, done: 0 });
      expect(performance.now() - t0).toBeLessThan(10_000);
      break;
    }
  });
});
