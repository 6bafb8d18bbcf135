import "server-only";
import { randomUUID } from "node:crypto";
import { drizzle } from "drizzle-orm/postgres-js";
import type { TransactionSql } from "postgres";
import { z } from "zod";
import { acquireLease, releaseLease } from "~/features/budgets/server";
import type { Sql } from "~/server/db";
import * as schema from "~/server/db/schema";
import { retryTransient } from "~/server/db/retry";
import { logger } from "~/server/logger";
import { MemoryHnsw } from "./knn/memory-hnsw";
import { mergeOffers, type LinkOptions } from "./link";

// The link stage for a large backlog, in one pass in the worker's memory. One HNSW lookup per
// prompt in PostgreSQL costs ~1.7 ms of CPU even with everything cached (docs/prompt-similarity.md),
// so two cores cannot link more than ~1,200 prompts/s that way. Here every vector of the project's
// space is read once, built into a graph in memory (8-bit vectors, WebAssembly SIMD products), and
// each queued prompt is looked up there; the pairs found are then scored by PostgreSQL itself (the
// same float4 products the per-prompt path stores) and merged into the lists exactly as the
// per-prompt path merges its offers, so the edge rule (each list keeps the best k of everything
// offered) and the lists' format do not change. The graph only proposes candidates: a pair it
// misses is an edge missed, as an HNSW lookup in the database may miss one (measured by
// `npm run bench:similarity`, "edges found").

export const BULK_LINK = {
  /** A project's queue of at least this many prompts… */
  minQueued: 10_000,
  /** …and at least this share of its vectors is linked in memory. */
  queuedPerVector: 0.25,
  /** Above this many vectors (~0.8 KB each in memory at 512 dimensions) the queue is linked prompt by prompt. */
  maxVectors: 2_000_000,
  efConstruction: 64,
  /**
   * Candidates whose 8-bit similarity is this far below the floor are still scored exactly (the
   * 8-bit error measured on the bench corpus: 0.012 at most over 1.3M pairs).
   */
  margin: 0.02,
  /** Queued prompts merged per transaction (their queue rows are deleted in it). */
  chunk: 2000,
  leaseMs: 10 * 60_000,
  leaseName: "prompt-links-bulk",
};

const projectRow = z.object({ project_id: z.string(), queued: z.number(), vectors: z.number() });
const vectorRow = z.object({ id: z.string(), v: z.instanceof(Buffer), queued: z.boolean() });
const candidateRow = z.object({ project_id: z.string(), a: z.string(), b: z.string(), sim: z.string() });

/** Whether a bulk link holds the lease now (the per-prompt linker then leaves the queue to it). */
export async function bulkLinkRunning(sql: Sql | TransactionSql): Promise<boolean> {
  const rows = await sql`SELECT 1 FROM budget_evaluator_lease WHERE name = ${BULK_LINK.leaseName} AND expires_at > now()`;
  return rows.length > 0;
}

/**
 * Projects whose queue is large enough (next to their vectors) to be linked in memory, the largest
 * first (with an index build beside the link, bench:similarity ran at 1,508–1,695 prompts/s in four
 * runs with its 100k project first, 1,468 and 1,496 in two with it second; not explained).
 */
async function bulkProjects(sql: Sql, o: { model: string; projectId?: string; minQueued: number }) {
  const scope = o.projectId ? sql`AND project_id = ${o.projectId}::uuid` : sql``;
  const rows = z.array(projectRow).parse(
    await sql`
      SELECT q.project_id::text, q.queued,
        (SELECT count(*)::int FROM prompt_embeddings e WHERE e.project_id = q.project_id AND e.model = ${o.model}) AS vectors
      FROM (SELECT project_id, count(*)::int AS queued FROM prompt_link_queue WHERE model = ${o.model} ${scope}
            GROUP BY project_id HAVING count(*) >= ${o.minQueued}) q
      ORDER BY q.queued DESC, q.project_id`,
  );
  return rows.filter((r) => r.queued >= BULK_LINK.queuedPerVector * r.vectors && r.vectors <= BULK_LINK.maxVectors);
}

/** pgvector's binary form: int16 dimension, int16 unused, float4 big-endian values. */
function readVector(buf: Buffer, into: Float32Array): void {
  for (let i = 0; i < into.length; i++) into[i] = buf.readFloatBE(4 + 4 * i);
}

type Graph = { hnsw: MemoryHnsw; ids: string[]; queued: number[]; linked: number[] };

