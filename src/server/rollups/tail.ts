import "server-only";
import { sql, type SQL } from "drizzle-orm";

/**
 * The events not yet in the rollups (alias `e`): rows of cost_events whose xid is not visible in
 * the last fold's snapshot, read through cost_events_xid_idx by the SQL function unfolded_events()
 * (migration 0013). In the same statement as the rollup rows, rollups + this tail = every
 * committed event. Filter it like cost_events (project, time range, dimensions) outside.
 */
export const UNFOLDED_EVENTS_SQL = "unfolded_events()";

export function unfoldedEvents(alias = "e"): SQL {
  return sql.raw(`${UNFOLDED_EVENTS_SQL} ${alias}`);
}
