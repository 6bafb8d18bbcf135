import "server-only";
import type { TransactionSql } from "postgres";
import type { Sql } from "~/server/db";
import { isCitus } from "~/server/db/citus";
import { errorFields, logger } from "~/server/logger";
import { FOLD_SQL } from "./fold-sql";
import { advanceRecentTotals } from "./recent-totals";

/** Serialises folds (exclusive) against repricing and project deletion (shared). */
export const FOLD_LOCK = 815_004_230;

// Transaction ids, not events: one ingestion request is one transaction (≤ 1000 events).
const MAX_XIDS_PER_FOLD = 2000;

/*
 * On a Citus cluster (docs/citus.md) events are stored on workers but their xid is the
 * coordinator's (the column default is evaluated on the coordinator, where every statement is
 * planned), and the fold's snapshot is the coordinator's too, so the watermark keeps meaning one
 * thing across shards and shard moves. One gap: a transaction that wrote to more than one node
 * commits with two-phase commit, and its workers' COMMIT PREPARED follows the coordinator's commit
 * — for a moment the coordinator's snapshot says "committed" while a worker does not show the rows
 * yet, and a fold then would skip them for good. So the fold takes its snapshot first, then waits
 * until every transaction prepared on a worker at that moment has been resolved, then folds up to
 * that snapshot (rows of transactions the snapshot sees as committed are then visible everywhere).
 */
const PREPARED_ON_WORKERS = `SELECT coalesce(string_agg(result, ','), '') AS gids FROM run_command_on_workers(
  $cmd$SELECT coalesce(string_agg(gid, ','), '') FROM pg_prepared_xacts WHERE database = current_database()$cmd$)`;
const PREPARED_WAIT_MS = 10_000;

/** The coordinator snapshot to fold up to, once no worker holds a part of a transaction it sees committed; undefined when that takes too long. */
async function citusFoldSnapshot(tx: TransactionSql): Promise<string | undefined> {
  const [snap] = await tx<{ s: string }[]>`SELECT pg_current_snapshot()::text AS s`;
  const gidsOf = async () => {
    const [r] = await tx.unsafe<{ gids: string }[]>(PREPARED_ON_WORKERS);
    return new Set((r?.gids ?? "").split(",").filter(Boolean));
  };
  const pending = await gidsOf();
  const until = Date.now() + PREPARED_WAIT_MS;
  while (pending.size > 0) {
    if (Date.now() > until) return undefined;
    await new Promise((res) => setTimeout(res, 5));
    const now = await gidsOf();
    for (const g of pending) if (!now.has(g)) pending.delete(g);
  }
  return snap?.s;
}

export type FoldResult = { events: number; busy: boolean; more: boolean };

/**
 * One fold: events committed since the last fold go into every rollup, in one statement (then
 * the recent totals' anchors move, in a transaction of their own). `busy` when another session
 * is folding (or repricing) right now: nothing (more) to do here then.
 */
