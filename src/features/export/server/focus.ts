import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { rawConditions, rollupCanAnswer } from "~/features/analytics/server";
import { ratesFor, unitRates, type Price } from "~/features/pricing";
import { getPricer } from "~/features/pricing/server";
import { tokenMixRollup } from "~/features/insights/server";
import type { Filters } from "~/lib/list-filters";
import { formatMicroPerM, formatPicos, parseUsdToPicos } from "~/lib/money";
import { SERVICE_TIERS } from "~/lib/service-tier";
import { TOKEN_BAND_BOUNDARIES, TOKEN_BANDS_SQL } from "~/lib/token-bands";
import { FOCUS_COLUMNS } from "../columns";
import type { CursorPlan, Row } from "./cursor-source";
import type { Snapshot } from "./snapshot";

const DAY_MS = 86_400_000;

/** Day-grain token mix, in day order: the rollup, or raw events when a filter is not in it. */
export function focusQuery(projectId: string, f: Filters, cap: number): SQL {
  const range = {
    from: f.from ? new Date(Math.floor(f.from.getTime() / DAY_MS) * DAY_MS) : null,
    to: f.to ? new Date(Math.ceil(f.to.getTime() / DAY_MS) * DAY_MS) : null,
  };
  if (rollupCanAnswer(f)) {
    return sql`SELECT to_char(r.day AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, r.feature, r.provider, r.model, r.service_tier,
        r.band, r.calls, r.input_tokens, r.cached_input_tokens, r.cache_write_tokens, r.output_tokens, r.cost_usd::text AS cost_usd,
        (SELECT name FROM projects WHERE id = ${projectId}) AS project_name
      FROM ${tokenMixRollup(projectId, f, range)} r
      ORDER BY r.day, r.provider, r.model, r.feature, r.service_tier, r.band LIMIT ${cap}`;
  }
  return sql`SELECT to_char(date_trunc('day', e.ts, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, e.feature, e.provider, e.model, e.service_tier,
      width_bucket(e.input_tokens - 1, ${sql.raw(TOKEN_BANDS_SQL)}) AS band, count(*) AS calls, sum(e.input_tokens) AS input_tokens,
      sum(e.cached_input_tokens) AS cached_input_tokens, sum(e.cache_write_tokens) AS cache_write_tokens,
      sum(e.output_tokens) AS output_tokens, coalesce(sum(e.cost_usd), 0)::text AS cost_usd,
      (SELECT name FROM projects WHERE id = ${projectId}) AS project_name
    FROM cost_events e WHERE ${rawConditions(projectId, f, range)}
    GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 3, 4, 2, 5, 6 LIMIT ${cap}`;
}

const big = z.union([z.string(), z.number(), z.bigint()]).transform((v) => BigInt(v));
const mixRow = z.object({
  day: z.string(),
  feature: z.string(),
  provider: z.string(),
  model: z.string(),
  service_tier: z.enum(SERVICE_TIERS),
  band: z.number(),
  calls: big,
  input_tokens: big,
  cached_input_tokens: big,
  cache_write_tokens: big,
  output_tokens: big,
  cost_usd: z.string(),
  project_name: z.string().nullable(),
});

const TOKEN_TYPES = ["input", "cached_input", "cache_write", "output"] as const;
const TOKEN_LABEL = { input: "input tokens", cached_input: "cached input tokens (cache reads)", cache_write: "cache write tokens", output: "output tokens (reasoning included)" };

const signed = (s: string) => (s.startsWith("-") ? -parseUsdToPicos(s.slice(1)) : parseUsdToPicos(s));
/** tokens / 1e6 as an exact decimal: PricingQuantity in "1M Tokens", so quantity × unit price = cost. */
const millions = (tokens: bigint) => formatMicroPerM(tokens);

function monthBounds(day: string): [string, string] {
  const d = new Date(`${day}T00:00:00Z`);
  const start = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
  const end = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
  return [start.toISOString(), end.toISOString()];
}

/**
 * One rollup row → its FOCUS rows: one Usage row per token type (quantity × list unit price =
 * cost, exactly) and, when the stored cost differs from that split (a client-reported cost, a
 * price changed since ingestion, calls stored unpriced), one Adjustment row for the difference,
 * so the file's BilledCost adds up exactly to the stored cost.
 */
