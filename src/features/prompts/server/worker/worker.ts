import "server-only";
import type { Sql } from "~/server/db";
import { isCitus } from "~/server/db/citus";
import { errorFields, logger } from "~/server/logger";
import { sleep } from "../embedders/retry";
import { PermanentEmbedError, type Embedder } from "../embedders/types";
import { bulkLinkQueued, bulkLinkRunning } from "./bulk-link";
import { BULK, buildBesideLink, buildIndexIfMissing, dropIndexForBacklog, hnswIndexExists } from "./index-maintenance";
import { linkQueued, queueLinks, type LinkOptions } from "./link";
import { claimPrompts, markDone, markFailed, storeVectors, type Claimed } from "./queue";

export const WORKER_DEFAULTS = {
  leaseSeconds: 300,
  // The embedder must finish well inside the lease, or another worker could claim and embed again.
  leaseMarginSeconds: 60,
  idleMs: 2000,
  neighbors: 10,
  // Looked up per linked prompt (one HNSW scan at ef_search 40 finds 40 anyway): its own k nearest,
  // and the prompts it may now be among the k nearest of (docs/prompt-similarity.md).
  neighborCandidates: 40,
  neighborFloor: 0.75,
  linkBatch: 256,
  linkEfSearch: 40,
  linkMaxScanTuples: 2000,
  failureBaseSeconds: 30,
  failureMaxSeconds: 6 * 3600,
};

export type WorkerOptions = {
  sql: Sql;
  embedder: Embedder;
  batchSize?: number;
  leaseSeconds?: number;
  /** Only this project's prompts (tests, targeted scripts); all projects when absent. */
  projectId?: string;
  random?: () => number;
  /** Backlog from which the index is dropped while storing (tests); BULK.minBacklog when absent. */
  bulkMinBacklog?: number;
  /** Queue from which a project is linked in memory (tests); BULK_LINK.minQueued when absent. */
  bulkLinkMinQueued?: number;
};

export type BatchResult = { claimed: number; embedded: number; reused: number; failed: number; done: number; linked: number; edges: number };
const emptyResult = (): BatchResult => ({ claimed: 0, embedded: 0, reused: 0, failed: 0, done: 0, linked: 0, edges: 0 });

export const linkOptions = (model: string): LinkOptions => ({
  model,
  k: WORKER_DEFAULTS.neighbors,
  candidates: WORKER_DEFAULTS.neighborCandidates,
  floor: WORKER_DEFAULTS.neighborFloor,
  efSearch: WORKER_DEFAULTS.linkEfSearch,
  maxScanTuples: WORKER_DEFAULTS.linkMaxScanTuples,
});

declare global {
  // On globalThis: one per process even when Next evaluates this module more than once.
  var acpBacklogCheckedAt: number | undefined;
}
const globalForBacklog = globalThis;

/** Once a minute per process (or every batch when a test sets the threshold), a full batch looks at the backlog. */
async function maybeDropIndex(o: WorkerOptions, claimed: number, limit: number): Promise<void> {
  if (claimed < limit) return;
  const now = Date.now();
  if (o.bulkMinBacklog === undefined && now - (globalForBacklog.acpBacklogCheckedAt ?? 0) < BULK.checkEveryMs) return;
  globalForBacklog.acpBacklogCheckedAt = now;
  if (await hnswIndexExists(o.sql)) await dropIndexForBacklog(o.sql, { minBacklog: o.bulkMinBacklog });
}

/**
 * Links queued prompts, only while the index exists (without it every lookup would be a scan) and
 * no bulk link is running (it links the whole queue faster than lookups here would).
 */
async function linkSome(o: WorkerOptions, model: string): Promise<{ linked: number; edges: number }> {
  if (!(await hnswIndexExists(o.sql)) || (await bulkLinkRunning(o.sql))) return { linked: 0, edges: 0 };
  return linkQueued(o.sql, { ...linkOptions(model), limit: WORKER_DEFAULTS.linkBatch, projectId: o.projectId });
}

/** A project with due prompts or queued links (one of up to 16, at random), or null. */
async function projectWithWork(sql: Sql, model: string): Promise<string | null> {
  const rows = await sql<{ p: string }[]>`
    (SELECT DISTINCT project_id::text AS p FROM prompts WHERE NOT embed_done AND (embed_next_at IS NULL OR embed_next_at <= now()) LIMIT 16)
    UNION (SELECT DISTINCT project_id::text FROM prompt_link_queue WHERE model = ${model} LIMIT 16)`;
  return rows[Math.floor(Math.random() * rows.length)]?.p ?? null;
}

/** Next attempt after a failure: 30 s, 1 min, 2 min … capped at 6 h, jittered ±50 %. */
export function failureDelaySeconds(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(WORKER_DEFAULTS.failureMaxSeconds, WORKER_DEFAULTS.failureBaseSeconds * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.5 + random()));
}

/** Embeds; a permanent error (bad input) is narrowed down by halving, so one bad text cannot block its batch. */
async function embedIsolating(embedder: Embedder, texts: string[], signal: AbortSignal): Promise<(Float32Array | Error)[]> {
  try {
    return await embedder.embed(texts, { signal });
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    if (!(err instanceof PermanentEmbedError) || texts.length === 1 || signal.aborted) return texts.map(() => error);
    const mid = Math.ceil(texts.length / 2);
    return [...(await embedIsolating(embedder, texts.slice(0, mid), signal)), ...(await embedIsolating(embedder, texts.slice(mid), signal))];
  }
}

