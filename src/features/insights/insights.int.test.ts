import { afterAll, expect, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { computeTierCostPicos, loadCatalog, toPrice } from "~/features/pricing";
import { repriceProject } from "~/features/pricing/server";
import { formatPicos, parseUsdToPicos } from "~/lib/money";
import { SERVICE_TIERS } from "~/lib/service-tier";
import { createContext } from "~/server/api/trpc";
import { closeTestDb, describeWithDb, newProject, testDb } from "~/test/integration";
import { PgDialect } from "drizzle-orm/pg-core";
import { tokenMixRollup } from "~/features/insights/server";
import { foldAll } from "~/server/rollups/fold";
import { createCaller } from "~/trpc/root";
import { fixtureWindow, insightsFixture } from "./test-fixture";

afterAll(closeTestDb);

const callerFor = (key: string) => createCaller(createContext({ headers: new Headers({ authorization: `Bearer ${key}` }), client: testDb() }));
const picos = (s: string | null) => (s === null ? null : s.startsWith("-") ? -parseUsdToPicos(s.slice(1)) : parseUsdToPicos(s));

describeWithDb("cost intelligence (createCaller, real PostgreSQL)", () => {
  it("receipts add up exactly to the stored cost for every catalog model and service tier", async () => {
    const { projectId, key } = await newProject("receipts");
    const ts = new Date(Date.now() - 86_400_000).toISOString();
    const latest = new Map<string, ReturnType<typeof loadCatalog>[number]>();
    for (const e of loadCatalog()) {
      const k = `${e.provider}/${e.model}`;
      const cur = latest.get(k);
      if (!cur || cur.effectiveFrom < e.effectiveFrom) latest.set(k, e);
    }
    const events = [...latest.values()].flatMap((e, i) =>
      SERVICE_TIERS.flatMap((tier) => {
        const long = (e.longContext?.thresholdTokens ?? 100_000) + 1;
        return [
          { id: `r${i}-${tier}-s`, timestamp: ts, provider: e.provider, model: e.model, serviceTier: tier, inputTokens: 12_345, cachedInputTokens: 2_345, cacheWriteTokens: 1_000, outputTokens: 777, reasoningTokens: 100 },
          { id: `r${i}-${tier}-l`, timestamp: ts, provider: e.provider, model: e.model, serviceTier: tier, inputTokens: long, cachedInputTokens: 50_001, outputTokens: 3_333 },
        ];
      }),
    );
    const res = await ingestEvents(testDb(), projectId, events);
    expect(res.accepted).toBe(events.length);
    const caller = callerFor(key);
    const byId = new Map(events.map((e) => [e.id, e]));
    let unpriced = 0;
    for (const [i, e] of [...latest.values()].entries()) {
      const price = toPrice(e);
      for (const tier of SERVICE_TIERS) {
        for (const suffix of ["s", "l"]) {
          const id = `r${i}-${tier}-${suffix}`;
          const ev = byId.get(id);
          if (!ev) throw new Error(id);
          const r = await caller.events.receipt({ id });
          const expected = computeTierCostPicos(price, ev, tier);
          expect(r.serviceTier).toBe(tier);
          if (expected === null) {
            unpriced += 1;
            expect(r.source, id).toBe("unpriced");
            expect(r.totalUsd).toBeNull();
            continue;
          }
          expect(r.source, id).toBe("computed");
          expect(r.totalUsd, id).toBe(formatPicos(expected));
          expect(r.lines.reduce((s, l) => s + (picos(l.amountUsd) ?? 0n), 0n), id).toBe(expected);
          expect(r.lines.some((l) => l.kind === "adjustment"), id).toBe(false);
          expect(r.tier).toBe(suffix === "l" && e.longContext ? "long" : "base");
          expect(r.price?.effectiveFrom).toBe(e.effectiveFrom);
          // quantity × unit price = amount, line by line
          for (const l of r.lines) {
            if (l.unitPriceUsdPerMTok === null || l.amountUsd === null) continue;
            const unitMicro = parseUsdToPicos(l.unitPriceUsdPerMTok) / 1_000_000n;
            expect(BigInt(l.tokens) * unitMicro, `${id} ${l.kind}`).toBe(picos(l.amountUsd));
          }
        }
      }
    }
    expect(unpriced).toBeGreaterThan(0); // deepseek/xai batch, most flex/priority
    await expect(caller.events.receipt({ id: "nope" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("token_mix_daily equals a full scan after ingestion and repricing", async () => {
    const { projectId, key } = await newProject("mix");
    await insightsFixture(projectId);
    await repriceProject(testDb(), projectId, new Date(Date.now() - 30 * 86_400_000));
    const { sql } = testDb();
    const scan = await sql`
      SELECT date_trunc('day', ts, 'UTC') AS day, feature, provider, model, service_tier,
        width_bucket(input_tokens - 1, ARRAY[8192,16385,32000,40000,64000,128000,131072,140800,200000,220000,256000,272000,299200,400000,1000000,1047576,1048576,1050000,2000000]::int[]) AS band,
        count(*)::text AS calls, sum(input_tokens)::text AS input, sum(cached_input_tokens)::text AS cached,
        sum(output_tokens)::text AS output, coalesce(sum(cost_usd), 0)::numeric(30, 12)::text AS cost,
        count(*) FILTER (WHERE cost_source = 'unpriced')::text AS unpriced
      FROM cost_events WHERE project_id = ${projectId} GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`;
    const columns = (table: string) => sql.unsafe(`
      SELECT day, feature, provider, model, service_tier, band::int AS band, calls::text AS calls, input_tokens::text AS input,
        cached_input_tokens::text AS cached, output_tokens::text AS output, cost_usd::numeric(30, 12)::text AS cost,
        unpriced_calls::text AS unpriced
      FROM ${table} ORDER BY 1, 2, 3, 4, 5, 6`);
    // The read path (rollup + the events not folded yet), at whatever point the folder is.
    const rangeAll = { from: new Date(Date.now() - 60 * 86_400_000), to: new Date(Date.now() + 86_400_000) };
    const query = new PgDialect().sqlToQuery(tokenMixRollup(projectId, {}, rangeAll));
    const read = await sql.unsafe(
      `SELECT day, feature, provider, model, service_tier, band, calls::text AS calls, input_tokens::text AS input,
        cached_input_tokens::text AS cached, output_tokens::text AS output, cost_usd::numeric(30, 12)::text AS cost,
        unpriced_calls::text AS unpriced FROM ${query.sql} m ORDER BY 1, 2, 3, 4, 5, 6`,
      query.params as never[],
    );
    expect(read.length).toBeGreaterThan(3);
    expect(read).toEqual(scan);
    // Folded, the rollup table alone.
    await foldAll(sql);
    const roll = await columns(`token_mix_daily WHERE project_id = '${projectId}'`);
    expect(roll).toEqual(scan);
    expect(callerFor(key)).toBeDefined();
  });

  it("whatIf reprices the real mix exactly, per feature, and flags missing prices and small context windows", async () => {
    const { projectId, key } = await newProject("whatif");
    await insightsFixture(projectId);
    const caller = callerFor(key);
    const w = await caller.insights.whatIf({
      ...fixtureWindow(),
      feature: "b",
      targets: [
        { provider: "openai", model: "gpt-5", serviceTier: "standard" },
        { provider: "anthropic", model: "claude-sonnet-4-5", serviceTier: "batch" },
        { provider: "xai", model: "grok-4", serviceTier: "batch" },
        { provider: "openai", model: "gpt-4o", serviceTier: "standard" },
        { provider: "anthropic", model: "claude-sonnet-4-5", serviceTier: "standard" },
      ],
    });
    expect(w.actualCostUsd).toBe("1.080000000000");
    const [gpt5, batch, grok, gpt4o, same] = w.targets;
    // gpt-5 has no long tier and no cache-write price: 100,000×1.25 + 100,000×0.125 + 50,000×1.25 + 2,000×10 = $0.22
    expect(gpt5).toMatchObject({ priced: true, costUsd: "0.220000000000", differenceUsd: "-0.860000000000", missingPrices: ["cache_write"], callsOverContextWindow: "0" });
    // sonnet-4-5 batch, long tier halved: $0.54 (service-tiers.test.ts)
    expect(batch).toMatchObject({ priced: true, costUsd: "0.540000000000", missingPrices: [] });
    expect(grok).toMatchObject({ priced: false, costUsd: null });
    // gpt-4o's window is 128k: the 250k call would not fit
    expect(gpt4o?.callsOverContextWindow).toBe("1");
    // the actual model and tier: exactly the actual cost
    expect(same).toMatchObject({ costUsd: "1.080000000000", differenceUsd: "0.000000000000" });
    expect(w.features).toEqual([
      expect.objectContaining({ feature: "b", calls: "1", actualCostUsd: "1.080000000000" }),
    ]);
    expect(w.window.from).toBe(fixtureWindow().from.toISOString());

    // Two features: gpt-5 traffic stays itself; per-feature costs for sonnet-4-5 batch by hand.
    const two = await caller.insights.whatIf({ ...fixtureWindow(), provider: "openai", targets: [{ provider: "openai", model: "gpt-5" }, { provider: "anthropic", model: "claude-sonnet-4-5", serviceTier: "batch" }] });
    // a: 2 × $0.018; tiers: the gpt-5 batch call $0.009 → actual $0.045
    expect(two.actualCostUsd).toBe("0.045000000000");
    const a = two.features.find((f) => f.feature === "a");
    const t = two.features.find((f) => f.feature === "tiers");
    // gpt-5 standard: a stays at $0.036; the batch call moves to standard $0.018
    expect(a?.targets[0]?.costUsd).toBe("0.036000000000");
    expect(t?.targets[0]?.costUsd).toBe("0.018000000000");
    // sonnet-4-5 batch base: 6,000×1.5 + 4,000×0.15 + 1,000×7.5 = $0.0171 per call
    expect(a?.targets[1]?.costUsd).toBe("0.034200000000");
    expect(t?.targets[1]?.costUsd).toBe("0.017100000000");
    // a user filter (not in the rollup) reads raw events and agrees
    await expect(caller.insights.whatIf({ targets: [{ provider: "openai", model: "gpt-5", serviceTier: "nope" as "batch" }] })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("tierCliffs finds calls just above a threshold; cacheOpportunities prices a shared prefix", async () => {
    const { projectId, key } = await newProject("cliffs");
    await insightsFixture(projectId);
    const caller = callerFor(key);
    const c = await caller.insights.tierCliffs(fixtureWindow());
    expect(c.cliffs).toEqual([
      { feature: "cliff", provider: "anthropic", model: "claude-sonnet-4-5", thresholdTokens: 200_000, calls: "1", tokensOverThreshold: "10000",
        paidUsd: "1.282500000000", underThresholdUsd: "0.645000000000", savingUsd: "0.637500000000" },
    ]);
    const o = await caller.insights.cacheOpportunities(fixtureWindow());
    const support = o.features.find((f) => f.feature === "support");
    // 19 hits × 2,000 × (3.00 − 0.30) − 1 write × 2,000 × (3.75 − 3.00) = $0.1026 − $0.0015 = $0.1011 in the
    // sample of 20 = all 20 calls, over a 2-day window → × 30 / 2 = $1.5165 a month
    expect(support).toMatchObject({ sampleCalls: 20, sharedPrefixShare: 1, avgPrefixTokens: 2000, medianGapSeconds: 60, alreadyCaching: false, monthlySavingUsd: "1.516500000000" });
    expect(o.features[0]?.feature).toBe("support");
    expect(o.assumptions.length).toBeGreaterThan(2);
  });
});
