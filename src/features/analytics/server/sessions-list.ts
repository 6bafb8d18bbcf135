import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~/server/db";
import { decodeCursor, encodeCursor, type CursorScope } from "~/server/db/cursor";
import { int8, numeric, queryRows, ZERO_USD } from "~/server/db/query";
import { filterFingerprint, type Filters, type ListInput } from "../schemas";
import { rawConditions } from "./window";

export type SessionItem = {
  sessionId: string;
  /** The user of the session's first call that names one. */
  userId: string | null;
  calls: number;
  errors: number;
  costUsd: string;
  inputTokens: number;
  outputTokens: number;
  firstSeen: string;
  lastSeen: string;
  durationMs: number;
  /** Input tokens of the first and the last call: a prompt that keeps growing shows here. */
  firstInputTokens: number;
  lastInputTokens: number;
  /** last / first input tokens (null when the first call had none). */
  promptGrowth: number | null;
};

const rowSchema = z.object({
  session_id: z.string(),
  user_id: z.string().nullable(),
  calls: int8,
  errors: int8,
  cost: numeric,
  input_tokens: int8,
  output_tokens: int8,
  first_seen: z.string(),
  last_seen: z.string(),
  duration_ms: int8,
  first_input: z.number(),
  last_input: z.number(),
});

const keySchema = z.tuple([z.string().regex(/^\d{1,20}(\.\d{1,12})?$/), z.string().max(1000)]);

/**
 * Per session in the window, by cost desc (session id asc breaks ties). Read from raw events:
 * "first" and "last" call are ordered by (ts, id), so every figure is exact and stable.
 */
export function sessionsQuery(projectId: string, f: Filters, after: [string, string] | null, limit: number | null): SQL {
  const keyset = after ? sql` WHERE (s.cost < ${after[0]}::numeric OR (s.cost = ${after[0]}::numeric AND s.session_id > ${after[1]}))` : sql``;
  return sql`WITH s AS (
      SELECT e.session_id, (array_agg(e.user_id ORDER BY e.ts, e.id) FILTER (WHERE e.user_id IS NOT NULL))[1] AS user_id,
        count(*)::text AS calls, count(*) FILTER (WHERE e.status = 'error')::text AS errors, coalesce(sum(e.cost_usd), ${ZERO_USD}) AS cost,
        sum(e.input_tokens)::text AS input_tokens, sum(e.output_tokens)::text AS output_tokens,
        to_char(min(e.ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS first_seen,
        to_char(max(e.ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last_seen,
        floor(extract(epoch FROM max(e.ts) - min(e.ts)) * 1000)::bigint::text AS duration_ms,
        (array_agg(e.input_tokens ORDER BY e.ts, e.id))[1] AS first_input,
        (array_agg(e.input_tokens ORDER BY e.ts DESC, e.id DESC))[1] AS last_input
      FROM cost_events e
      WHERE ${rawConditions(projectId, f, { from: f.from ?? null, to: f.to ?? null })} AND e.session_id IS NOT NULL
      GROUP BY e.session_id)
    SELECT s.session_id, s.user_id, s.calls, s.errors, s.cost::text AS cost, s.input_tokens, s.output_tokens,
      s.first_seen, s.last_seen, s.duration_ms, s.first_input, s.last_input FROM s${keyset}
    ORDER BY s.cost DESC, s.session_id${limit === null ? sql`` : sql` LIMIT ${limit}`}`;
}

export function toSessionItem(r: z.output<typeof rowSchema>): SessionItem {
  return {
    sessionId: r.session_id,
    userId: r.user_id,
    calls: Number(r.calls),
    errors: Number(r.errors),
    costUsd: r.cost,
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    durationMs: Number(r.duration_ms),
    firstInputTokens: r.first_input,
    lastInputTokens: r.last_input,
    promptGrowth: r.first_input === 0 ? null : r.last_input / r.first_input,
  };
}
export const sessionRowSchema = rowSchema;

export async function listSessions(db: Db, secret: Buffer, projectId: string, input: ListInput) {
  const scope: CursorScope = { list: "sessions", projectId, fingerprint: filterFingerprint(input) };
  const after = input.cursor ? decodeCursor(secret, scope, input.cursor, keySchema) : null;
  const rows = await queryRows(db, rowSchema, sessionsQuery(projectId, input, after, input.limit + 1));
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > input.limit && last ? encodeCursor(secret, scope, [last.cost, last.session_id]) : null;
  return { items: page.map(toSessionItem), nextCursor };
}
