// Phases of `npm run bench:similarity` (see scripts/bench/similarity.ts): seeding, the embedding
// pipeline, the HNSW build, exact vs. approximate search, and timed query loops.
import http from "node:http";
import superjson from "superjson";
import { ingestEvents } from "~/features/ingestion/server";
import { createHnsw, type Embedder, findSimilar, type SearchTuning, drainQueue } from "~/features/prompts/server";
import { createDbClient, type DbClient } from "~/server/db";
import { rng } from "../../lib/generate";
import { closedLoop, type LoopResult } from "./loop";

const DAY = 86_400_000;

/** One event per prompt, then `repeats` extra calls of popular prompts (exact repeats for clusters). */
export async function seedPrompts(client: DbClient, projectId: string, prompts: string[], repeats: number, tag: string, signal: AbortSignal) {
  const rand = rng(99);
  const end = Date.now() - 60_000;
  const event = (i: number, prompt: string) => ({
    id: `${tag}-${i}`,
    timestamp: new Date(end - Math.floor(rand() * 30 * DAY)).toISOString(),
    provider: "openai",
    model: rand() < 0.7 ? "gpt-4o-mini" : "gpt-4.1-mini",
    inputTokens: 200 + Math.floor(rand() * 2000),
    outputTokens: 20 + Math.floor(rand() * 400),
    prompt,
  });
  const all = prompts.map((p, i) => event(i, p));
  for (let r = 0; r < repeats; r++) all.push(event(prompts.length + r, prompts[Math.floor(rand() ** 3 * prompts.length)] ?? ""));
  const BATCH = 1000;
  let next = 0;
  const worker = async () => {
    while (!signal.aborted && next < all.length) {
      const slice = all.slice(next, (next += BATCH));
      const res = await ingestEvents(client, projectId, slice);
      if (res.rejected.length > 0) throw new Error(`seed rejected: ${JSON.stringify(res.rejected[0])}`);
    }
  };
  await Promise.all([worker(), worker()]);
  return all.length;
}

/** Seconds from the pipeline's start to when each stage was last seen unfinished (sampled twice a second). */
export type PipelineStages = { stored: number; indexed: number; linked: number };

/**
 * The real pipeline (claim → embed → store → link → done) with `workers` concurrent workers. A
 * watcher samples the backlog, the index and the link queue, so the run splits into storing
 * (prompts due), the index build (index absent) and linking (queue non-empty).
 */
export async function runPipeline(url: string, embedder: Embedder, workers: number, signal: AbortSignal) {
  // Each worker with a pool of its own, as in a server process (DB_POOL_MAX 10 there): a link in
  // memory merges on one connection while an index build beside it holds another.
  const clients = Array.from({ length: workers }, () => createDbClient(url, { max: 3 }));
  const watcher = createDbClient(url, { max: 1 });
  const stages: PipelineStages = { stored: 0, indexed: 0, linked: 0 };
  let running = true;
  const t0 = performance.now();
  // A stage seen finished is not looked at again: once every prompt is stored, the scan for one
  // that is not (140 ms over 120k prompts and their dead row versions on this machine) took a
  // fifth of a core from the pipeline it measures.
  const watch = (async () => {
    const open = { due: true, noindex: true };
    while (running) {
      const w = watcher.sql;
      const [r] = await w<{ due: boolean; noindex: boolean; queued: boolean }[]>`
        SELECT ${open.due ? w`EXISTS (SELECT 1 FROM prompts WHERE NOT embed_done)` : w`false`} AS due,
          ${open.noindex ? w`to_regclass('prompt_embeddings_hnsw_idx') IS NULL` : w`false`} AS noindex,
          EXISTS (SELECT 1 FROM prompt_link_queue) AS queued`;
      const now = (performance.now() - t0) / 1000;
      if (r?.due) stages.stored = now;
      else if (stages.stored > 0) open.due = false;
      if (r?.noindex) stages.indexed = now;
      else if (stages.indexed > 0) open.noindex = false;
      if (r?.queued) stages.linked = now;
      await new Promise((res) => setTimeout(res, 500));
    }
  })();
  try {
    const results = await Promise.all(clients.map((c) => drainQueue({ sql: c.sql, embedder, signal })));
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, stages, done: results.reduce((s, r) => s + r.done, 0), edges: results.reduce((s, r) => s + r.edges, 0), failed: results.reduce((s, r) => s + r.failed, 0) };
  } finally {
    running = false;
    await watch.catch(() => undefined);
    await Promise.all([...clients, watcher].map((c) => c.sql.end({ timeout: 5 })));
  }
}

