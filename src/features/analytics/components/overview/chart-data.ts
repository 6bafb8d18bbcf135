// Shapes timeseries points into stacked chart rows: the top groups by exact cost, the rest as
// "other", every bucket of the window present (zero when there were no calls).
import type { TimeseriesPoint } from "~/features/analytics/server/stats";
import { parseUsdToPicos, formatPicos } from "~/lib/money";
import { usdForChart } from "~/lib/display";

export const OTHER = "other";
const MAX_SERIES = 7;

export type ChartRow = { t: string } & Record<string, number | string>;
export type ChartData = { rows: ChartRow[]; series: string[]; exact: Map<string, string> };

const exactKey = (t: string, series: string) => `${t}\u0000${series}`;

function bucketStarts(from: string, to: string, bucket: "hour" | "day"): string[] {
  const step = bucket === "hour" ? 3_600_000 : 86_400_000;
  const start = Math.floor(Date.parse(from) / step) * step;
  const end = Date.parse(to);
  const out: string[] = [];
  for (let t = start; t < end && out.length < 2_400; t += step) out.push(new Date(t).toISOString());
  return out;
}

export function toChartData(points: TimeseriesPoint[], window: { from: string; to: string }, bucket: "hour" | "day"): ChartData {
  const totals = new Map<string, bigint>();
  for (const p of points) {
    const g = p.group === null || p.group === "" ? "(none)" : p.group;
    totals.set(g, (totals.get(g) ?? 0n) + parseUsdToPicos(p.costUsd));
  }
  const ranked = [...totals.entries()].sort((a, b) => (a[1] === b[1] ? a[0].localeCompare(b[0]) : a[1] > b[1] ? -1 : 1)).map(([g]) => g);
  const top = ranked.slice(0, MAX_SERIES);
  const series = ranked.length > MAX_SERIES ? [...top, OTHER] : top;
  const picos = new Map<string, bigint>();
  for (const p of points) {
    const g = p.group === null || p.group === "" ? "(none)" : p.group;
    const s = top.includes(g) ? g : OTHER;
    const k = exactKey(new Date(Date.parse(p.t)).toISOString(), s);
    picos.set(k, (picos.get(k) ?? 0n) + parseUsdToPicos(p.costUsd));
  }
  const exact = new Map<string, string>();
  const rows = bucketStarts(window.from, window.to, bucket).map((t) => {
    const row: ChartRow = { t };
    for (const s of series) {
      const v = picos.get(exactKey(t, s)) ?? 0n;
      const decimal = formatPicos(v);
      exact.set(exactKey(t, s), decimal);
      row[s] = usdForChart(decimal);
    }
    return row;
  });
  return { rows, series, exact };
}

export function exactValue(data: ChartData, t: string, series: string): string {
  return data.exact.get(exactKey(t, series)) ?? "0";
}
