import type { Column } from "./columns";
import { csvHeader, csvRows, csvTruncatedRow } from "./csv";
import { jsonObjectWriter, truncatedObject } from "./json";
import type { ExportFormat } from "./schemas";

/** Turns batches of rows (values in column order) into the file's text, piece by piece. */
export interface ExportWriter {
  head(): string;
  rows(batch: readonly (readonly unknown[])[]): string;
  /** `truncatedAt`: the row cap, when it cut the export; the file then ends with a marker. */
  tail(truncatedAt: number | null): string;
}

export function createWriter(format: ExportFormat, columns: readonly Column[]): ExportWriter {
  if (format === "csv") {
    return {
      head: () => csvHeader(columns),
      rows: (batch) => csvRows(columns, batch),
      tail: (limit) => (limit === null ? "" : csvTruncatedRow(columns, limit)),
    };
  }
  const object = jsonObjectWriter(columns);
  if (format === "ndjson") {
    return {
      head: () => "",
      rows: (batch) => batch.map((r) => `${object(r)}\n`).join(""),
      tail: (limit) => (limit === null ? "" : `${truncatedObject(limit)}\n`),
    };
  }
  // One array written incrementally: an element per line, commas before all but the first.
  let written = 0;
  const element = (text: string) => `${written++ === 0 ? "" : ",\n"}${text}`;
  return {
    head: () => "[\n",
    rows: (batch) => batch.map((r) => element(object(r))).join(""),
    tail: (limit) => `${limit === null ? "" : element(truncatedObject(limit))}${written > 0 ? "\n" : ""}]\n`,
  };
}

/**
 * Head and tail around JSON / NDJSON lines that PostgreSQL wrote itself (COPY, events-sql.ts):
 * together with them, the same bytes as createWriter's.
 */
export function copyJsonWriter(format: "json" | "ndjson"): ExportWriter {
  const marker = (limit: number | null) => (limit === null ? "" : `${truncatedObject(limit)}\n`);
  return {
    head: () => (format === "json" ? "[\n" : ""),
    rows: () => {
      throw new Error("COPY writes the rows");
    },
    tail: (limit) => (format === "json" ? `${marker(limit)}]\n` : marker(limit)),
  };
}
