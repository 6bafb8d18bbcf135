// The dashboard's URL state: one parser and one serializer shared by the server pages (prefetch)
// and the client components (queries, filter bar), so both resolve the same query input.

export const PRESETS = [
  { id: "1h", label: "Last hour", ms: 3_600_000 },
  { id: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { id: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
  { id: "30d", label: "Last 30 days", ms: 30 * 86_400_000 },
  { id: "90d", label: "Last 90 days", ms: 90 * 86_400_000 },
] as const;

export type PresetId = (typeof PRESETS)[number]["id"];
export type RangeId = PresetId | "custom";
export const DEFAULT_RANGE: PresetId = "30d";

export type Status = "success" | "error";

export type DashboardFilters = {
  range: RangeId;
  /** ISO-8601 (UTC), only for range "custom". */
  from?: string;
  to?: string;
  /** "" selects calls without a feature. */
  feature?: string;
  model?: string;
  provider?: string;
  status?: Status;
  userId?: string;
};

/** What the tRPC lists take (dates as ISO strings so query keys hash the same on both sides). */
export type FilterInput = {
  from: string;
  to: string;
  feature?: string;
  model?: string;
  provider?: string;
  status?: Status;
  userId?: string;
};

export type SearchParamsLike = URLSearchParams | Record<string, string | string[] | undefined>;

function getParam(sp: SearchParamsLike, key: string): string | undefined {
  if (sp instanceof URLSearchParams) return sp.get(key) ?? undefined;
  const v = sp[key];
  return Array.isArray(v) ? v[0] : v;
}

const MINUTE_MS = 60_000;
const MAX_TEXT = 200;

function isoOrUndefined(v: string | undefined): string | undefined {
  if (!v || !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

function text(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t.slice(0, MAX_TEXT) : undefined;
}

export function parseFilters(sp: SearchParamsLike): DashboardFilters {
  const rawRange = getParam(sp, "range");
  const preset = PRESETS.find((p) => p.id === rawRange);
  const from = isoOrUndefined(getParam(sp, "from"));
  const to = isoOrUndefined(getParam(sp, "to"));
  const f: DashboardFilters =
    rawRange === "custom" && from && to && from < to ? { range: "custom", from, to } : { range: preset?.id ?? DEFAULT_RANGE };
  const feature = getParam(sp, "feature");
  // An empty `feature=` in the URL means "calls without a feature".
  if (feature !== undefined) f.feature = feature === "" ? "" : feature.slice(0, MAX_TEXT);
  const model = text(getParam(sp, "model"));
  if (model) f.model = model;
  const provider = text(getParam(sp, "provider"));
  if (provider) f.provider = provider;
  const status = getParam(sp, "status");
  if (status === "success" || status === "error") f.status = status;
  const userId = text(getParam(sp, "user"));
  if (userId) f.userId = userId;
  return f;
}

/**
 * The window a range stands for. A preset ends at the next whole minute, so the server's prefetch
 * and the browser's first render (moments apart) ask for the same query key.
 */
export function resolveWindow(f: DashboardFilters, nowMs: number): { from: string; to: string } {
  if (f.range === "custom" && f.from && f.to) return { from: f.from, to: f.to };
  const preset = PRESETS.find((p) => p.id === f.range) ?? PRESETS[3];
  const to = Math.ceil(nowMs / MINUTE_MS) * MINUTE_MS;
  return { from: new Date(to - preset.ms).toISOString(), to: new Date(to).toISOString() };
}

export function toFilterInput(f: DashboardFilters, nowMs: number): FilterInput {
  const input: FilterInput = resolveWindow(f, nowMs);
  if (f.feature !== undefined) input.feature = f.feature;
  if (f.model) input.model = f.model;
  if (f.provider) input.provider = f.provider;
  if (f.status) input.status = f.status;
  if (f.userId) input.userId = f.userId;
  return input;
}

/** The window of the same length just before this one (for "change vs previous"). */
export function previousWindow(w: { from: string; to: string }): { from: string; to: string } {
  const from = Date.parse(w.from);
  const to = Date.parse(w.to);
  return { from: new Date(from - (to - from)).toISOString(), to: new Date(from).toISOString() };
}

export function bucketFor(w: { from: string; to: string }): "hour" | "day" {
  return Date.parse(w.to) - Date.parse(w.from) <= 2 * 86_400_000 ? "hour" : "day";
}

/** Canonical query string for a filter set (stable order: shareable, comparable). */
export function toSearchParams(f: DashboardFilters, extra: Record<string, string | undefined> = {}): URLSearchParams {
  const sp = new URLSearchParams();
  if (f.range !== DEFAULT_RANGE) sp.set("range", f.range);
  if (f.range === "custom" && f.from && f.to) {
    sp.set("from", f.from);
    sp.set("to", f.to);
  }
  if (f.feature !== undefined) sp.set("feature", f.feature);
  if (f.model) sp.set("model", f.model);
  if (f.provider) sp.set("provider", f.provider);
  if (f.status) sp.set("status", f.status);
  if (f.userId) sp.set("user", f.userId);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== "") sp.set(k, v);
  return sp;
}

export function hrefWith(path: string, f: DashboardFilters, extra: Record<string, string | undefined> = {}): string {
  const qs = toSearchParams(f, extra).toString();
  return qs ? `${path}?${qs}` : path;
}

export type ExportKind = "events" | "features" | "models" | "prompts";
export type ExportFormat = "csv" | "json" | "ndjson";

/** `GET /api/export/<kind>` with exactly the filters the table shows. */
export function exportHref(kind: ExportKind, format: ExportFormat, input: FilterInput, extra: Record<string, string> = {}): string {
  const sp = new URLSearchParams({ format });
  for (const [k, v] of Object.entries(input)) if (typeof v === "string") sp.set(k, v);
  for (const [k, v] of Object.entries(extra)) if (v !== "") sp.set(k, v);
  return `/api/export/${kind}?${sp.toString()}`;
}

export function activeFilterCount(f: DashboardFilters): number {
  return [f.feature !== undefined, f.model, f.provider, f.status, f.userId].filter(Boolean).length;
}
