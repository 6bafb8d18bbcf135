import "server-only";
import { and, desc, eq, gte, sql } from "drizzle-orm";
import type { Db } from "~/server/db";
import { projects, usageHourly } from "~/server/db/schema";

export type OverviewRow = { name: string; calls: number; costUsd: string; unpricedCalls: number };
export type Overview = {
  calls: number;
  errors: number;
  unpricedCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: string;
  byFeature: OverviewRow[];
  byModel: OverviewRow[];
  unpricedModels: string[];
};

// Sums read the hourly rollup (maintained on ingest), never a scan of cost_events.
// Money stays numeric in SQL and travels as a decimal string.
export async function getOverview(db: Db, projectId: string, windowDays: number): Promise<Overview> {
  const since = new Date(Date.now() - windowDays * 86_400_000);
  const where = and(eq(usageHourly.projectId, projectId), gte(usageHourly.hour, since));
  const [totals] = await db
    .select({
      calls: sql<string>`coalesce(sum(${usageHourly.calls}), 0)::text`,
      errors: sql<string>`coalesce(sum(${usageHourly.errors}), 0)::text`,
      unpricedCalls: sql<string>`coalesce(sum(${usageHourly.unpricedCalls}), 0)::text`,
      inputTokens: sql<string>`coalesce(sum(${usageHourly.inputTokens}), 0)::text`,
      outputTokens: sql<string>`coalesce(sum(${usageHourly.outputTokens}), 0)::text`,
      costUsd: sql<string>`coalesce(sum(${usageHourly.costUsd}), 0)::text`,
    })
    .from(usageHourly)
    .where(where);
  const grouped = async (column: typeof usageHourly.feature | typeof usageHourly.model) => {
    const cost = sql<string>`sum(${usageHourly.costUsd})`;
    const rows = await db
      .select({
        name: column,
        calls: sql<string>`sum(${usageHourly.calls})::text`,
        costUsd: sql<string>`${cost}::text`,
        unpricedCalls: sql<string>`sum(${usageHourly.unpricedCalls})::text`,
      })
      .from(usageHourly)
      .where(where)
      .groupBy(column)
      .orderBy(desc(cost), column)
      .limit(10);
    return rows.map((r) => ({ name: r.name, calls: Number(r.calls), costUsd: r.costUsd, unpricedCalls: Number(r.unpricedCalls) }));
  };
  const unpricedModels = db
    .selectDistinct({ model: usageHourly.model })
    .from(usageHourly)
    .where(and(where, sql`${usageHourly.unpricedCalls} > 0`))
    .orderBy(usageHourly.model)
    .limit(50);
  const [byFeature, byModel, unpriced] = await Promise.all([
    grouped(usageHourly.feature),
    grouped(usageHourly.model),
    unpricedModels,
  ]);
  return {
    calls: Number(totals?.calls ?? 0),
    errors: Number(totals?.errors ?? 0),
    unpricedCalls: Number(totals?.unpricedCalls ?? 0),
    inputTokens: Number(totals?.inputTokens ?? 0),
    outputTokens: Number(totals?.outputTokens ?? 0),
    costUsd: totals?.costUsd ?? "0",
    byFeature,
    byModel,
    unpricedModels: unpriced.map((r) => r.model),
  };
}

export async function findProjectByName(db: Db, name: string): Promise<string | null> {
  const rows = await db.select({ id: projects.id }).from(projects).where(eq(projects.name, name)).limit(1);
  return rows[0]?.id ?? null;
}
