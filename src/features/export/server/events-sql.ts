import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { Filters } from "~/lib/list-filters";
import { eventFieldSql, rawConditions } from "~/features/analytics/server";
import { EVENT_COLUMNS, type Column } from "../columns";
import { FORMULA_TRIGGERS } from "../csv";

// The events export query: the events list's rows (same columns and SQL, same window conditions,
// same order) plus the prompt text, with JSON columns as JSON text. Two renderings of one query:
// "values" for the cursor path (formatted in JS) and "csv" for COPY, where each cell is already
// what src/features/export/csv.ts would write.

// JSON columns leave the database as their JSON text: written verbatim, never re-serialised.
function exportExpression(c: Column): SQL {
  const expr = eventFieldSql(c.name);
  return c.kind === "json" ? sql`(${expr})::text` : expr;
}

/**
 * The SQL twin of `neutralise` + `csvCell` for text: a leading formula trigger gets a single
 * quote, and '' becomes NULL (an empty cell, as csv-stringify writes ""); ascii() is the first
 * code point in a UTF-8 database, as charCodeAt(0) is for these BMP characters.
 */
export function neutraliseSql(x: SQL): SQL {
  return sql`CASE WHEN ascii(${x}) IN (${sql.raw(FORMULA_TRIGGERS.join(", "))}) THEN '''' || ${x} ELSE nullif(${x}, '') END`;
}

function selectList(mode: "values" | "csv"): SQL {
  return sql.join(
    EVENT_COLUMNS.map((c) => {
      const expr = exportExpression(c);
      const out = mode === "csv" && (c.kind === "text" || c.kind === "json") ? neutraliseSql(expr) : expr;
      return sql`${out} AS ${sql.identifier(c.name)}`;
    }),
    sql`, `,
  );
}

/** Newest first like the list (index range scan on project_id, ts desc, id desc), at most `limit` rows. */
export function eventsExportQuery(projectId: string, f: Filters, limit: number, mode: "values" | "csv"): SQL {
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
 * Each event as the JSON object text src/features/export/json.ts writes: keys in column order,
 * strings through to_json (the same escapes as JSON.stringify for any text PostgreSQL can
 * store), integers as digits, metadata embedded as the database's JSON text, NULL as null.
 */
function jsonObjectSql(): SQL {
  const parts = EVENT_COLUMNS.map((c, i) => {
    const expr = exportExpression(c);
    const key = `${i === 0 ? "{" : ","}${JSON.stringify(c.name)}:`;
    const value =
      c.kind === "integer" ? sql`coalesce((${expr})::text, 'null')` : c.kind === "json" ? sql`coalesce(${expr}, 'null')` : sql`coalesce(to_json(${expr})::text, 'null')`;
    return sql`${key}::text || ${value}`;
  });
  return sql`${sql.join(parts, sql` || `)} || '}'`;
}

/**
 * `COPY … TO STDOUT` writing one JSON object per line for the events export (JSON and NDJSON):
 * PostgreSQL renders the objects and no row passes through JS. CSV format with a delimiter and a
 * quote character that JSON text never holds raw (control characters are always escaped in it)
 * writes each line verbatim. A JSON array's commas are not written here: openCopySource adds them
 * as the rows stream (a window looking one row ahead cost PostgreSQL a tenth of the export).
 */
export function eventsJsonCopyStatement(projectId: string, f: Filters, limit: number): string {
  const line = jsonObjectSql();
  const query = sql`SELECT ${line}
    FROM cost_events e
    LEFT JOIN prompts p ON p.project_id = e.project_id AND p.hash = e.prompt_hash
    WHERE ${rawConditions(projectId, f, { from: f.from ?? null, to: f.to ?? null })}
    ORDER BY e.ts DESC, e.id DESC
    LIMIT ${limit}`;
  const copy = dialect.sqlToQuery(sql`COPY (${query}) TO STDOUT (FORMAT csv, DELIMITER E'\x01', QUOTE E'\x02')`.inlineParams());
  if (copy.params.length > 0) throw new Error("COPY statement must not carry bind parameters");
  return copy.sql;
}
