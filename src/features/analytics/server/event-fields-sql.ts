import "server-only";
import { sql, type SQL } from "drizzle-orm";

// The SQL of each event column (src/lib/event-columns.ts) over `cost_events e LEFT JOIN prompts p`:
// one definition for the events list and the events export.
const FIELDS: Record<string, SQL> = {
  eventId: sql`e.event_id`,
  // PostgreSQL's own microsecond text, as in the events list.
  timestamp: sql`to_char(e.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  provider: sql`e.provider`,
  model: sql`e.model`,
  feature: sql`nullif(e.feature, '')`, // '' is "no feature" in storage, null in the lists
  userId: sql`e.user_id`,
  sessionId: sql`e.session_id`,
  inputTokens: sql`e.input_tokens`,
  outputTokens: sql`e.output_tokens`,
  cachedInputTokens: sql`e.cached_input_tokens`,
  cacheWriteTokens: sql`e.cache_write_tokens`,
  reasoningTokens: sql`e.reasoning_tokens`,
  costUsd: sql`e.cost_usd::text`,
  costSource: sql`e.cost_source`,
  latencyMs: sql`e.latency_ms`,
  status: sql`e.status`,
  errorMessage: sql`e.error_message`,
  promptId: sql`p.id::text`,
  prompt: sql`p.text`,
  metadata: sql`e.metadata`,
  tags: sql`to_jsonb(e.tags)`,
};

/** The SQL of one event column; a name the table lacks is a programming error. */
export function eventFieldSql(name: string): SQL {
  const expr = FIELDS[name];
  if (!expr) throw new Error(`no SQL for event column ${name}`);
  return expr;
}