/**
 * Edge recall: for `sample` random prompts, the exact list (their 10 nearest at or above the floor,
 * by a sequential scan) against the stored edges, read in both directions as clusters read them.
 */
export async function edgeRecall(client: DbClient, projectId: string, model: string, o: { sample: number; k: number; floor: number }) {
  return client.sql.begin(async (tx) => {
    await tx`SELECT set_config('enable_indexscan', 'off', true), set_config('enable_bitmapscan', 'off', true)`;
    const [r] = await tx<{ prompts: number; with_edges: number; exact: number; found: number }[]>`
      WITH s AS (SELECT prompt_id FROM prompt_embeddings WHERE project_id = ${projectId} AND model = ${model} ORDER BY md5(prompt_id::text) LIMIT ${o.sample}),
      x AS (
        SELECT s.prompt_id, n.neighbor_id
        FROM s JOIN prompt_embeddings e ON e.project_id = ${projectId} AND e.prompt_id = s.prompt_id AND e.model = ${model}
        CROSS JOIN LATERAL (
          SELECT e2.prompt_id AS neighbor_id, (1 - (e2.embedding <=> e.embedding))::real AS sim
          FROM prompt_embeddings e2
          WHERE e2.project_id = ${projectId} AND e2.model = ${model} AND e2.prompt_id <> e.prompt_id
          ORDER BY (e2.embedding <=> e.embedding) + 0, e2.prompt_id LIMIT ${o.k}
        ) n
        WHERE n.sim >= ${o.floor}::real
      )
      SELECT (SELECT count(*) FROM s)::int AS prompts, count(DISTINCT x.prompt_id)::int AS with_edges, count(*)::int AS exact,
        count(*) FILTER (WHERE EXISTS (
          SELECT 1 FROM prompt_neighbors n WHERE n.project_id = ${projectId} AND n.model = ${model}
            AND ((n.prompt_id = x.prompt_id AND n.neighbor_id = x.neighbor_id) OR (n.prompt_id = x.neighbor_id AND n.neighbor_id = x.prompt_id))))::int AS found
      FROM x`;
    return r ?? { prompts: 0, with_edges: 0, exact: 0, found: 0 };
  });
}

/** Drops and rebuilds the HNSW index; returns the build time and the index size. */
export async function buildIndex(client: DbClient, o: { m: number; efConstruction: number; memory: string; dims: number }) {
  const sql = client.sql;
  return sql.begin(async (tx) => {
    // A build whose graph fits in maintenance_work_mem is several times faster; bench-local setting.
    await tx.unsafe(`SET LOCAL maintenance_work_mem = '${o.memory.replace(/[^\w]/g, "")}'`);
    await tx.unsafe(`DROP INDEX IF EXISTS prompt_embeddings_hnsw_idx`);
    const t0 = performance.now();
    // The app's index (half precision, worker/hnsw.ts) with this run's graph parameters.
    await tx.unsafe(`${createHnsw(o.dims)} WITH (m = ${Math.trunc(o.m)}, ef_construction = ${Math.trunc(o.efConstruction)})`);
    const seconds = (performance.now() - t0) / 1000;
    const [size] = await tx<{ bytes: string }[]>`SELECT pg_relation_size('prompt_embeddings_hnsw_idx')::text AS bytes`;
    return { seconds, bytes: Number(size?.bytes ?? 0) };
  });
}

export type Truth = { promptId: string; vector: string; kth: number; ids: string[] };

/** Exact top-k by a sequential scan (indexes off), the ground truth for recall. */
export async function exactTopK(client: DbClient, projectId: string, model: string, ids: string[], k: number): Promise<Truth[]> {
  const out: Truth[] = [];
  for (const promptId of ids) {
    const [src] = await client.sql<{ v: string }[]>`
      SELECT embedding::text AS v FROM prompt_embeddings WHERE project_id = ${projectId} AND prompt_id = ${promptId} AND model = ${model}`;
    if (!src) continue;
    const rows = await client.sql.begin(async (tx) => {
      await tx`SELECT set_config('enable_indexscan', 'off', true), set_config('enable_bitmapscan', 'off', true)`;
      return tx<{ id: string; d: number }[]>`
        SELECT prompt_id::text AS id, (embedding <=> ${src.v}::vector)::float8 AS d FROM prompt_embeddings
        WHERE project_id = ${projectId} AND model = ${model} AND prompt_id <> ${promptId}
        ORDER BY embedding <=> ${src.v}::vector LIMIT ${k}`;
    });
    out.push({ promptId, vector: src.v, kth: rows[rows.length - 1]?.d ?? Infinity, ids: rows.map((r) => r.id) });
  }
  return out;
}