/** Every vector of the project's space, in one snapshot, and which of them are queued. */
async function loadVectors(sql: Sql, model: string, projectId: string): Promise<Graph | null> {
  return sql.begin("ISOLATION LEVEL REPEATABLE READ READ ONLY", async (tx) => {
    // The table's own order, also while another scan of it runs (an index build beside the link):
    // a graph built in the same order finds the same candidates from one run to the next.
    await tx`SELECT set_config('synchronize_seqscans', 'off', true)`;
    const [count] = z.array(z.object({ n: z.number(), dim: z.number().nullable() })).parse(
      await tx`SELECT count(*)::int AS n, max(vector_dims(embedding)) AS dim FROM prompt_embeddings WHERE project_id = ${projectId}::uuid AND model = ${model}`,
    );
    if (!count?.n || !count.dim) return null;
    const hnsw = new MemoryHnsw({ dim: count.dim, capacity: count.n, efConstruction: BULK_LINK.efConstruction });
    const g: Graph = { hnsw, ids: [], queued: [], linked: [] };
    const scratch = new Float32Array(count.dim);
    const cursor = tx`
      SELECT e.prompt_id::text AS id, vector_send(e.embedding) AS v,
        EXISTS (SELECT 1 FROM prompt_link_queue q WHERE q.project_id = e.project_id AND q.prompt_id = e.prompt_id AND q.model = e.model) AS queued
      FROM prompt_embeddings e WHERE e.project_id = ${projectId}::uuid AND e.model = ${model}`.cursor(5000);
    for await (const rows of cursor) {
      for (const r of z.array(vectorRow).parse(rows)) {
        readVector(r.v, scratch);
        const slot = hnsw.store(scratch);
        g.ids[slot] = r.id;
        (r.queued ? g.queued : g.linked).push(slot);
      }
    }
    return g;
  });
}

/**
 * Gives the event loop a turn every few milliseconds (the worker may share its process with the
 * web server) and calls `renew` every minute.
 */
function yielder(renew: () => Promise<unknown>, everyMs = 10): () => Promise<unknown> | null {
  let last = performance.now();
  let renewed = last;
  return () => {
    const now = performance.now();
    if (now - last < everyMs) return null;
    last = now;
    if (now - renewed >= 60_000) {
      renewed = now;
      return renew();
    }
    return new Promise((resolve) => setImmediate(resolve));
  };
}

/** A queued prompt's candidates, by graph slot. */
type Chunk = { slot: number; pairs: Set<number> }[];

/**
 * The graph (the vectors already linked first) and the candidate pairs of each queued prompt: the
 * nearest `candidates` its insertion met and the nearest `candidates` a lookup among all vectors
 * finds, at or above the floor less the 8-bit margin. Each chunk of queued prompts is handed to
 * `ready` once its lookups are done (its pairs are final then), so the database merges one chunk
 * while the graph looks up the next.
 */
async function candidatePairs(g: Graph, o: LinkOptions, renew: () => Promise<unknown>, ready: (c: Chunk) => void): Promise<void> {
  const floor = o.floor - BULK_LINK.margin;
  const pairs = new Map<number, Set<number>>();
  // A pair of two queued prompts is scored once, with the first that finds it: the merge offers
  // every pair in both directions.
  const add = (q: number, ids: Int32Array, sims: Float32Array) => {
    let set = pairs.get(q);
    if (!set) pairs.set(q, (set = new Set()));
    for (let j = 0; j < ids.length && j < o.candidates; j++) {
      const b = ids[j] ?? 0;
      if ((sims[j] ?? 0) >= floor && !pairs.get(b)?.has(q)) set.add(b);
    }
  };
  const pause = yielder(renew);
  for (const slot of g.linked) {
    g.hnsw.insert(slot);
    await pause();
  }
  for (const q of g.queued) {
    const met = g.hnsw.insert(q);
    add(q, met.ids, met.sims);
    await pause();
  }
  // A lookup skips the pairs already found under the other prompt: once a chunk's own lookups are
  // done, its pairs are final.
  for (let i = 0; i < g.queued.length; i += BULK_LINK.chunk) {
    const slots = g.queued.slice(i, i + BULK_LINK.chunk);
    for (const q of slots) {
      const found = g.hnsw.search(q, Math.max(o.efSearch, o.candidates));
      add(q, found.ids, found.sims);
      await pause();
    }
    ready(slots.map((slot) => ({ slot, pairs: pairs.get(slot) ?? new Set() })));
  }
}

/** The pairs scored by PostgreSQL (cosine distance on the stored vectors), at or above the floor. */
async function scorePairs(tx: TransactionSql, o: LinkOptions, projectId: string, pairs: { a: string; b: string }[]) {
  if (pairs.length === 0) return [];
  return z.array(candidateRow).parse(
    await tx`
      SELECT ${projectId}::text AS project_id, r.a::text, r.b::text, (1 - (ea.embedding <=> eb.embedding))::real::text AS sim
      FROM jsonb_to_recordset(${JSON.stringify(pairs)}::jsonb) AS r(a bigint, b bigint)
      JOIN prompt_embeddings ea ON ea.project_id = ${projectId}::uuid AND ea.prompt_id = r.a AND ea.model = ${o.model}
      JOIN prompt_embeddings eb ON eb.project_id = ${projectId}::uuid AND eb.prompt_id = r.b AND eb.model = ${o.model}
      WHERE (1 - (ea.embedding <=> eb.embedding))::real >= ${o.floor}::real`,
  );
}

