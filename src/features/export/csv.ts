import { stringify } from "csv-stringify/sync";
import { scalarText, type Column, type ColumnKind } from "./columns";

// CSV: a header row, RFC 4180 quoting by csv-stringify (fields holding a comma, quote, CR or LF
// are quoted, quotes doubled), "\n" between records — the same bytes PostgreSQL's COPY … CSV
// writes, so the fast events path (server/copy-source.ts) and this one produce identical files.

/**
 * First characters that make a spreadsheet evaluate a cell as a formula (OWASP CSV injection),
 * plus their full-width forms, which Apple Numbers normalises to the ASCII ones. The SQL twin
 * is `neutraliseSql` in server/events-sql.ts; a test proves both give the same file.
 */
export const FORMULA_TRIGGERS: readonly number[] = [0x3d, 0x2b, 0x2d, 0x40, 0x09, 0x0d, 0xff1d, 0xff0b, 0xff0d, 0xff20];
const TRIGGER_SET = new Set(FORMULA_TRIGGERS);

/** A text cell starting with a formula trigger gets a leading single quote; anything else is unchanged. */
export function neutralise(text: string): string {
  return text.length > 0 && TRIGGER_SET.has(text.charCodeAt(0)) ? `'${text}` : text;
}

/**
 * One cell. Only text is neutralised: numbers, exact decimals (a negative cost delta is not a
 * formula), ids and our own timestamps are written as they are. NULL and "" are both an empty
 * cell (as csv-stringify and COPY's NULL '' write them once "" is mapped to NULL).
 */
export function csvCell(kind: ColumnKind, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case "text":
    case "json": {
      const s = typeof value === "string" ? value : JSON.stringify(value);
      return s === "" ? null : neutralise(s);
    }
    case "boolean":
      return value ? "true" : "false";
    default: // numbers, exact decimals, ids, timestamps
      return scalarText(value);
  }
}

// eof: every record ends with "\n", so batches concatenate into one file. quote_record_delimiter:
// csv-stringify stops quoting fields holding a bare CR as soon as record_delimiter is given —
// explicitly true so CR and LF are both quoted (RFC 4180; PostgreSQL does the same).
const OPTIONS = { eof: true, record_delimiter: "\n", quote_record_delimiter: true } as const;

export function csvHeader(columns: readonly Column[]): string {
  return stringify([columns.map((c) => c.name)], OPTIONS);
}

export function csvRows(columns: readonly Column[], rows: readonly (readonly unknown[])[]): string {
  if (rows.length === 0) return "";
  const kinds = columns.map((c) => c.kind);
  const cells = rows.map((r) => kinds.map((k, i) => csvCell(k, r[i])));
  return stringify(cells, OPTIONS);
}

export const TRUNCATED_PREFIX = "_truncated";

/** The last record of a capped file: as wide as the header, its first cell says why it ends. */
export function csvTruncatedRow(columns: readonly Column[], limit: number): string {
  const first = `${TRUNCATED_PREFIX}: the export stopped at the row limit of ${limit} (EXPORT_MAX_ROWS); narrow the filters (from/to) to get the rest`;
  return stringify([[first, ...columns.slice(1).map(() => null)]], OPTIONS);
}
