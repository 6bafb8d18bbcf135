import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "~/server/db";
import { int8, queryRow } from "~/server/db/query";

/*
 * One budget evaluator at a time across instances: a lease row (budget_evaluator_lease, name
 * 'budgets' for the app). The holder renews it every tick; anyone may take it once it expired,
 * and taking it bumps the token. Every write an evaluator makes checks, in the same statement,
 * that its token is still the current one (fencing): an evaluator paused past its lease cannot
 * write after a successor started, like the embedding worker's claim counter.
 */

export const LEASE_NAME = "budgets";

/** Takes or renews the lease for `leaseMs`; the fencing token, or null while another instance holds it. */
export async function acquireLease(db: DbOrTx, holder: string, leaseMs: number, name = LEASE_NAME): Promise<bigint | null> {
  // The database's clock, read first and passed as a typed parameter: on a Citus cluster the lease
  // is a reference table, whose ON CONFLICT clauses may only call IMMUTABLE functions (no now()).
  const clock = await queryRow(db, z.object({ now: z.string() }), sql`SELECT now()::text AS now`);
  const now = clock?.now ?? new Date().toISOString();
  const row = await queryRow(
    db,
    z.object({ token: int8 }),
    sql`INSERT INTO budget_evaluator_lease AS l (name, holder, token, expires_at)
      VALUES (${name}, ${holder}, 1, ${now}::timestamptz + make_interval(secs => ${leaseMs / 1000}))
      ON CONFLICT (name) DO UPDATE
      SET token = CASE WHEN l.holder = excluded.holder AND l.expires_at > ${now}::timestamptz THEN l.token ELSE l.token + 1 END,
          holder = excluded.holder, expires_at = excluded.expires_at
      WHERE l.holder = excluded.holder OR l.expires_at <= ${now}::timestamptz
      RETURNING l.token`,
  );
  return row ? BigInt(row.token) : null;
}

/** Gives the lease up (a stopping instance), so another takes over at its next tick. */
export async function releaseLease(db: DbOrTx, holder: string, name = LEASE_NAME): Promise<void> {
  await db.execute(sql`UPDATE budget_evaluator_lease SET expires_at = '-infinity' WHERE name = ${name} AND holder = ${holder}`);
}

/** SQL condition: the lease is still `holder`'s under `token`. */
export function leaseStillHeld(holder: string, token: bigint, name = LEASE_NAME) {
  return sql`EXISTS (${leaseHeldRow(holder, token, name)})`;
}

/**
 * A query of one row while the lease is still `holder`'s under `token`, none otherwise: writes
 * name it as a CTE and join it (`FROM held, …`), so they write nothing once the lease is lost. A
 * join rather than an EXISTS in the write's WHERE: a Citus cluster refuses such subqueries beside
 * a set-returning function or a CTE.
 */
export function leaseHeldRow(holder: string, token: bigint, name = LEASE_NAME) {
  return sql`SELECT 1 AS held FROM budget_evaluator_lease l
    WHERE l.name = ${name} AND l.holder = ${holder} AND l.token = ${token.toString()}::bigint AND l.expires_at > now()`;
}
