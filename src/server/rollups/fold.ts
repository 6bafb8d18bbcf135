import "server-only";
import type { Sql } from "~/server/db";
import { FOLD_SQL } from "./fold-sql";

/** Serialises folds (exclusive) against repricing and project deletion (shared). */
export const FOLD_LOCK = 815_004_230;

// Transaction ids, not events: one ingestion request is one transaction (≤ 1000 events).
const MAX_XIDS_PER_FOLD = 2000;

export type FoldResult = { events: number; busy: boolean; more: boolean };

/**
 * One fold: events committed since the last fold go into every rollup, in one statement.
 * `busy` when another session is folding (or repricing) right now: nothing to do here then.
 */
export async function foldOnce(sql: Sql, maxXids = MAX_XIDS_PER_FOLD): Promise<FoldResult> {
  return sql.begin(async (tx) => {
    const [lock] = await tx<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(${FOLD_LOCK}) AS ok`;
    if (!lock?.ok) return { events: 0, busy: true, more: false };
    // A separate statement after the lock: its snapshot sees the previous fold's commit.
    const [row] = await tx.unsafe<{ events: number; more: boolean }[]>(FOLD_SQL, [maxXids], { prepare: true });
    return { events: row?.events ?? 0, busy: false, more: row?.more ?? false };
  });
}

/** Folds until nothing committed is left unfolded (waits for a concurrent fold to finish). */
export async function foldAll(sql: Sql): Promise<number> {
  let total = 0;
  for (;;) {
    const r = await foldOnce(sql);
    total += r.events;
    if (r.busy) {
      await new Promise((res) => setTimeout(res, 20));
      continue;
    }
    if (!r.more && r.events === 0) return total;
  }
}
