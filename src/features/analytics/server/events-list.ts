import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { z } from "zod";
import { clipJson, MAX_JSON_DEPTH } from "~/lib/json-bounds";
import type { Db, Sql } from "~/server/db";
import { parseRows, queryRows } from "~/server/db/query";
import { decodeCursor, encodeCursor, type CursorScope } from "~/server/db/cursor";
import { filterFingerprint, type ListInput } from "../schemas";
import { EVENT_COLUMNS } from "~/lib/event-columns";
import { eventFieldSql } from "./event-fields-sql";
import { rawConditions } from "./window";

// The list's fields: every event column but the full prompt text (the drawer fetches it by id).
const LIST_COLUMNS = EVENT_COLUMNS.filter((c) => c.name !== "prompt");
const int = z.number().int();

/** An events list row: the fields of EVENT_COLUMNS (a unit test holds the two to the same names). */
export const eventItemSchema = z.object({
  id: z.string(),
  eventId: z.string(),
  timestamp: z.string(),
  provider: z.string(),
  model: z.string(),
  feature: z.string().nullable(),
  userId: z.string().nullable(),
  sessionId: z.string().nullable(),
  inputTokens: int,
  outputTokens: int,
  cachedInputTokens: int,
  cacheWriteTokens: int,
  reasoningTokens: int,
  costUsd: z.string().nullable(),
  costSource: z.enum(["reported", "computed", "unpriced"]),
  latencyMs: int.nullable(),
  status: z.enum(["success", "error"]),
  errorMessage: z.string().nullable(),
  promptId: z.string().nullable(),
  metadata: z.unknown(),
  tags: z.array(z.string()).nullable(),
});
export type EventItem = z.infer<typeof eventItemSchema>;
export const EVENT_LIST_FIELDS = LIST_COLUMNS.map((c) => c.name);

// ts travels as PostgreSQL's own microsecond text so the cursor position is exact.
const keySchema = z.tuple([z.string().regex(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/), z.string().regex(/^\d{1,19}$/)]);

/** The page's query: newest first, one more row than the page (so a next page is known). */
function pageQuery(secret: Buffer, projectId: string, input: ListInput): { query: SQL; scope: CursorScope } {
  const scope: CursorScope = { list: "events", projectId, fingerprint: filterFingerprint(input) };
  const after = input.cursor ? decodeCursor(secret, scope, input.cursor, keySchema) : null;
  const keyset = after ? sql` AND (e.ts, e.id) < (${after[0]}::timestamptz, ${after[1]}::bigint)` : sql``;
  const fields = sql.join(
    LIST_COLUMNS.map((c) => sql`${eventFieldSql(c.name)} AS ${sql.identifier(c.name)}`),
    sql`, `,
  );
  const query = sql`
    SELECT e.id::text AS id, ${fields}
    FROM cost_events e
    LEFT JOIN prompts p ON p.project_id = e.project_id AND p.hash = e.prompt_hash
    WHERE ${rawConditions(projectId, input, { from: input.from ?? null, to: input.to ?? null })}${keyset}
    ORDER BY e.ts DESC, e.id DESC
    LIMIT ${input.limit + 1}`;
  return { query, scope };
}

/** Newest first; one index range scan on (project_id, ts desc, id desc) at any depth. */
export async function listEvents(db: Db, secret: Buffer, projectId: string, input: ListInput) {
  const { query, scope } = pageQuery(secret, projectId, input);
  const rows = await queryRows(db, eventItemSchema, query);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  // The timestamp is PostgreSQL's exact microsecond text, so it is the cursor's position as is.
  const nextCursor = rows.length > input.limit && last ? encodeCursor(secret, scope, [last.timestamp, last.id]) : null;
  // Rows stored before nesting was bounded may be deep enough to overflow superjson and the drawer.
  const items: EventItem[] = page.map((r) => ({ ...r, metadata: r.metadata === null ? null : clipJson(r.metadata) }));
  return { items, nextCursor };
}

const dialect = new PgDialect();
const jsonRowSchema = z.object({ j: z.string(), ts: z.string(), id: z.string() });

/**
 * The same page as listEvents, as its JSON text (`{"items":[…],"nextCursor":…}`), for the HTTP
 * read path (events-direct.ts): PostgreSQL renders each row with row_to_json — the export's
 * rendering: keys in column order, strings escaped as JSON.stringify escapes them, metadata and
 * tags as the stored JSON text — so no row is parsed, checked or re-serialised in JS. A row whose
 * text might need clipJson (nesting deeper than the bound, or a key superjson refuses, judged
 * conservatively on the text) takes listEvents' treatment. Parsed, the answer equals what tRPC
 * sends for listEvents' result (events-direct.int.test.ts). A prepared statement: its parse and
 * plan are once per connection, not per page.
 */
export async function listEventsJson(sqlClient: Sql, secret: Buffer, projectId: string, input: ListInput): Promise<string> {
  const { query, scope } = pageQuery(secret, projectId, input);
  // The outer ORDER BY re-states the page's order on the rendered columns (fixed-width timestamp
  // text; the id as a number) rather than relying on the subquery's order surviving.
  const q = dialect.sqlToQuery(sql`
    SELECT row_to_json(r)::text AS j, r."timestamp" AS ts, r.id
    FROM (${query}) r
    ORDER BY r."timestamp" DESC, r.id::bigint DESC`);
  const rows = parseRows(jsonRowSchema, await sqlClient.unsafe(q.sql, q.params as never[], { prepare: true }));
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > input.limit && last ? encodeCursor(secret, scope, [last.ts, last.id]) : null;
  const items = page.map((r) => (mayNeedClip(r.j) ? clippedRow(r.j) : r.j));
  return `{"items":[${items.join(",")}],"nextCursor":${JSON.stringify(nextCursor)}}`;
}

const REFUSED_KEY_TEXT = /__proto__|constructor|prototype/;

/** Whether clipJson could change this row's metadata: a refused key, or nesting past the bound. */
function mayNeedClip(text: string): boolean {
  if (REFUSED_KEY_TEXT.test(text)) return true;
  // No more brackets than the bound: no deeper either (brackets inside strings count too, which
  // only ever sends a row to the careful path). indexOf skips through the text natively.
  let brackets = 0;
  for (const open of ["{", "["]) {
    for (let i = text.indexOf(open); i !== -1; i = text.indexOf(open, i + 1)) brackets++;
  }
  return brackets > MAX_JSON_DEPTH && nestingDepth(text) > MAX_JSON_DEPTH;
}

function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 123 || c === 91) max = Math.max(max, ++depth); // { [
    else if (c === 125 || c === 93) depth--; // } ]
  }
  return max;
}

function clippedRow(text: string): string {
  const row = z.record(z.string(), z.unknown()).parse(JSON.parse(text));
  return JSON.stringify({ ...row, metadata: row.metadata === null || row.metadata === undefined ? null : clipJson(row.metadata) });
}
