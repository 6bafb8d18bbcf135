// The dashboard's URL state: one parser and one serializer shared by the server pages (prefetch)
// and the client components (queries, filter bar), so both resolve the same query input.
import { DIMENSION_FILTERS, DIMENSION_KEYS, filterParamValue, MAX_FILTER_TEXT, type FilterInput } from "./list-filters";

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

export type DashboardFilters = {
  range: RangeId;
  /** ISO-8601 (UTC), only for range "custom". */
  from?: string;
  to?: string;
} & Omit<FilterInput, "from" | "to">;

export type { FilterInput };

export type SearchParamsLike = URLSearchParams | Record<string, string | string[] | undefined>;

/** One URL parameter (the first when repeated). */
export function getParam(sp: SearchParamsLike, key: string): string | undefined {
  if (sp instanceof URLSearchParams) return sp.get(key) ?? undefined;
  const v = sp[key];
  return Array.isArray(v) ? v[0] : v;
}

const MINUTE_MS = 60_000;

function isoOrUndefined(v: string | undefined): string | undefined {
  if (!v || !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}


export function parseFilters(sp: SearchParamsLike): DashboardFilters {
  const rawRange = getParam(sp, "range");
  const preset = PRESETS.find((p) => p.id === rawRange);
  const from = isoOrUndefined(getParam(sp, "from"));
  const to = isoOrUndefined(getParam(sp, "to"));
  const f: DashboardFilters =
    rawRange === "custom" && from && to && from < to ? { range: "custom", from, to } : { range: preset?.id ?? DEFAULT_RANGE };
  for (const key of DIMENSION_KEYS) {
    const raw = getParam(sp, DIMENSION_FILTERS[key].param);
    if (raw === undefined) continue;
    const parsed = DIMENSION_FILTERS[key].schema.safeParse(raw.slice(0, MAX_FILTER_TEXT));
    // An empty `feature=` in the URL means "calls without a feature"; elsewhere empty means unset.
    if (parsed.success) Object.assign(f, { [key]: parsed.data });
  }
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
  for (const key of DIMENSION_KEYS) if (f[key] !== undefined) Object.assign(input, { [key]: f[key] });
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
  for (const key of DIMENSION_KEYS) {
    const v = f[key];
    if (v !== undefined) sp.set(DIMENSION_FILTERS[key].param, filterParamValue(v));
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== "") sp.set(k, v);
  return sp;
}

export function hrefWith(path: string, f: DashboardFilters, extra: Record<string, string | undefined> = {}): string {
  const qs = toSearchParams(f, extra).toString();
  return qs ? `${path}?${qs}` : path;
}

export function activeFilterCount(f: DashboardFilters): number {
  return DIMENSION_KEYS.filter((k) => f[k] !== undefined).length;
}
