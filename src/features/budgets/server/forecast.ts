import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { attributionParts, groupSources } from "~/features/analytics/server";
import { forecastMonth, type DailySpend } from "~/lib/forecast";
import { formatPicos, parseUsdToPicos } from "~/lib/money";
import type { Db } from "~/server/db";
import { int8, queryRows, ZERO_USD } from "~/server/db/query";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const HISTORY_DAYS = 28;

export type SpendForecast = {
  /** exact spend so far this month (the project's time zone) */
  spentUsd: string;
  /** expected month-end spend and its range (estimates, rounded to the cent) */
  expectedUsd: string;
  lowUsd: string;
  highUsd: string;
};

export type ForecastAnswer = {
  /** The project's time zone: the month and its days run from local midnight there. */
  timeZone: string;
  monthStart: string;
  monthEnd: string;
  project: SpendForecast;
  features: (SpendForecast & { feature: string | null })[];
};

const dayRow = z.object({ t: z.string(), key: z.string(), cost: z.string() });
const totalRow = z.object({ key: z.string(), cost: z.string() });
const calendarRow = z.object({ tz: z.string(), day: z.string(), start_ms: int8, end_ms: int8, month_start_ms: int8, month_end_ms: int8 });
const cents = (usd: number) => formatPicos(parseUsdToPicos(Math.max(0, usd).toFixed(2)), 2);

function combine(spent: string, f: ReturnType<typeof forecastMonth>): SpendForecast {
  const s = Number(spent);
  return { spentUsd: spent, expectedUsd: cents(s + f.remaining), lowUsd: cents(s + f.low), highUsd: cents(s + f.high) };
}

/**
 * The project's calendar around `now`, from PostgreSQL like budget periods (periods.ts): the
 * HISTORY_DAYS local days before today and today (local date, bounds), and the local month.
 */
async function calendar(db: Db, projectId: string, now: Date) {
  const rows = await queryRows(
    db,
    calendarRow,
    sql`WITH z AS (SELECT coalesce((SELECT time_zone FROM projects WHERE id = ${projectId}), 'UTC') AS tz),
      l AS (SELECT tz, date_trunc('day', ${now.toISOString()}::timestamptz AT TIME ZONE tz) AS today,
        date_trunc('month', ${now.toISOString()}::timestamptz AT TIME ZONE tz) AS month FROM z)
      SELECT l.tz, to_char(d, 'YYYY-MM-DD') AS day,
        (extract(epoch FROM d AT TIME ZONE l.tz) * 1000)::bigint AS start_ms,
        (extract(epoch FROM (d + interval '1 day') AT TIME ZONE l.tz) * 1000)::bigint AS end_ms,
        (extract(epoch FROM l.month AT TIME ZONE l.tz) * 1000)::bigint AS month_start_ms,
        (extract(epoch FROM (l.month + interval '1 month') AT TIME ZONE l.tz) * 1000)::bigint AS month_end_ms
      FROM l, generate_series(l.today - make_interval(days => ${HISTORY_DAYS}), l.today, interval '1 day') d ORDER BY d`,
  );
  const first = rows[0];
  if (!first) throw new Error("no calendar");
  const days = rows.map((r) => ({ day: r.day, from: new Date(Number(r.start_ms)), to: new Date(Number(r.end_ms)) }));
  return { tz: first.tz, days, monthStart: new Date(Number(first.month_start_ms)), monthEnd: new Date(Number(first.month_end_ms)) };
}

/**
 * Spend per local day and feature over `days` (complete days, oldest first). When the days start
 * on UTC hours (every zone but those with half-hour offsets), one read of the rollups grouped by
 * local day (daily rollups for UTC); else one exact read per day (partial hours from raw events).
 */
async function dailySpend(db: Db, projectId: string, tz: string, days: { day: string; from: Date; to: Date }[]) {
  const first = days[0];
  const last = days[days.length - 1];
  if (!first || !last) return [];
  const bounds = days.flatMap((d) => [d.from.getTime(), d.to.getTime()]);
  if (bounds.every((b) => b % HOUR_MS === 0)) {
    const bucket = bounds.every((b) => b % DAY_MS === 0) ? "day" : "hour";
    return queryRows(
      db,
      dayRow,
      sql`SELECT to_char(t AT TIME ZONE ${tz}, 'YYYY-MM-DD') AS t, key, coalesce(sum(cost), ${ZERO_USD})::text AS cost
        FROM (${attributionParts(projectId, { from: first.from, to: last.to }, groupSources.feature, bucket)}) p GROUP BY 1, 2 ORDER BY 1`,
    );
  }
  const parts = days.map(
    (d) => sql`SELECT ${d.day}::text AS t, key, coalesce(sum(cost), ${ZERO_USD})::text AS cost
      FROM (${attributionParts(projectId, { from: d.from, to: d.to }, groupSources.feature)}) p GROUP BY key`,
  );
  return queryRows(db, dayRow, sql.join(parts, sql` UNION ALL `));
}

/**
 * Month-end spend per project and per feature (the top `limit` by spend this month): the exact
 * spend to date from the rollups plus the rest of the month at the run rate of the last week with
 * day-of-week factors from the last four (lib/forecast.ts). The month and its days are those of
 * the project's time zone (projectSettings.setTimeZone, default UTC), like budget periods.
 */
export async function monthForecast(db: Db, projectId: string, now = new Date(), limit = 8): Promise<ForecastAnswer> {
  const cal = await calendar(db, projectId, now);
  const history = cal.days.slice(0, -1);
  const today = cal.days[cal.days.length - 1];
  if (!today) throw new Error("no calendar");
  const [days, toDate] = await Promise.all([
    dailySpend(db, projectId, cal.tz, history),
    queryRows(
      db,
      totalRow,
      sql`SELECT key, coalesce(sum(cost), ${ZERO_USD})::text AS cost FROM (${attributionParts(projectId, { from: cal.monthStart, to: now }, groupSources.feature)}) p GROUP BY key`,
    ),
  ]);
  const series = (keep: (key: string) => boolean): DailySpend[] => {
    const sums = new Map<string, number>();
    for (const d of days) if (keep(d.key)) sums.set(d.t, (sums.get(d.t) ?? 0) + Number(d.cost));
    return history.map(({ day }) => ({ day, costUsd: sums.get(day) ?? 0 }));
  };
  // local days last 23 to 25 hours across daylight-saving changes
  const elapsed = (now.getTime() - today.from.getTime()) / (today.to.getTime() - today.from.getTime());
  const total = formatPicos(toDate.reduce((s, r) => s + parseUsdToPicos(r.cost), 0n));
  const project = combine(total, forecastMonth(series(() => true), today.day, elapsed));
  const top = [...toDate].sort((a, b) => (parseUsdToPicos(b.cost) > parseUsdToPicos(a.cost) ? 1 : -1)).slice(0, limit);
  const features = top.map((r) => ({ feature: r.key === "" ? null : r.key, ...combine(r.cost, forecastMonth(series((k) => k === r.key), today.day, elapsed)) }));
  return { timeZone: cal.tz, monthStart: cal.monthStart.toISOString(), monthEnd: cal.monthEnd.toISOString(), project, features };
}
