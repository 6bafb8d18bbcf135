import "server-only";
import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { filterFingerprint } from "~/lib/list-filters";
import { parseUsdToPicos } from "~/lib/money";
import type { Db } from "~/server/db";
import { decodeCursor, encodeCursor, type CursorScope } from "~/server/db/cursor";
import { queryRows } from "~/server/db/query";
import { getRedis } from "~/server/redis";
import type { ClustersInput } from "../../schemas";
import { compareIds } from "../../union-find";
import { computeClusters, type ClusterRow, type ClusterSet } from "./compute";

// A computed cluster set is kept briefly (Redis when configured, else in process) so that
// scrolling pages and re-renders of the dashboard read it instead of recomputing; the cursor
// is still a keyset (savings, id), so a page after a recomputation neither repeats nor skips.
export const CLUSTERS_CACHE_SECONDS = 60;
const LOCAL_MAX = 20;
const PREVIEW_CHARS = 200;

export type ClusterItem = Omit<ClusterRow, "members"> & {
  members: { id: string; preview: string; calls: string; costUsd: string }[];
};
export type ClustersPage = { items: ClusterItem[]; nextCursor: string | null; model: string; promptsConsidered: number; promptsLimited: boolean };

const keySchema = z.tuple([z.string().regex(/^\d{1,20}(\.\d{1,12})?$/), z.string().regex(/^\d{1,19}$/)]);

type Local = { set: ClusterSet; expires: number };
declare global {
  // On globalThis: one per process even when Next evaluates this module more than once.
  var acpClusterCache: Map<string, Local> | undefined;
  var acpClustersInFlight: Map<string, Promise<ClusterSet>> | undefined;
  var acpClusterComputations: number | undefined;
}
const globalForClusters = globalThis;

/** How many cluster sets this process has computed (tests: concurrent asks share one). */
export const clusterComputations = () => globalForClusters.acpClusterComputations ?? 0;

/** Savings desc, then id: the order of the list and of its keyset. */
function compareKeys(a: { savings: bigint; id: string }, b: { savings: bigint; id: string }): number {
  return a.savings > b.savings ? -1 : a.savings < b.savings ? 1 : compareIds(a.id, b.id);
}

const keyOf = (c: ClusterRow) => ({ savings: parseUsdToPicos(c.semanticCacheSavingsUsd), id: c.id });

function sortClusters(clusters: ClusterRow[]): ClusterRow[] {
  return clusters
    .map((c) => ({ c, k: keyOf(c) }))
    .sort((a, b) => compareKeys(a.k, b.k))
    .map((x) => x.c);
}

async function cachedClusters(db: Db, projectId: string, model: string, input: ClustersInput, fingerprint: string): Promise<ClusterSet> {
  const key = `acp:clusters:v1:${projectId}:${createHash("sha256").update(`${model}\n${fingerprint}`).digest("base64url")}`;
  const redis = getRedis();
  const local = (globalForClusters.acpClusterCache ??= new Map<string, Local>());
  if (redis) {
    const hit = await redis.get(key).catch(() => null);
    if (hit !== null) return JSON.parse(hit) as ClusterSet;
  } else {
    const hit = local.get(key);
    if (hit && hit.expires > Date.now()) return hit.set;
  }
  // One computation per set at a time in this process: asks arriving while it runs (the overview's
  // savings headline of a re-opened page, another tab, a teammate) wait for it instead of each
  // scanning the window's events again on the same cores.
  const inFlight = (globalForClusters.acpClustersInFlight ??= new Map<string, Promise<ClusterSet>>());
  const running = inFlight.get(key);
  if (running) return running;
  const computing = computeAndKeep(db, projectId, model, input, key, local).finally(() => inFlight.delete(key));
  inFlight.set(key, computing);
  return computing;
}

async function computeAndKeep(db: Db, projectId: string, model: string, input: ClustersInput, key: string, local: Map<string, Local>): Promise<ClusterSet> {
  globalForClusters.acpClusterComputations = clusterComputations() + 1;
  const set = await computeClusters(db, projectId, model, input);
  set.clusters = sortClusters(set.clusters);
  const redis = getRedis();
  if (redis) {
    await redis.set(key, JSON.stringify(set), "EX", CLUSTERS_CACHE_SECONDS).catch(() => undefined);
  } else {
    local.set(key, { set, expires: Date.now() + CLUSTERS_CACHE_SECONDS * 1000 });
    for (const k of local.keys()) {
      if (local.size <= LOCAL_MAX) break;
      local.delete(k);
    }
  }
  return set;
}

async function previews(db: Db, projectId: string, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await queryRows(
    db,
    z.object({ id: z.string(), preview: z.string() }),
    sql`
    SELECT p.id::text AS id, left(p.text, ${PREVIEW_CHARS}) AS preview
    FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) AS u(id)
    JOIN prompts p ON p.project_id = ${projectId} AND p.id = u.id::bigint`,
  );
  return new Map(rows.map((r) => [r.id, r.preview]));
}

/** One page of near-duplicate clusters by semantic-cache savings, largest first. */
export async function listClusters(db: Db, secret: Buffer, projectId: string, model: string, input: ClustersInput): Promise<ClustersPage> {
  const fingerprint = filterFingerprint(input, { minSimilarity: input.minSimilarity, ttl: input.cacheTtlSeconds });
  const scope: CursorScope = { list: "prompt-clusters", projectId, fingerprint };
  const after = input.cursor ? decodeCursor(secret, scope, input.cursor, keySchema) : null;
  const set = await cachedClusters(db, projectId, model, input, fingerprint);
  const cut = after ? { savings: parseUsdToPicos(after[0]), id: after[1] } : null;
  const rest = cut ? set.clusters.filter((c) => compareKeys(keyOf(c), cut) > 0) : set.clusters;
  const page = rest.slice(0, input.limit);
  const texts = await previews(db, projectId, page.flatMap((c) => c.members.map((m) => m.id)));
  const items: ClusterItem[] = page.map((c) => ({
    ...c,
    members: c.members.map((m) => ({ id: m.id, preview: texts.get(m.id) ?? "", calls: m.calls, costUsd: m.cost })),
  }));
  const last = page[page.length - 1];
  const nextCursor = rest.length > input.limit && last ? encodeCursor(secret, scope, [last.semanticCacheSavingsUsd, last.id]) : null;
  return { items, nextCursor, model: set.model, promptsConsidered: set.promptsConsidered, promptsLimited: set.promptsLimited };
}