export async function foldOnce(sql: Sql, maxXids = MAX_XIDS_PER_FOLD): Promise<FoldResult> {
  const citus = await isCitus(sql);
  const result = await sql.begin(async (tx): Promise<FoldResult> => {
    const [lock] = await tx<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(${FOLD_LOCK}) AS ok`;
    if (!lock?.ok) return { events: 0, busy: true, more: false };
    const upTo = citus ? await citusFoldSnapshot(tx) : null;
    if (upTo === undefined) return { events: 0, busy: true, more: false };
    // A separate statement after the lock: its snapshot sees the previous fold's commit.
    const [row] = await tx.unsafe<{ events: number; more: boolean }[]>(FOLD_SQL, [maxXids, upTo], { prepare: true });
    return { events: row?.events ?? 0, busy: false, more: row?.more ?? false };
  });
  // Another session took the lock in between: it moves them (busy, so foldAll tries again).
  if (!result.busy && !(await moveRecentAnchors(sql, citus))) return { ...result, busy: true };
  return result;
}

/**
 * The users' recent totals follow the clock (recent-totals.ts): in a transaction of their own
 * under the fold lock (on Citus, after the fold's multi-shard statement, a second one touching
 * the same shards in that transaction is refused), one connection per worker on a cluster.
 */
async function moveRecentAnchors(sql: Sql, citus: boolean): Promise<boolean> {
  const moved = await sql.begin(async (tx) => {
    const [lock] = await tx<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(${FOLD_LOCK}) AS ok`;
    if (!lock?.ok) return null;
    if (citus) await tx`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`;
    if (!(await advanceRecentTotals(tx))) return false;
    // The move's own transaction id (32 bits, as pg_stat_activity shows snapshots' xmin).
    const [row] = await tx<{ xid: string }[]>`SELECT (pg_current_xact_id()::text::bigint % 4294967296)::text AS xid`;
    return row?.xid ?? "";
  });
  if (moved === null) return false;
  // A vacuum that failed (on Citus, a shard moving at that moment) is owed: the next fold of this
  // process runs it, without waiting for snapshots any more.
  if (moved !== false || vacuumOwed) vacuumOwed = !(await vacuumRecentTotals(sql, moved === false ? "" : moved));
  return true;
}

let vacuumOwed = false;

/**
 * A move rewrites the rows of every user seen in the hours it leaves behind (tens of thousands
 * at 5M events), and until a vacuum marks their pages all-visible again, the users list's
 * index-only ranges of user_recent_totals_cost_idx fetch each of those rows from the heap: a page
 * 9,900 users deep made 8,874 heap fetches (7.8 ms of its ~17 in PostgreSQL). Autovacuum waits
 * for a fifth of the table to change (and is off on some servers), so the fold vacuums the table
 * itself after a move: once an hour, only the pages the move touched plus its two indexes.
 * Not at once, though: a vacuum keeps every row version that a snapshot still open may see, and
 * under read traffic a request that began before the move's commit is almost always still running
 * when the fold returns (bench:query at 5M: a vacuum right after the move left 49,064 of the
 * rows it replaced and 65% of the pages not all-visible; a deep page of breakdown by user took
 * p50 23.8 / p95 31.5 ms in-process then, 19.3 / 22.3 after a manual vacuum). So it first waits — at most SNAPSHOT_WAIT_MS, then it
 * vacuums anyway — until no other session of this database holds a snapshot from before the move.
 * SKIP_LOCKED: another instance vacuuming it already does the job (on Citus too: the shards are
 * vacuumed from the coordinator, and the wait looks at the coordinator's sessions, where every
 * read of them starts). A failure only costs speed, and the next fold tries again.
 */
async function vacuumRecentTotals(sql: Sql, moveXid: string): Promise<boolean> {
  try {
    if (moveXid) await waitForSnapshotsBefore(sql, moveXid, SNAPSHOT_WAIT_MS);
    await sql.unsafe("VACUUM (SKIP_LOCKED) user_recent_totals");
    return true;
  } catch (err) {
    logger.warn("vacuum of user_recent_totals after an anchor move failed; owed to the next fold", errorFields(err));
    return false;
  }
}

const SNAPSHOT_WAIT_MS = 5_000;

/**
 * Waits until no other session of this database holds a snapshot that may not see transaction
 * `xid` (32-bit, as text) as committed — its xmin at or before `xid` — or until `timeoutMs` has
 * passed. True when none is left.
 */
export async function waitForSnapshotsBefore(sql: Sql, xid: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await snapshotsBefore(sql, xid)).length === 0) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((res) => setTimeout(res, 25));
  }
}

/** The other sessions of this database whose snapshot may not see transaction `xid` as committed (their pids). */
export async function snapshotsBefore(sql: Sql, xid: string): Promise<number[]> {
  const rows = await sql.unsafe<{ pid: number }[]>(
    `SELECT pid FROM pg_stat_activity
      WHERE datid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL AND age(backend_xmin) >= age($1::text::xid)`,
    [xid],
  );
  return rows.map((r) => r.pid);
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