/**
 * recall@k: the share of returned rows at least as close as the exact k-th neighbour (ties at
 * the boundary count as hits, as in ANN benchmarks).
 */
export async function recallAt(client: DbClient, embedder: Embedder, projectId: string, truth: Truth[], k: number, tuning: SearchTuning) {
  let hits = 0;
  let total = 0;
  const samples: number[] = [];
  for (const t of truth) {
    const t0 = performance.now();
    const r = await findSimilar(client, embedder, projectId, { promptId: t.promptId, minSimilarity: 0, limit: k }, tuning);
    samples.push(performance.now() - t0);
    const exact = new Set(t.ids);
    for (const item of r.items) if (exact.has(item.id) || 1 - item.similarity <= t.kth + 1e-6) hits += 1;
    total += Math.min(k, t.ids.length);
  }
  return { recall: total === 0 ? NaN : hits / total, samples };
}

/** prompts.similar in the database: `workers` concurrent callers, each on its own connection. */
export async function dbLoop(url: string, embedder: Embedder, projectId: string, ids: string[], o: { workers: number; seconds: number; signal: AbortSignal; tuning?: SearchTuning }): Promise<LoopResult> {
  const client = createDbClient(url, { max: o.workers });
  try {
    return await closedLoop({
      label: `db x${o.workers}`,
      workers: o.workers,
      seconds: o.seconds,
      maxOps: 10_000_000,
      signal: o.signal,
      op: async (seq) => {
        const r = await findSimilar(client, embedder, projectId, { promptId: ids[seq % ids.length] ?? "", minSimilarity: 0, limit: 10 }, o.tuning);
        return r.items.length === 10 ? { ok: true, events: 1 } : { ok: false, error: `${r.items.length} items` };
      },
    });
  } finally {
    await client.sql.end({ timeout: 5 });
  }
}

/** prompts.similar over HTTP (tRPC GET, superjson), keep-alive sockets, `workers` clients. */
export async function httpLoop(baseUrl: string, key: string, ids: string[], o: { workers: number; seconds: number; signal: AbortSignal }): Promise<LoopResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.workers });
  const base = new URL(baseUrl);
  const get = (path: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.get({ agent, host: base.hostname, port: base.port, path, headers: { authorization: `Bearer ${key}` }, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", reject);
    });
  try {
    return await closedLoop({
      label: `http x${o.workers}`,
      workers: o.workers,
      seconds: o.seconds,
      maxOps: 10_000_000,
      signal: o.signal,
      op: async (seq) => {
        const input = encodeURIComponent(JSON.stringify(superjson.serialize({ promptId: ids[seq % ids.length] ?? "", minSimilarity: 0, limit: 10 })));
        const res = await get(`/api/trpc/prompts.similar?input=${input}`);
        if (res.status !== 200) return { ok: false, error: `HTTP ${res.status}: ${res.text.slice(0, 200)}` };
        const body = JSON.parse(res.text) as { result: { data: { json: { items: unknown[] } } } };
        const n = body.result.data.json.items.length;
        return n === 10 ? { ok: true, events: 1 } : { ok: false, error: `${n} items` };
      },
    });
  } finally {
    agent.destroy();
  }
}

/**
 * What the database's busy backends were doing while `work` ran: pg_stat_activity sampled every
 * `everyMs` (on its own connection), as shares of the samples of active backends — "CPU" where
 * none was waiting, else the wait event (IO:DataFileRead, IPC:BufferIO, LWLock:BufferMapping…).
 * It says whether concurrent searches queue for the same thing (buffers, locks) or only for cores.
 */
export async function withWaitSamples<T>(url: string, everyMs: number, work: () => Promise<T>): Promise<{ result: T; waits: string }> {
  const probe = createDbClient(url, { max: 1 });
  const counts = new Map<string, number>();
  let total = 0;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const rows = await probe.sql<{ w: string }[]>`
        SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS w FROM pg_stat_activity
        WHERE state = 'active' AND pid <> pg_backend_pid() AND datname = current_database()`;
      for (const r of rows) counts.set(r.w, (counts.get(r.w) ?? 0) + 1);
      total += rows.length;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  try {
    const result = await work();
    return {
      result,
      waits: [...counts].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([w, c]) => `${w} ${((100 * c) / Math.max(1, total)).toFixed(0)}%`).join(", "),
    };
  } finally {
    done = true;
    await sampler.catch(() => undefined);
    await probe.sql.end({ timeout: 5 });
  }
}
