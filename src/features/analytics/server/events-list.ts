import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { clipJson } from "~/lib/json-bounds";
import type { Db } from "~/server/db";
import { queryRows } from "~/server/db/query";
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

/** Newest first; one index range scan on (project_id, ts desc, id desc) at any depth. */
export async function listEvents(db: Db, secret: Buffer, projectId: string, input: ListInput) {
  const scope: CursorScope = { list: "events", projectId, fingerprint: filterFingerprint(input) };
  const after = input.cursor ? decodeCursor(secret, scope, input.cursor, keySchema) : null;
  const keyset = after ? sql` AND (e.ts, e.id) < (${after[0]}::timestamptz, ${after[1]}::bigint)` : sql``;
  const fields = sql.join(
    LIST_COLUMNS.map((c) => sql`${eventFieldSql(c.name)} AS ${sql.identifier(c.name)}`),
    sql`, `,
  );
  const rows = await queryRows(
    db,
    eventItemSchema,
    sql`
    SELECT e.id::text AS id, ${fields}
    FROM cost_events e
    LEFT JOIN prompts p ON p.project_id = e.project_id AND p.hash = e.prompt_hash
    WHERE ${rawConditions(projectId, input, { from: input.from ?? null, to: input.to ?? null })}${keyset}
    ORDER BY e.ts DESC, e.id DESC
    LIMIT ${input.limit + 1}`,
  );
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  // The timestamp is PostgreSQL's exact microsecond text, so it is the cursor's position as is.
  const nextCursor = rows.length > input.limit && last ? encodeCursor(secret, scope, [last.timestamp, last.id]) : null;
  // Rows stored before nesting was bounded may be deep enough to overflow superjson and the drawer.
  const items: EventItem[] = page.map((r) => ({ ...r, metadata: r.metadata === null ? null : clipJson(r.metadata) }));
  return { items, nextCursor };
}
