import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "~/server/db";
import { int8, queryRow } from "~/server/db/query";

/*
 * One budget evaluator at a time across instances: a single-row lease (budget_evaluator_lease).
 * The holder renews it every tick; anyone may take it once it expired, and taking it bumps the
 * token. Every write an evaluator makes checks, in the same statement, that its token is still
 * the current one (fencing): an evaluator paused past its lease cannot write after a successor
 * started, like the embedding worker's claim counter.
 */

/** Takes or renews the lease for `leaseMs`; the fencing token, or null while another instance holds it. */
export async function acquireLease(db: DbOrTx, holder: string, leaseMs: number): Promise<bigint | null> {
  const row = await queryRow(
    db,
    z.object({ token: int8 }),
    sql`UPDATE budget_evaluator_lease
      SET token = CASE WHEN holder = ${holder} AND expires_at > now() THEN token ELSE token + 1 END,
          holder = ${holder}, expires_at = now() + make_interval(secs => ${leaseMs / 1000})
      WHERE id = 1 AND (holder = ${holder} OR expires_at <= now())
      RETURNING token`,
  );
  return row ? BigInt(row.token) : null;
}

/** Gives the lease up (a stopping instance), so another takes over at its next tick. */
export async function releaseLease(db: DbOrTx, holder: string): Promise<void> {
  await db.execute(sql`UPDATE budget_evaluator_lease SET expires_at = '-infinity' WHERE id = 1 AND holder = ${holder}`);
}

/** SQL condition: the lease is still `holder`'s under `token` (put it in the write's WHERE). */
export function leaseStillHeld(holder: string, token: bigint) {
  return sql`EXISTS (SELECT 1 FROM budget_evaluator_lease l
    WHERE l.id = 1 AND l.holder = ${holder} AND l.token = ${token.toString()}::bigint AND l.expires_at > now())`;
}