function focusRows(r: z.output<typeof mixRow>, projectId: string, price: Price | null): unknown[][] {
  const [periodStart, periodEnd] = monthBounds(r.day);
  const chargeStart = `${r.day}T00:00:00.000Z`;
  const chargeEnd = new Date(new Date(chargeStart).getTime() + DAY_MS).toISOString();
  const rates = price ? ratesFor(price, r.service_tier) : null;
  const low = r.band === 0 ? -1 : (TOKEN_BAND_BOUNDARIES[r.band - 1] ?? 0);
  const long = rates?.longContext ? low >= rates.longContext.thresholdTokens : false;
  const tokens = { input: r.input_tokens - r.cached_input_tokens - r.cache_write_tokens, cached_input: r.cached_input_tokens, cache_write: r.cache_write_tokens, output: r.output_tokens };
  const tags = JSON.stringify({ feature: r.feature === "" ? "(none)" : r.feature, serviceTier: r.service_tier, model: r.model });
  const common = (category: string, description: string, tokenType: string | null) => ({
    BillingAccountId: projectId, BillingAccountName: r.project_name, BillingCurrency: "USD",
    BillingPeriodStart: periodStart, BillingPeriodEnd: periodEnd, ChargeCategory: category, ChargeClass: null,
    ChargeDescription: description, ChargeFrequency: "Usage-Based", ChargePeriodStart: chargeStart, ChargePeriodEnd: chargeEnd,
    InvoiceIssuerName: r.provider, ProviderName: r.provider, PublisherName: r.provider, ServiceCategory: "AI and Machine Learning",
    ServiceName: `${r.provider} API`, PricingCategory: "Standard", Tags: tags, x_Feature: r.feature, x_Model: r.model,
    x_ServiceTier: r.service_tier, x_TokenType: tokenType, x_LongContext: long, x_Calls: Number(r.calls),
  });
  const units = rates ? unitRates(rates, long) : null;
  const out: Record<string, unknown>[] = [];
  let split = 0n;
  for (const t of TOKEN_TYPES) {
    const qty = tokens[t];
    if (qty === 0n) continue;
    const unit = units === null ? null : { input: units.input, cached_input: units.cached, cache_write: units.write, output: units.output }[t];
    const cost = unit === null ? 0n : qty * unit;
    split += cost;
    const money = formatPicos(cost);
    out.push({
      ...common("Usage", `${r.model} ${TOKEN_LABEL[t]}${r.service_tier === "standard" ? "" : `, ${r.service_tier} tier`}${long ? ", long context" : ""}${unit === null ? " (unpriced)" : ""}`, t),
      BilledCost: money, EffectiveCost: money, ListCost: money, ContractedCost: money,
      ListUnitPrice: unit === null ? null : formatMicroPerM(unit), ContractedUnitPrice: unit === null ? null : formatMicroPerM(unit),
      ConsumedQuantity: qty.toString(), ConsumedUnit: "Tokens", PricingQuantity: millions(qty), PricingUnit: "1M Tokens",
      SkuId: `${r.model}:${t}`,
      SkuPriceId: price && unit !== null ? `${price.provider}/${price.model}@${price.effectiveFrom.toISOString().slice(0, 10)}:${r.service_tier}:${long ? "long" : "base"}:${t}` : null,
    });
  }
  const stored = signed(r.cost_usd);
  if (stored !== split) {
    const money = formatPicos(stored - split);
    out.push({
      ...common("Adjustment", `${r.model}: stored cost minus list price (client-reported costs, repricing pending or unpriced calls)`, null),
      BilledCost: money, EffectiveCost: money, ListCost: money, ContractedCost: money, ListUnitPrice: null, ContractedUnitPrice: null,
      ConsumedQuantity: null, ConsumedUnit: null, PricingQuantity: null, PricingUnit: null, SkuId: `${r.model}:adjustment`, SkuPriceId: null,
    });
  }
  const names = FOCUS_COLUMNS.map((c) => c.name);
  return out.map((o) => names.map((n) => o[n] ?? null));
}

export function focusPlan(snap: Snapshot, projectId: string, filters: Filters, cap: number): CursorPlan {
  return {
    query: focusQuery(projectId, filters, cap),
    toValues: async (rows: Row[]) => {
      const pricer = await getPricer(snap.db, projectId);
      return rows.flatMap((raw) => {
        const r = mixRow.parse(raw);
        return focusRows(r, projectId, pricer(r.provider, r.model, new Date(`${r.day}T00:00:00Z`)));
      });
    },
  };
}
