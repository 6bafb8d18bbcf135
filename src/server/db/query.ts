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
  const fast = Array.isArray(result) ? fastRows(row, result) : null;
  // The rows `row` accepts, converted as `row` converts them (fastRowParser is derived from it).
  if (fast) return fast as z.output<S>[];
  const parsed = z.array(row).safeParse(result);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`raw query result does not match its row schema at ${issue?.path.join(".") ?? "?"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

// A hand-rolled check of the row schemas lists read by the hundred (object schemas whose fields
// are plain strings, int8, booleans, enums, or these nullable): the same acceptance and output as
// zod's, without its per-field payloads — zod's parse was half of what a users page allocated
// (~1.1 of 2.1 MB), and the young-generation collections those allocations bring are what a
// list's slow calls wait on. Any other schema, and any row the check refuses, goes through zod
// (which then names the issue). Equal to zod's parse: src/server/db/fast-rows.test.ts.
const BAD: unique symbol = Symbol("bad row");
type FieldParse = (v: unknown) => unknown;
const fastParsers = new WeakMap<z.ZodType, ((row: unknown) => unknown) | null>();

function fieldParser(field: z.ZodType): FieldParse | null {
  if (field === int8) return (v) => (typeof v === "string" ? v : (typeof v === "number" && Number.isFinite(v)) || typeof v === "bigint" ? String(v) : BAD);
  if (field._zod.def.checks?.length) return null;
  if (field instanceof z.ZodString) return (v) => (typeof v === "string" ? v : BAD);
  if (field instanceof z.ZodBoolean) return (v) => (typeof v === "boolean" ? v : BAD);
  if (field instanceof z.ZodEnum) {
    const values = new Set<unknown>(field.options);
    return (v) => (values.has(v) ? v : BAD);
  }
  if (field instanceof z.ZodNullable) {
    const innerType = field.unwrap();
    const inner = innerType instanceof z.ZodType ? fieldParser(innerType) : null;
    return inner && ((v) => (v === null ? null : inner(v)));
  }
  return null;
}

/** The row check of an object schema made only of the fields fieldParser knows, else null (once per schema). */
export function fastRowParser(row: z.ZodType): ((row: unknown) => unknown) | null {
  const known = fastParsers.get(row);
  if (known !== undefined) return known;
  let parser: ((row: unknown) => unknown) | null = null;
  if (row instanceof z.ZodObject && !row._zod.def.catchall && !row._zod.def.checks?.length) {
    const fields: [string, FieldParse][] = [];
    for (const [k, f] of Object.entries(row.shape)) {
      const p = f instanceof z.ZodType ? fieldParser(f) : null;
      if (!p) {
        fields.length = 0;
        break;
      }
      fields.push([k, p]);
    }
    if (fields.length > 0) {
      parser = (r) => {
        if (typeof r !== "object" || r === null || Array.isArray(r)) return BAD;
        const out: Record<string, unknown> = {};
        for (const [k, f] of fields) {
          const v = f(Reflect.get(r, k));
          if (v === BAD) return BAD;
          out[k] = v;
        }
        return out;
      };
    }
  }
  fastParsers.set(row, parser);
  return parser;
}

function fastRows(row: z.ZodType, result: unknown[]): unknown[] | null {
  const parse = fastRowParser(row);
  if (!parse) return null;
  const out = new Array<unknown>(result.length);
  for (let i = 0; i < result.length; i++) {
    const v = parse(result[i]);
    if (v === BAD) return null;
    out[i] = v;
  }
  return out;
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
