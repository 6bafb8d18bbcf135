import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { Filters } from "~/lib/list-filters";
import { eventFieldSql, rawConditions } from "~/features/analytics/server";
import { EVENT_COLUMNS, type Column } from "../columns";
import { FORMULA_TRIGGERS } from "../csv";

// The events export query: the events list's rows (same columns and SQL, same window conditions,
// same order) plus the prompt text, with JSON columns as JSON text. Three renderings of one query:
// "values" for the cursor path (formatted in JS), "csv" for COPY, where each cell is already
// what src/features/export/csv.ts would write, and "json" for COPY through row_to_json.

// JSON columns leave the database as their JSON text: written verbatim, never re-serialised
// (for row_to_json they stay jsonb, which it embeds as that same text).
function exportExpression(c: Column, mode: Mode): SQL {
  const expr = eventFieldSql(c.name);
  return c.kind === "json" && mode !== "json" ? sql`(${expr})::text` : expr;
}

type Mode = "values" | "csv" | "json";

/**
 * The SQL twin of `neutralise` + `csvCell` for text: a leading formula trigger gets a single
 * quote, and '' becomes NULL (an empty cell, as csv-stringify writes ""); ascii() is the first
 * code point in a UTF-8 database, as charCodeAt(0) is for these BMP characters.
 */
export function neutraliseSql(x: SQL): SQL {
  return sql`CASE WHEN ascii(${x}) IN (${sql.raw(FORMULA_TRIGGERS.join(", "))}) THEN '''' || ${x} ELSE nullif(${x}, '') END`;
}

function selectList(mode: Mode): SQL {
  return sql.join(
    EVENT_COLUMNS.map((c) => {
      const expr = exportExpression(c, mode);
      const out = mode === "csv" && (c.kind === "text" || c.kind === "json") ? neutraliseSql(expr) : expr;
      return sql`${out} AS ${sql.identifier(c.name)}`;
    }),
    sql`, `,
  );
}

/** Newest first like the list (index range scan on project_id, ts desc, id desc), at most `limit` rows. */
export function eventsExportQuery(projectId: string, f: Filters, limit: number, mode: Mode): SQL {
  return sql`SELECT ${selectList(mode)}
    FROM cost_events e
    LEFT JOIN prompts p ON p.project_id = e.project_id AND p.hash = e.prompt_hash
    WHERE ${rawConditions(projectId, f, { from: f.from ?? null, to: f.to ?? null })}
    ORDER BY e.ts DESC, e.id DESC
    LIMIT ${limit}`;
}

const dialect = new PgDialect();

/**
 * `COPY (query) TO STDOUT (FORMAT csv)` as one string: COPY runs on the simple protocol, which
 * has no bind parameters, so the (zod-validated, NUL-free) values are inlined as standard
 * string literals — safe because the snapshot sets standard_conforming_strings = on.
 */
export function eventsCopyStatement(projectId: string, f: Filters, limit: number): string {
  const query = dialect.sqlToQuery(sql`COPY (${eventsExportQuery(projectId, f, limit, "csv")}) TO STDOUT (FORMAT csv)`.inlineParams());
  if (query.params.length > 0) throw new Error("COPY statement must not carry bind parameters");
  return query.sql;
}

/**
 * `COPY … TO STDOUT` writing one JSON object per line for the events export (JSON and NDJSON), the
 * text src/features/export/json.ts writes: PostgreSQL renders each row with row_to_json — keys in
 * column order, compact, strings escaped as JSON.stringify escapes any text PostgreSQL can store,
 * integers as digits, the exact decimal and ids as strings (text columns), metadata and tags
 * embedded as the database's JSON text, NULL as null — and no row passes through JS. CSV format
 * with a delimiter and a quote character that JSON text never holds raw (control characters are
 * always escaped in it) writes each line verbatim. A JSON array's commas are not written here:
 * openCopySource adds them as the rows stream.
 */
export function eventsJsonCopyStatement(projectId: string, f: Filters, limit: number): string {
  const query = sql`SELECT row_to_json(r)::text FROM (${eventsExportQuery(projectId, f, limit, "json")}) r`;
  const copy = dialect.sqlToQuery(sql`COPY (${query}) TO STDOUT (FORMAT csv, DELIMITER E'\x01', QUOTE E'\x02')`.inlineParams());
  if (copy.params.length > 0) throw new Error("COPY statement must not carry bind parameters");
  return copy.sql;
}
