import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { latencyBucketUpperMs } from "~/lib/latency";
import type { Db } from "~/server/db";
import { queryRows, ZERO_USD } from "~/server/db/query";
import { decodeCursor, encodeCursor, type CursorScope } from "~/server/db/cursor";
import { metricsRowSchema, rawConditions, toMetrics, type Metrics } from "~/features/analytics/server";
import { filterFingerprint, type Filters } from "~/lib/list-filters";
import type { PromptsListInput } from "../schemas";

const PREVIEW_CHARS = 300; // lists show a preview; the full text is one request away

export type PromptItem = Metrics & {
  id: string;
  preview: string;
  length: number;
  truncated: boolean;
  firstSeen: string;
  lastSeen: string;
  p95LatencyMs: number | null;
};

const keySchema = z.tuple([z.string().regex(/^\d{1,20}(\.\d{1,12})?$/), z.string().regex(/^\d{1,19}$/)]);

function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export const promptRowSchema = metricsRowSchema.extend({
  id: z.string(),
  preview: z.string(),
  length: z.number().int(),
  truncated: z.boolean(),
  p95_bucket: z.number().int().nullable(),
  first_seen_text: z.string(),
  last_seen_text: z.string(),
});
export type PromptRow = z.output<typeof promptRowSchema>;
/**
 * Prompts by cost in the window (cost desc, id asc), aggregated from the events that used them
 * (raw rows: prompts have no rollup), optionally filtered by a case-insensitive substring of their
 * text. `after`/`limit` page it for the list; the export streams it whole with the full text
 * (`previewChars` null).
 */
export function promptsQuery(
  projectId: string,
  input: Filters & { search?: string },
  opts: { after: [string, string] | null; limit: number | null; previewChars: number | null },
): SQL {
  const search = input.search ? sql` AND p.text ILIKE ${likePattern(input.search)}` : sql``;
  const { after } = opts;
  const keyset = after ? sql` WHERE (a.cost < ${after[0]}::numeric OR (a.cost = ${after[0]}::numeric AND a.id > ${after[1]}::bigint))` : sql``;
  const text = opts.previewChars === null ? sql`p.text` : sql`left(p.text, ${opts.previewChars})`;
  return sql`
    WITH a AS (
      SELECT p.id, count(*)::text AS calls, count(*) FILTER (WHERE e.status = 'error')::text AS errors,
        count(*) FILTER (WHERE e.cost_source = 'unpriced')::text AS unpriced,
        sum(e.input_tokens)::text AS input_tokens, sum(e.output_tokens)::text AS output_tokens,
        sum(e.cached_input_tokens)::text AS cached_input_tokens, sum(e.cache_write_tokens)::text AS cache_write_tokens,
        sum(e.reasoning_tokens)::text AS reasoning_tokens, coalesce(sum(e.cost_usd), ${ZERO_USD}) AS cost,
        count(e.latency_ms)::text AS lat_n, coalesce(sum(e.latency_ms), 0)::text AS lat_sum,
        percentile_disc(0.95) WITHIN GROUP (ORDER BY e.latency_bucket) AS p95_bucket,
        min(e.ts) AS first_seen, max(e.ts) AS last_seen
      FROM cost_events e
      JOIN prompts p ON p.project_id = e.project_id AND p.hash = e.prompt_hash
      WHERE ${rawConditions(projectId, input, { from: input.from ?? null, to: input.to ?? null })}${search}
      GROUP BY p.id)
    SELECT a.*, a.id::text AS id, ${text} AS preview, p.original_length AS length, p.truncated,
      to_char(a.first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS first_seen_text,
      to_char(a.last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last_seen_text
    FROM a JOIN prompts p ON p.project_id = ${projectId} AND p.id = a.id${keyset}
    ORDER BY a.cost DESC, a.id${opts.limit === null ? sql`` : sql`
    LIMIT ${opts.limit}`}`;
}

export function toPromptItem(r: PromptRow): PromptItem {
  return {
    id: r.id,
    preview: r.preview,
    length: r.length,
    truncated: r.truncated,
    firstSeen: r.first_seen_text,
    lastSeen: r.last_seen_text,
    ...toMetrics(r),
    p95LatencyMs: r.p95_bucket === null ? null : latencyBucketUpperMs(r.p95_bucket),
  };
}

export async function listPrompts(db: Db, secret: Buffer, projectId: string, input: PromptsListInput) {
  const scope: CursorScope = { list: "prompts", projectId, fingerprint: filterFingerprint(input, { search: input.search ?? null }) };
  const after = input.cursor ? decodeCursor(secret, scope, input.cursor, keySchema) : null;
  const query = promptsQuery(projectId, input, { after, limit: input.limit + 1, previewChars: PREVIEW_CHARS });
  const rows = await queryRows(db, promptRowSchema, query);
  const page = rows.slice(0, input.limit);
  const items = page.map(toPromptItem);
  const last = page[page.length - 1];
  const nextCursor = rows.length > input.limit && last ? encodeCursor(secret, scope, [last.cost, last.id]) : null;
  return { items, nextCursor };
}