/**
 * One chunk of queued prompts: their queue rows locked (SKIP LOCKED: a per-prompt linker that
 * holds some links those itself), their pairs scored and merged, their queue rows deleted, in one
 * transaction, so a crash leaves them queued.
 */
async function mergeChunk(sql: Sql, o: LinkOptions, projectId: string, chunk: { id: string; pairs: string[] }[]) {
  return retryTransient(() =>
    sql.begin(async (tx) => {
      // Ids as a bigint[] literal: compared with = ANY, an index probe per id.
      const keys = `{${chunk.map((c) => c.id).join(",")}}`;
      const locked = z.array(z.object({ id: z.string() })).parse(
        await tx`
          SELECT prompt_id::text AS id FROM prompt_link_queue
          WHERE project_id = ${projectId}::uuid AND model = ${o.model}
            AND prompt_id = ANY(${keys}::bigint[])
          ORDER BY prompt_id FOR UPDATE SKIP LOCKED`,
      );
      if (locked.length === 0) return { linked: 0, edges: 0 };
      const mine = new Set(locked.map((r) => r.id));
      const pairs = chunk.filter((c) => mine.has(c.id)).flatMap((c) => c.pairs.map((b) => ({ a: c.id, b })));
      const scored = await scorePairs(tx, o, projectId, pairs);
      let edges = 0;
      if (scored.length > 0) {
        await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`acp:prompt-links:${projectId}`}, 0))`;
        edges = await mergeOffers(tx, o, JSON.stringify(scored));
      }
      await tx`
        DELETE FROM prompt_link_queue WHERE project_id = ${projectId}::uuid AND model = ${o.model}
          AND prompt_id = ANY(${`{${[...mine].join(",")}}`}::bigint[])`;
      return { linked: locked.length, edges };
    }),
  );
}

/**
 * Links in memory the queues large enough for it (one process at a time: a lease); returns what it
 * linked. `minQueued` lowers the threshold (tests).
 */
export async function bulkLinkQueued(
  sql: Sql,
  o: LinkOptions & { projectId?: string; minQueued?: number; onStart?: (queued: number) => void },
): Promise<{ linked: number; edges: number }> {
  const total = { linked: 0, edges: 0 };
  const projects = await bulkProjects(sql, { model: o.model, projectId: o.projectId, minQueued: o.minQueued ?? BULK_LINK.minQueued });
  if (projects.length === 0) return total;
  const db = drizzle(sql, { schema });
  const holder = randomUUID();
  if ((await acquireLease(db, holder, BULK_LINK.leaseMs, BULK_LINK.leaseName)) === null) return total;
  o.onStart?.(projects.reduce((n, p) => n + p.queued, 0));
  try {
    for (const p of projects) {
      const t0 = performance.now();
      const g = await loadVectors(sql, o.model, p.project_id);
      if (!g) continue;
      const loaded = performance.now();
      const renew = () => acquireLease(db, holder, BULK_LINK.leaseMs, BULK_LINK.leaseName);
      // One merge at a time, in chunk order, beside the graph's work. The first failure skips the
      // merges after it (their prompts stay queued) and stops the graph at its next chunk.
      let merges: Promise<void> = Promise.resolve();
      const state: { failure: Error | null } = { failure: null };
      let mergeMs = 0;
      const ready = (chunk: Chunk) => {
        if (state.failure !== null) throw state.failure;
        merges = merges.then(async () => {
          if (state.failure !== null) return;
          try {
            const m0 = performance.now();
            const r = await mergeChunk(sql, o, p.project_id, chunk.map((c) => ({ id: g.ids[c.slot] ?? "", pairs: [...c.pairs].map((b) => g.ids[b] ?? "") })));
            mergeMs += performance.now() - m0;
            total.linked += r.linked;
            total.edges += r.edges;
          } catch (err) {
            state.failure = err instanceof Error ? err : new Error(String(err));
          }
        });
      };
      let searched = 0;
      try {
        await candidatePairs(g, o, renew, ready);
        searched = performance.now();
      } finally {
        // Never leaves a merge running behind the lease's release.
        await merges;
      }
      if (state.failure !== null) throw state.failure;
      logger.info("link queue linked in memory", {
        projectId: p.project_id,
        queued: g.queued.length,
        vectors: g.ids.length,
        loadSeconds: Math.round(loaded - t0) / 1000,
        graphSeconds: Math.round(searched - loaded) / 1000,
        // The merges' own time (most of it beside the graph's) and what was left after the graph.
        mergeSeconds: Math.round(mergeMs) / 1000,
        tailSeconds: Math.round(performance.now() - searched) / 1000,
      });
    }
  } finally {
    await releaseLease(db, holder, BULK_LINK.leaseName);
  }
  return total;
}
