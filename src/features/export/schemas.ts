import { z } from "zod";
import { breakdownBySchema, FILTER_KEYS, filtersSchema, type BreakdownBy, type Filters } from "~/lib/list-filters";

// Query-string parsing for GET/HEAD /api/export/{kind}: every problem is a 400 naming the parameter.

// focus: daily cost rows in the FinOps FOCUS 1.0 column set (export/server/focus.ts).
export const EXPORT_KINDS = ["events", "features", "models", "prompts", "users", "sessions", "breakdown", "focus"] as const;
export const EXPORT_FORMATS = ["csv", "json", "ndjson"] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const kindSchema = z.enum(EXPORT_KINDS, { error: `kind must be one of ${EXPORT_KINDS.join(", ")}` });
export const formatSchema = z.enum(EXPORT_FORMATS, { error: `format must be one of ${EXPORT_FORMATS.join(", ")}` });
const searchSchema = z.string().trim().max(200, "search is too long");

/** `by`: the dimension of a breakdown export (required for it, refused elsewhere). */
export type ExportRequest = { kind: ExportKind; format: ExportFormat; filters: Filters; search?: string; by?: BreakdownBy };
export type ExportIssue = { path: string; message: string };
export type ParseResult = { ok: true; request: ExportRequest } | { ok: false; issues: ExportIssue[] };

const KNOWN = new Set<string>(["format", "search", "by", ...FILTER_KEYS]);

export function parseExportRequest(kindParam: string, params: URLSearchParams): ParseResult {
  const issues: ExportIssue[] = [];
  const single = new Map<string, string>();
  for (const [name, value] of params) {
    // A typo (`formt=json`) must not silently export something else.
    if (!KNOWN.has(name)) issues.push({ path: name, message: `unknown parameter ${name}` });
    else if (single.has(name)) issues.push({ path: name, message: `${name} is given more than once` });
    // PostgreSQL text cannot hold NUL, and the COPY path inlines literals: refuse it up front.
    else if (value.includes("\0")) issues.push({ path: name, message: `${name} must not contain NUL characters` });
    else single.set(name, value);
  }
  const kind = kindSchema.safeParse(kindParam);
  if (!kind.success) issues.push({ path: "kind", message: kind.error.issues[0]?.message ?? "invalid kind" });
  const format = formatSchema.safeParse(single.get("format") ?? "csv");
  if (!format.success) issues.push({ path: "format", message: format.error.issues[0]?.message ?? "invalid format" });
  const raw: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const v = single.get(key);
    if (v !== undefined) raw[key] = v;
  }
  const filters = filtersSchema.safeParse(raw);
  if (!filters.success) {
    for (const i of filters.error.issues) issues.push({ path: i.path.map(String).join(".") || "filters", message: i.message });
  }
  let search: string | undefined;
  const searchRaw = single.get("search");
  if (searchRaw !== undefined) {
    if (kind.success && kind.data !== "prompts") issues.push({ path: "search", message: "search applies to kind prompts only" });
    const s = searchSchema.safeParse(searchRaw);
    if (s.success) search = s.data === "" ? undefined : s.data;
    else issues.push({ path: "search", message: s.error.issues[0]?.message ?? "invalid search" });
  }
  let by: BreakdownBy | undefined;
  const byRaw = single.get("by");
  if (kind.success && kind.data === "breakdown") {
    const b = breakdownBySchema.safeParse(byRaw);
    if (b.success) by = b.data;
    else issues.push({ path: "by", message: byRaw === undefined ? "by is required for kind breakdown" : (b.error.issues[0]?.message ?? "invalid by") });
  } else if (byRaw !== undefined) issues.push({ path: "by", message: "by applies to kind breakdown only" });
  if (issues.length > 0 || !kind.success || !format.success || !filters.success) return { ok: false, issues };
  return { ok: true, request: { kind: kind.data, format: format.data, filters: filters.data, ...(search ? { search } : {}), ...(by ? { by } : {}) } };
}

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8; header=present",
  json: "application/json; charset=utf-8",
  ndjson: "application/x-ndjson; charset=utf-8",
};

/** `<project>-<kind>-<YYYY-MM-DD>.<ext>` with the project name reduced to characters safe in a header. */
export function exportFilename(projectName: string, kind: ExportKind, format: ExportFormat, now: Date, by?: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "").slice(0, 100);
  const what = by === undefined ? kind : `${kind}-by-${safe(by) || "key"}`;
  return `${safe(projectName) || "project"}-${what}-${now.toISOString().slice(0, 10)}.${format}`;
}
