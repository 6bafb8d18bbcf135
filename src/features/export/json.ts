import { scalarText, type Column, type ColumnKind } from "./columns";

// JSON and NDJSON rows built as text, one object per line. Exact decimals (costUsd) and bigint ids
// stay strings — a JSON number would pass through a float in most readers — and metadata is the
// database's own JSON text embedded as it is, never parsed and re-serialised.

export function jsonValue(kind: ColumnKind, value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (kind) {
    case "json":
      return typeof value === "string" ? value : JSON.stringify(value);
    case "integer":
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    default:
      return JSON.stringify(scalarText(value));
  }
}

/** A row as one JSON object text, keys in column order. */
export function jsonObjectWriter(columns: readonly Column[]): (row: readonly unknown[]) => string {
  const keys = columns.map((c, i) => `${i === 0 ? "{" : ","}${JSON.stringify(c.name)}:`);
  const kinds = columns.map((c) => c.kind);
  return (row) => {
    let out = "";
    for (let i = 0; i < kinds.length; i++) out += (keys[i] ?? "") + jsonValue(kinds[i] ?? "text", row[i]);
    return `${out}}`;
  };
}

export const truncatedObject = (limit: number) => `{"_truncated":true,"limit":${limit}}`;
