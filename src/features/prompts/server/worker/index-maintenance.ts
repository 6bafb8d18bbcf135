import "server-only";
import { z } from "zod";
import type { TransactionSql } from "postgres";
import type { Sql } from "~/server/db";
import { errorFields, logger } from "~/server/logger";
import { createHnsw, HNSW_INDEX } from "./hnsw";
import { vectorColumnDimensions } from "./queue";
import { copyInSupported } from "./vector-copy";

// The HNSW index during large backlogs. Inserting a vector into a live HNSW graph costs several
// times what building the graph once costs per vector (measured: 22k vectors took 52 s of live
// inserts against 6.7 s for one build), so a backlog that is large next to the index (a first
// start on a big project, a re-embed after changing the model) is stored with the index dropped,
// and the index is built once when the backlog is stored: beside a link in memory of a large
// queue (which needs no index) or after it; what is left is linked prompt by prompt (which does).
// While the index is absent, prompts.similar still answers, by an exact scan.

export const BULK = {
  /** A backlog of at least this many due prompts… */
  minBacklog: 10_000,
  /** …and at least this share of the vectors already stored switches to "store now, build once". */
  backlogPerVector: 0.25,
  /** How often one worker looks at the backlog (the count reads up to minBacklog index entries). */
  checkEveryMs: 60_000,
  /** For the build only (transaction-local): a graph that fits builds several times faster. */
  buildMemory: "1GB",
  /**
   * A link in memory of at least this share of all vectors gets the build beside it, on one core
   * (buildBesideLink).
   */
  besideLinkShare: 0.5,
};

// One key for every process: only one of them drops or builds the index at a time.
const INDEX_LOCK = "acp:prompt-embeddings-index";

export async function hnswIndexExists(sql: Sql | TransactionSql): Promise<boolean> {
  const [row] = z.array(z.object({ ok: z.boolean() })).parse(await sql`SELECT to_regclass(${HNSW_INDEX}) IS NOT NULL AS ok`);
  return row?.ok ?? false;
}

/**
 * Drops the index when the due backlog is large next to the vectors stored (at most one process
 * decides; the others see the index gone). Returns true when it dropped it.
 */
export async function dropIndexForBacklog(sql: Sql, o: { minBacklog?: number } = {}): Promise<boolean> {
  const min = o.minBacklog ?? BULK.minBacklog;
  return sql.begin(async (tx) => {
    const [lock] = z.array(z.object({ ok: z.boolean() })).parse(await tx`SELECT pg_try_advisory_xact_lock(hashtextextended(${INDEX_LOCK}, 0)) AS ok`);
    if (!lock?.ok || !(await hnswIndexExists(tx))) return false;
    const [est] = z.array(z.object({ n: z.coerce.number() })).parse(
      await tx`SELECT greatest(reltuples, 0)::bigint::text AS n FROM pg_class WHERE oid = 'prompt_embeddings'::regclass`,
    );
    const cap = Math.max(min, Math.ceil((est?.n ?? 0) * BULK.backlogPerVector));
    const [due] = z.array(z.object({ n: z.number() })).parse(
      await tx`
        SELECT count(*)::int AS n FROM (
          SELECT 1 FROM prompts WHERE NOT embed_done AND (embed_next_at IS NULL OR embed_next_at <= now()) LIMIT ${cap}
        ) q`,
    );
    if ((due?.n ?? 0) < cap) return false;
    // Waits for running searches and inserts, but never long: a busy table keeps its index.
    await tx`SELECT set_config('lock_timeout', '5s', true)`;
    await tx.unsafe(`DROP INDEX IF EXISTS "${HNSW_INDEX}"`);
    logger.info("embedding backlog: HNSW index dropped until the backlog is stored", { due: due?.n, vectors: est?.n });
    return true;
  });
}

/**
 * Builds the index when it is missing (one process at a time: the others wait for that build, then
 * link with it). Returns true when this call built it.
 */
export async function buildIndexIfMissing(sql: Sql, o: { serial?: boolean } = {}): Promise<boolean> {
  if (await hnswIndexExists(sql)) return false;
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtextextended(${INDEX_LOCK}, 0))`;
    // The lock CREATE INDEX takes anyway, first: taking it makes this session see a build that
    // finished while it waited (the catalog caches are refreshed on a table lock).
    await tx`LOCK TABLE prompt_embeddings IN SHARE MODE`;
    if (await hnswIndexExists(tx)) return false;
    const t0 = performance.now();
    await tx`SELECT set_config('maintenance_work_mem', ${BULK.buildMemory}, true)`;
    if (o.serial) await tx`SELECT set_config('max_parallel_maintenance_workers', '0', true)`;
    const dims = await vectorColumnDimensions(tx);
    if (dims === null) throw new Error("prompt_embeddings.embedding has no dimension: cannot build the HNSW index");
    await tx.unsafe(createHnsw(dims));
    logger.info("embedding backlog stored: HNSW index built", { seconds: Math.round((performance.now() - t0) / 100) / 10, serial: o.serial === true });
    return true;
  });
}

/**
 * Builds the missing index beside a link in memory of `queued` prompts when that link is long next
 * to the build. PostgreSQL builds with two parallel workers by default, so after the link the
 * build has both cores; beside it, it gets one (`serial`), and the link's graph the other. On this
 * kind of machine (two cores) the build in one process takes about twice its parallel time, and a
 * link in memory about 0.4 ms per queued prompt against 0.2 ms per vector for the parallel build:
 * beside wins once the queue is about half the vectors (bench:similarity's 100k project linked
 * again: link then build 71.8 s, the build beside 50.5–58.0 s; docs/benchmarks.md). Resolves when
 * the build is done or was not started; never rejects (a failed build is logged, and built again
 * after the link).
 */
export async function buildBesideLink(sql: Sql, queued: number): Promise<void> {
  try {
    // A pool of one connection would hold the link's merges behind the build, and the embedded
    // database runs one statement at a time: beside would only mean before.
    if (sql.options.max < 2 || (await hnswIndexExists(sql)) || !(await copyInSupported(sql))) return;
    const cap = Math.floor(queued / BULK.besideLinkShare);
    const [n] = z.array(z.object({ n: z.number() })).parse(await sql`SELECT count(*)::int AS n FROM (SELECT 1 FROM prompt_embeddings LIMIT ${cap + 1}) x`);
    if ((n?.n ?? 0) > cap) return;
    await buildIndexIfMissing(sql, { serial: true });
  } catch (err) {
    logger.error("HNSW index build beside a link failed; it is built after the link", errorFields(err));
  }
}