/**
 * One cycle: claim → embed → store → done, then link a batch of stored prompts. With nothing due,
 * it builds the index if a backlog left it dropped, and links what is still queued.
 */
export async function processBatch(o: WorkerOptions): Promise<BatchResult> {
  // On a Citus cluster a claim (FOR UPDATE SKIP LOCKED) and a link lookup must stay on one shard:
  // the batch serves one project that has work (docs/citus.md).
  if (!o.projectId && (await isCitus(o.sql))) {
    const projectId = await projectWithWork(o.sql, o.embedder.model);
    if (!projectId) {
      await buildIndexIfMissing(o.sql);
      return emptyResult();
    }
    return processBatch({ ...o, projectId });
  }
  const { sql, embedder } = o;
  const leaseSeconds = o.leaseSeconds ?? WORKER_DEFAULTS.leaseSeconds;
  const limit = o.batchSize ?? embedder.batchSize;
  const claimed = await claimPrompts(sql, { limit, leaseSeconds, model: embedder.model, projectId: o.projectId });
  const result = emptyResult();
  result.claimed = claimed.length;
  if (claimed.length === 0) {
    // Nothing due: a large queue is linked in memory (no index needed), and the index is built if
    // a backlog left it dropped: beside a link long enough to be worth it, on one core (the link's
    // graph takes the other), else after it with PostgreSQL's parallel workers. What is left is
    // linked prompt by prompt.
    let beside: Promise<void> = Promise.resolve();
    try {
      const onStart = (queued: number) => void (beside = buildBesideLink(sql, queued));
      Object.assign(result, await bulkLinkQueued(sql, { ...linkOptions(embedder.model), projectId: o.projectId, minQueued: o.bulkLinkMinQueued, onStart }));
    } finally {
      await beside;
    }
    if (!(await bulkLinkRunning(sql))) await buildIndexIfMissing(sql);
    if (result.linked === 0) Object.assign(result, await linkSome(o, embedder.model));
    return result;
  }
  await maybeDropIndex(o, claimed.length, limit);

  // Never embed a text twice: prompts that already have a vector in this space (a crash between
  // storing and marking done, a rebuild back to an old model) skip the embedder, and identical
  // texts in one batch (same text in two projects, long prompts equal after truncation) share one call.
  const todo = claimed.filter((c) => !c.hasVector);
  result.reused = claimed.length - todo.length;
  const distinct = [...new Set(todo.map((c) => c.text))];
  const failed: Claimed[] = [];
  if (distinct.length > 0) {
    const deadline = AbortSignal.timeout(Math.max(1, leaseSeconds - WORKER_DEFAULTS.leaseMarginSeconds) * 1000);
    const vectors = await embedIsolating(embedder, distinct, deadline);
    const byText = new Map(distinct.map((t, i) => [t, vectors[i]]));
    const ok: { projectId: string; id: string; vector: Float32Array }[] = [];
    for (const c of todo) {
      const v = byText.get(c.text);
      if (v instanceof Float32Array) ok.push({ projectId: c.projectId, id: c.id, vector: v });
      else failed.push(c);
    }
    const firstError = vectors.find((v): v is Error => v instanceof Error);
    if (firstError) logger.warn("embedding failed; prompts retried later", { prompts: failed.length, ...errorFields(firstError) });
    await storeVectors(sql, embedder.model, ok);
    result.embedded = distinct.filter((t) => byText.get(t) instanceof Float32Array).length;
  }
  const random = o.random ?? Math.random;
  await markFailed(sql, failed.map((c) => ({ ...c, delaySeconds: failureDelaySeconds(c.attempts, random) })));
  result.failed = failed.length;

  const stored = claimed.filter((c) => !failed.includes(c));
  await queueLinks(sql, embedder.model, stored);
  result.done = await markDone(sql, embedder.model, stored);
  Object.assign(result, await linkSome(o, embedder.model));
  return result;
}

/** Runs batches until the queue has nothing due (or `maxBatches`): scripts and tests. */
export async function drainQueue(o: WorkerOptions & { maxBatches?: number; signal?: AbortSignal }): Promise<BatchResult> {
  const total = emptyResult();
  const max = o.maxBatches ?? 1_000_000;
  for (let i = 0; i < max && !o.signal?.aborted; i++) {
    const r = await processBatch(o);
    for (const k of Object.keys(total) as (keyof BatchResult)[]) total[k] += r[k];
    if (r.claimed === 0 && r.linked === 0) break;
  }
  return total;
}

/** The long-running loop: polls when idle, backs off on database errors, stops on `signal`. */
export async function runWorker(o: WorkerOptions & { signal: AbortSignal; idleMs?: number }): Promise<void> {
  const idle = o.idleMs ?? WORKER_DEFAULTS.idleMs;
  let errors = 0;
  while (!o.signal.aborted) {
    let wait = 0;
    try {
      const r = await processBatch(o);
      errors = 0;
      if (r.claimed > 0 || r.linked > 0) logger.debug("embedding batch", { ...r, model: o.embedder.model });
      // Jittered so several idle workers do not poll in lockstep.
      else wait = idle * (0.5 + Math.random());
    } catch (err) {
      errors += 1;
      wait = Math.min(60_000, 1000 * 2 ** Math.min(errors, 6));
      logger.error("embedding worker error; retrying", { waitMs: wait, ...errorFields(err) });
    }
    if (wait > 0) await sleep(wait, o.signal).catch(() => undefined);
  }
}
