// GET /api/v1/budgets/status — the budgets a call with these attributes counts against, and their spend
import { budgetStatusQuerySchema } from "~/features/budgets";
import { budgetStatus } from "~/features/budgets/server";
import { requireApiKey } from "~/server/auth/require-api-key";
import { getDbClient } from "~/server/db";
import { badRequest } from "~/server/errors";
import { json } from "~/server/http";
import { BUDGET_STATUS_LIMIT, limitedRoute } from "~/server/route-limits";

export const dynamic = "force-dynamic";

export const GET = limitedRoute(BUDGET_STATUS_LIMIT, async (req) => {
  const params = new URL(req.url).searchParams;
  const parsed = budgetStatusQuerySchema.safeParse(Object.fromEntries(["userId", "feature", "model", "provider", "tags"].flatMap((k) => {
    const v = params.get(k);
    return v === null ? [] : [[k, v]];
  })));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join(".") || "(query)", message: i.message }));
    throw badRequest(`invalid parameter${issues.length > 1 ? "s" : ""}: ${[...new Set(issues.map((i) => i.path))].join(", ")}`, issues);
  }
  const { db } = getDbClient();
  const owner = await requireApiKey(req, db);
  return json({ budgets: await budgetStatus(db, owner.projectId, parsed.data) });
});
