import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { clipJson } from "~/lib/json-bounds";
import type { Db } from "~/server/db";
import { decodeCursor, encodeCursor, type CursorScope } from "~/server/db/cursor";
import { filterFingerprint, type ListInput } from "../schemas";
import { rawConditions } from "./window";

export type EventItem = {
  id: string;
  eventId: string;
  timestamp: string;
  provider: string;
  model: string;
  feature: string | null;
  userId: string | null;
  sessionId: string | null;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costUsd: string | null;
  costSource: "reported" | "computed" | "unpriced";
  latencyMs: number | null;
  status: "success" | "error";
  errorMessage: string | null;
  promptId: string | null;
  metadata: unknown;
  tags: string[] | null;
};

// ts travels as PostgreSQL's own microsecond text so the cursor position is exact.
const keySchema = z.tuple([z.string().regex(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/), z.string().regex(/^\d{1,19}$/)]);

type Row = Omit<EventItem, "feature" | "id" | "promptId"> & { id: string; feature: string; ts_key: string; prompt_id: string | null };

/** Newest first; one index range scan on (project_id, ts desc, id desc) at any depth. */
export async function listEvents(db: Db, secret: Buffer, projectId: string, input: ListInput) {
  const scope: CursorScope = { list: "events", projectId, fingerprint: filterFingerprint(input) };
  const after = input.cursor ? decodeCursor(secret, scope, input.cursor, keySchema) : null;
  const keyset = after ? sql` AND (e.ts, e.id) < (${after[0]}::timestamptz, ${after[1]}::bigint)` : sql``;
  const rows = (await db.execute(sql`
    SELECT e.id::text AS id, e.event_id AS "eventId",
      to_char(e.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts_key,
      e.provider, e.model, e.feature, e.user_id AS "userId", e.session_id AS "sessionId",
      e.input_tokens AS "inputTokens", e.output_tokens AS "outputTokens",
      e.cached_input_tokens AS "cachedInputTokens", e.cache_write_tokens AS "cacheWriteTokens",
      e.reasoning_tokens AS "reasoningTokens", e.cost_usd::text AS "costUsd", e.cost_source AS "costSource",
      e.latency_ms AS "latencyMs", e.status, e.error_message AS "errorMessage", p.id::text AS prompt_id, e.metadata, e.tags
    FROM cost_events e
    LEFT JOIN prompts p ON p.project_id = e.project_id AND p.hash = e.prompt_hash
    WHERE ${rawConditions(projectId, input, { from: input.from ?? null, to: input.to ?? null })}${keyset}
    ORDER BY e.ts DESC, e.id DESC
    LIMIT ${input.limit + 1}`)) as unknown as Row[];
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > input.limit && last ? encodeCursor(secret, scope, [last.ts_key, last.id]) : null;
  const items: EventItem[] = page.map(({ ts_key, prompt_id, feature, ...r }) => ({
    ...r,
    timestamp: ts_key,
    feature: feature === "" ? null : feature,
    promptId: prompt_id,
    // Rows stored before nesting was bounded may be deep enough to overflow superjson and the drawer.
    metadata: r.metadata === null ? null : clipJson(r.metadata),
  }));
  return { items, nextCursor };
}
