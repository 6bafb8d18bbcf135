import "server-only";
import { and, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { parseUsdToPicos } from "~/lib/money";
import { SERVICE_TIERS } from "~/lib/service-tier";
import type { Db } from "~/server/db";
import { queryRow } from "~/server/db/query";
import { modelPrices } from "~/server/db/schema";
import { AppError } from "~/server/errors";
import { buildReceipt, type ReceiptCore } from "../receipt";
import { getPricer } from "./pricer";

export type Receipt = ReceiptCore & {
  eventId: string;
  provider: string;
  model: string;
  timestamp: string;
  source: "reported" | "computed" | "unpriced";
  /** The price row applied (catalog or the project's custom price) and the day it took effect. */
  price: { id: number; provider: string; model: string; effectiveFrom: string; source: string; custom: boolean } | null;
};

const eventRow = z.object({
  event_id: z.string(),
  ts: z.string(),
  provider: z.string(),
  model: z.string(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  cached_input_tokens: z.number(),
  cache_write_tokens: z.number(),
  reasoning_tokens: z.number(),
  cost_usd: z.string().nullable(),
  cost_source: z.enum(["reported", "computed", "unpriced"]),
  service_tier: z.enum(SERVICE_TIERS),
});

/** The receipt of one call of the project, by its event id (the client's id or the generated one). */
export async function eventReceipt(db: Db, projectId: string, eventId: string): Promise<Receipt> {
  const e = await queryRow(db, eventRow, sql`
    SELECT event_id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts, provider, model,
      input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens,
      cost_usd::text AS cost_usd, cost_source, service_tier
    FROM cost_events WHERE project_id = ${projectId} AND event_id = ${eventId}`);
  if (!e) throw new AppError(404, "not_found", "no such event in this project", { issues: [{ path: "id", message: "no such event in this project" }] });
  const pricer = await getPricer(db, projectId);
  const price = pricer(e.provider, e.model, new Date(e.ts));
  const core = buildReceipt(price, {
    provider: e.provider,
    inputTokens: e.input_tokens,
    outputTokens: e.output_tokens,
    cachedInputTokens: e.cached_input_tokens,
    cacheWriteTokens: e.cache_write_tokens,
    reasoningTokens: e.reasoning_tokens,
    serviceTier: e.service_tier,
    costSource: e.cost_source,
    storedCostPicos: e.cost_usd === null ? null : parseUsdToPicos(e.cost_usd),
  });
  let priceRef: Receipt["price"] = null;
  if (price) {
    const effectiveFrom = price.effectiveFrom.toISOString().slice(0, 10);
    const [row] = await db
      .select({ id: modelPrices.id })
      .from(modelPrices)
      .where(and(
        price.isOverride ? eq(modelPrices.projectId, projectId) : isNull(modelPrices.projectId),
        eq(modelPrices.provider, price.provider),
        eq(modelPrices.model, price.model),
        eq(modelPrices.effectiveFrom, effectiveFrom),
      ))
      .limit(1);
    // The pricer caches rows for a few seconds: a row deleted meanwhile has no id left to show.
    if (row) priceRef = { id: row.id, provider: price.provider, model: price.model, effectiveFrom, source: price.source, custom: price.isOverride };
  }
  return { ...core, eventId: e.event_id, provider: e.provider, model: e.model, timestamp: e.ts, source: e.cost_source, price: priceRef };
}
