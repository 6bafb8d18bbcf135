import "server-only";
import { drizzle } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import type { Db, DbClient } from "~/server/db";
import * as schema from "~/server/db/schema";
import { serviceUnavailable } from "~/server/errors";
import { errorFields, logger } from "~/server/logger";

/**
 * application_name while an export holds its connection (set for the transaction only, so it is
 * gone at ROLLBACK): `SELECT … FROM pg_stat_activity` shows which project's export a backend
 * serves. 24 + 36 characters fit PostgreSQL's 63.
 */
export const exportApplicationName = (projectId: string) => `ai-cost-profiler/export ${projectId}`;

// After a cancel, PostgreSQL stops at its next row; a backend that has not stopped by then is
// terminated so the connection can never stay pinned.
const CANCEL_GRACE_MS = 5_000;
// An export waits this long for a pooled connection, then answers 503 instead of hanging.
const RESERVE_TIMEOUT_MS = 10_000;

/**
 * One export's view of the database: a reserved connection inside a REPEATABLE READ READ ONLY
 * transaction whose snapshot is taken before the response starts, so every batch — and every
 * query of the export — sees the same committed rows however long the download takes.
 */
export type Snapshot = {
  sql: postgres.ReservedSql;
  /** drizzle over the same connection, for the analytics query functions. */
  db: Db;
  pid: number;
  /**
   * Marks a statement as running until `settled`; `drain` keeps reading a COPY whose client side
   * is paused, so the backend, blocked writing to us, can notice the cancel.
   */
  busy(settled: Promise<unknown>, drain?: () => void): void;
  readonly closed: boolean;
  /** Cancels the running statement, rolls back and releases the connection. Idempotent. */
  close(): Promise<void>;
};

const sleep = (ms: number) => new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms).unref());

/** `onClosed` runs once the connection is back (or given up), however the export ended. */
export async function openSnapshot(client: DbClient, projectId: string, onClosed: () => void = noop): Promise<Snapshot> {
  const pending = client.sql.reserve();
  const first = await Promise.race([pending, sleep(RESERVE_TIMEOUT_MS)]);
  if (first === "timeout") {
    // Still queued in the pool: whenever it arrives, hand it straight back.
    pending.then((r) => r.release(), noop);
    throw serviceUnavailable("every database connection is busy; retry the export shortly");
  }
  const reserved = first;
  let pid: number;
  try {
    await reserved`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`;
    await reserved`SELECT set_config('application_name', ${exportApplicationName(projectId)}, true)`;
    // The COPY path inlines literals (COPY takes no bind parameters): quotes doubled is then the
    // only escaping a string literal needs.
    await reserved`SET LOCAL standard_conforming_strings = on`;
    // The first query of the transaction fixes its snapshot: from here on, nothing committed
    // later is visible to this export.
    const [row] = await reserved<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    pid = row?.pid ?? 0;
  } catch (err) {
    await reserved`ROLLBACK`.catch(() => undefined);
    reserved.release();
    throw err;
  }
  let running: { settled: Promise<unknown>; drain?: () => void } | null = null;
  let closing: Promise<void> | null = null;

  const close = async () => {
    const current = running;
    let broken = false;
    if (current) {
      await client.sql`SELECT pg_cancel_backend(${pid}::int)`.catch((err: unknown) => logger.warn("export: cancel failed", { pid, ...errorFields(err) }));
      current.drain?.();
      const outcome = await Promise.race([current.settled.then(() => "settled" as const), sleep(CANCEL_GRACE_MS)]);
      if (outcome === "timeout") {
        logger.warn("export: backend ignored the cancel, terminating it", { pid });
        await client.sql`SELECT pg_terminate_backend(${pid}::int)`.catch(() => undefined);
        broken = true;
      }
    }
    if (!broken) {
      // READ ONLY: rolling back loses nothing and also closes any cursor.
      const rollback = reserved`ROLLBACK`.then(
        () => "done" as const,
        (err: unknown) => {
          logger.warn("export: rollback failed", { pid, ...errorFields(err) });
          return "failed" as const;
        },
      );
      const outcome = await Promise.race([rollback, sleep(CANCEL_GRACE_MS)]);
      if (outcome !== "done") broken = true;
      if (outcome === "timeout") {
        logger.warn("export: rollback did not answer, terminating the backend", { pid });
        await client.sql`SELECT pg_terminate_backend(${pid}::int)`.catch(() => undefined);
      }
    }
    // A connection that died is already back in the pool's closed queue; releasing it again
    // would hand a dead socket to the next query.
    if (!broken) reserved.release();
    onClosed();
  };

  return {
    sql: reserved,
    // A reserved connection shares the pool's options object but does not expose it, and drizzle
    // reads (and sets the same pass-through parsers on) `client.options`.
    db: drizzle(Object.assign(reserved, { options: client.sql.options }), { schema }),
    pid,
    busy(settled, drain) {
      const entry = { settled: settled.then(noop, noop), drain };
      running = entry;
      void entry.settled.then(() => {
        if (running === entry) running = null;
      });
    },
    get closed() {
      return closing !== null;
    },
    close() {
      closing ??= close();
      return closing;
    },
  };
}

function noop(): void {}
