import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "./index";

/**
 * A raw SQL query whose rows are checked against a zod schema: the only way raw results get a
 * type (no `as` casts). A row that does not match is a server fault (500), named in the log, never
 * a client's 400 — so the error is a plain Error, not the ZodError the input validators raise.
 */
export async function queryRows<S extends z.ZodType>(db: DbOrTx, row: S, query: SQL): Promise<z.output<S>[]> {
  return parseRows(row, await db.execute(query));
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
