import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db, DbOrTx } from "./index";

const dialect = new PgDialect();
// Open read snapshots (readSnapshot) whose statements are planned for their values only.
const customPlanned = new WeakSet<object>();

/**
 * `fn` in one REPEATABLE READ READ ONLY transaction (several statements that must see one state,
 * e.g. the same fold), whose queryRows statements are named prepared statements: once a text has
 * been seen on the connection (postgres.js keeps one per text and connection), a statement is
 * Bind and Execute in one round trip, where drizzle's unnamed ones are Parse and Describe, a round
 * trip for the parameter types, then Bind and Execute. Their plans are still made for each call's
 * values: the transaction sets `plan_cache_mode = force_custom_plan` (a generic plan would guess a
 * window's rows and a list's keys). Outside such a transaction queryRows sends unnamed statements,
 * and the connection's other prepared statements (ingestion's) keep their cached generic plans.
 */
export function readSnapshot<T>(db: Db, fn: (tx: DbOrTx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    // One round trip after BEGIN (a simple query of two statements; drizzle's own isolation option
    // would send SET TRANSACTION on its own).
    await tx.execute(SNAPSHOT_SETUP);
    customPlanned.add(tx);
    return fn(tx);
  });
}
const SNAPSHOT_SETUP = sql.raw(
  "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; SELECT set_config('plan_cache_mode', 'force_custom_plan', true)",
);

function execute(db: DbOrTx, query: SQL): Promise<unknown> {
  if (!customPlanned.has(db)) return db.execute(query);
  return db._.session.prepareQuery(dialect.sqlToQuery(query), undefined, "prepared", false).execute();
}

/**
 * A raw SQL query whose rows are checked against a zod schema: the only way raw results get a
 * type (no `as` casts). A row that does not match is a server fault (500), named in the log, never
 * a client's 400 — so the error is a plain Error, not the ZodError the input validators raise.
 */
export async function queryRows<S extends z.ZodType>(db: DbOrTx, row: S, query: SQL): Promise<z.output<S>[]> {
  return parseRows(row, await execute(db, query));
}

/** Rows from any driver (postgres.js, a cursor's batch) checked against their schema, as queryRows does. */
export function parseRows<S extends z.ZodType>(row: S, result: unknown): z.output<S>[] {
  const parsed = z.array(row).safeParse(result);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`raw query result does not match its row schema at ${issue?.path.join(".") ?? "?"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** The first row, or null. */
export async function queryRow<S extends z.ZodType>(db: DbOrTx, row: S, query: SQL): Promise<z.output<S> | null> {
  const rows = await queryRows(db, row, query);
  return rows[0] ?? null;
}

// Column types as postgres.js returns them over drizzle's client: int8 and numeric as strings.
export const int8 = z.union([z.string(), z.number(), z.bigint()]).transform((v) => String(v));
export const numeric = z.string();

/**
 * The zero of a money sum: `coalesce(sum(cost), ZERO_USD)`. Every stored cost has scale 12, so a
 * sum that read a rollup row says "0.000000000000"; a bare `0` would make a group with no priced
 * call say "0" before the fold and "0.000000000000" after it.
 */
export const ZERO_USD = sql.raw("0::numeric(30, 12)");
