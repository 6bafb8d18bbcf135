import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { attributionParts, groupSources } from "~/features/analytics/server";
import { forecastMonth, type DailySpend } from "~/lib/forecast";
import { formatPicos, parseUsdToPicos } from "~/lib/money";
import type { Db } from "~/server/db";
import { queryRows } from "~/server/db/query";

const DAY_MS = 86_400_000;

export type SpendForecast = {
  /** exact spend so far this (UTC) month */
  spentUsd: string;
  /** expected month-end spend and its range (estimates, rounded to the cent) */
  expectedUsd: string;
  lowUsd: string;
  highUsd: string;
};

export type ForecastAnswer = { monthEnd: string; project: SpendForecast; features: (SpendForecast & { feature: string | null })[] };

const dayRow = z.object({ t: z.string(), key: z.string(), cost: z.string() });
const totalRow = z.object({ key: z.string(), cost: z.string() });
const cents = (usd: number) => formatPicos(parseUsdToPicos(Math.max(0, usd).toFixed(2)), 2);

function combine(spent: string, f: ReturnType<typeof forecastMonth>): SpendForecast {
  const s = Number(spent);
  return { spentUsd: spent, expectedUsd: cents(s + f.remaining), lowUsd: cents(s + f.low), highUsd: cents(s + f.high) };
}

/**
 * Month-end spend per project and per feature (the top `limit` by spend this month): the exact
 * spend to date from the rollups plus the rest of the month at the run rate of the last week with
 * day-of-week factors from the last four (lib/forecast.ts). UTC months.
 */
export async function monthForecast(db: Db, projectId: string, now = new Date(), limit = 8): Promise<ForecastAnswer> {
  const today = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
  const monthStart = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));
  const monthEnd = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 1));
  const historyFrom = new Date(today.getTime() - 28 * DAY_MS);
  const [days, toDate] = await Promise.all([
    queryRows(
      db,
      dayRow,
      sql`SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS t, key, coalesce(sum(cost), 0)::text AS cost
        FROM (${attributionParts(projectId, { from: historyFrom, to: today }, groupSources.feature, "day")}) p GROUP BY 1, 2 ORDER BY 1`,
    ),
    queryRows(
      db,
      totalRow,
      sql`SELECT key, coalesce(sum(cost), 0)::text AS cost FROM (${attributionParts(projectId, { from: monthStart, to: now }, groupSources.feature)}) p GROUP BY key`,
    ),
  ]);
  const dayList: string[] = [];
  for (let t = historyFrom.getTime(); t < today.getTime(); t += DAY_MS) dayList.push(new Date(t).toISOString().slice(0, 10));
  const series = (keep: (key: string) => boolean): DailySpend[] => {
    const sums = new Map<string, number>();
    for (const d of days) if (keep(d.key)) sums.set(d.t, (sums.get(d.t) ?? 0) + Number(d.cost));
    return dayList.map((day) => ({ day, costUsd: sums.get(day) ?? 0 }));
  };
  const elapsed = (now.getTime() - today.getTime()) / DAY_MS;
  const todayDay = today.toISOString().slice(0, 10);
  const total = formatPicos(toDate.reduce((s, r) => s + parseUsdToPicos(r.cost), 0n));
  const project = combine(total, forecastMonth(series(() => true), todayDay, elapsed));
  const top = [...toDate].sort((a, b) => (parseUsdToPicos(b.cost) > parseUsdToPicos(a.cost) ? 1 : -1)).slice(0, limit);
  const features = top.map((r) => ({ feature: r.key === "" ? null : r.key, ...combine(r.cost, forecastMonth(series((k) => k === r.key), todayDay, elapsed)) }));
  return { monthEnd: monthEnd.toISOString(), project, features };
}
