import "server-only";
import type { DbOrTx } from "~/server/db";
import { formatPicos, parseUsdToPicos } from "~/lib/money";
import type { BudgetInPeriod } from "./periods";
import { keyOf, sourceOf, spendAllKeys, spendByKey } from "./spend";

/** One budget's spend this period; `subject` is the end user of an each_user budget, else ''. */
export type Measured = { budget: BudgetInPeriod; subject: string; spent: string };

/**
 * each_user budgets: for these end users (an app asking about its caller), or `crossing` — every
 * user whose spend reached the budget's lowest threshold (the evaluator; quiet users cost nothing).
 */
export type EachUserMode = { subjects: string[] } | "crossing";

/** The least spend that can cross one of the budget's thresholds, rounded down (a superset; checked exactly after). */
function lowestCrossing(b: BudgetInPeriod): bigint {
  const lowest = Math.min(...b.thresholds);
  return (parseUsdToPicos(b.amountUsd) * BigInt(lowest)) / 100n;
}

/**
 * The spend of each budget in its current period. Budgets sharing a project, period and source are
 * answered by one query, so a tick over thousands of budgets runs a handful of statements.
 */
export async function measure(db: DbOrTx, list: BudgetInPeriod[], eachUser: EachUserMode, now = new Date()): Promise<Measured[]> {
  type Group = { budgets: BudgetInPeriod[]; templates: BudgetInPeriod[] };
  const groups = new Map<string, Group & { first: BudgetInPeriod; sourceId: string }>();
  const sources = new Map<string, Awaited<ReturnType<typeof sourceOf>>>();
  for (const b of list) {
    const src = await sourceOf(db, b.projectId, b.scope);
    const id = `${b.projectId}|${b.start.getTime()}|${b.end.getTime()}|${src.id}`;
    sources.set(id, src);
    const g = groups.get(id) ?? { budgets: [], templates: [], first: b, sourceId: id };
    (b.scope.kind === "each_user" ? g.templates : g.budgets).push(b);
    groups.set(id, g);
  }
  const out: Measured[] = [];
  for (const [id, g] of groups) {
    const src = sources.get(id);
    if (!src) continue;
    const range = { from: g.first.start, to: g.first.end };
    if (eachUser === "crossing") {
      // The evaluator: every key of the source at once (closed days cached), then each budget's share.
      const all = await spendAllKeys(db, g.first.projectId, range, src, now);
      for (const b of g.budgets) out.push({ budget: b, subject: "", spent: formatPicos(all.get(keyOf(b.scope) ?? "")) });
      if (g.templates.length > 0) {
        const floors = g.templates.map((b) => ({ b, floor: lowestCrossing(b) }));
        for (const [user, cost] of all.entries()) {
          if (user === "") continue;
          for (const { b, floor } of floors) if (cost >= floor) out.push({ budget: b, subject: user, spent: formatPicos(cost) });
        }
      }
      continue;
    }
    const keys = new Set<string>();
    for (const b of g.budgets) keys.add(keyOf(b.scope) ?? "");
    if (g.templates.length > 0) for (const s of eachUser.subjects) keys.add(s);
    const spent = keys.size > 0 ? await spendByKey(db, g.first.projectId, range, src, [...keys]) : new Map<string, string>();
    for (const b of g.budgets) out.push({ budget: b, subject: "", spent: spent.get(keyOf(b.scope) ?? "") ?? "0" });
    for (const b of g.templates) for (const s of eachUser.subjects) out.push({ budget: b, subject: s, spent: spent.get(s) ?? "0" });
  }
  return out;
}
