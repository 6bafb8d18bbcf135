// Cost intelligence over real HTTP (shared `next start`, real PostgreSQL): ingestion with service
// tiers, events.receipt, insights.* through the tRPC client, and the FOCUS export.
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import superjson from "superjson";
import { afterAll, beforeAll, expect, it } from "vitest";
import { exportFetch, parseCsv, parseNdjson, picos } from "~/test/export-helpers";
import { closeTestDb, describeWithHttp, newProject, postEvents, requireBaseUrl, testDb } from "~/test/integration";
import type { AppRouter } from "~/trpc/root";
import { fixtureEvents, fixtureWindow } from "./test-fixture";

afterAll(closeTestDb);

const client = (key: string) =>
  createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: `${requireBaseUrl()}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${key}` } })],
  });

let project = { projectId: "", key: "", name: "" };

// The FOCUS 1.0 constraints of the columns we fill, from each column's "Content Constraints"
// table in the specification (feature level, whether nulls are allowed, data type).
const FOCUS_SPEC: Record<string, { level: "Mandatory" | "Conditional" | "Recommended"; nulls: boolean; type: "Decimal" | "String" | "DateTime" | "KeyValue" }> = {
  BilledCost: { level: "Mandatory", nulls: false, type: "Decimal" },
  BillingAccountId: { level: "Mandatory", nulls: false, type: "String" },
  BillingAccountName: { level: "Mandatory", nulls: true, type: "String" },
  BillingCurrency: { level: "Mandatory", nulls: false, type: "String" },
  BillingPeriodEnd: { level: "Mandatory", nulls: false, type: "DateTime" },
  BillingPeriodStart: { level: "Mandatory", nulls: false, type: "DateTime" },
  ChargeCategory: { level: "Mandatory", nulls: false, type: "String" },
  ChargeClass: { level: "Mandatory", nulls: true, type: "String" },
  ChargeDescription: { level: "Mandatory", nulls: true, type: "String" },
  ChargeFrequency: { level: "Recommended", nulls: false, type: "String" },
  ChargePeriodEnd: { level: "Mandatory", nulls: false, type: "DateTime" },
  ChargePeriodStart: { level: "Mandatory", nulls: false, type: "DateTime" },
  ConsumedQuantity: { level: "Conditional", nulls: true, type: "Decimal" },
  ConsumedUnit: { level: "Conditional", nulls: true, type: "String" },
  ContractedCost: { level: "Mandatory", nulls: false, type: "Decimal" },
  ContractedUnitPrice: { level: "Conditional", nulls: true, type: "Decimal" },
  EffectiveCost: { level: "Mandatory", nulls: false, type: "Decimal" },
  InvoiceIssuerName: { level: "Mandatory", nulls: false, type: "String" },
  ListCost: { level: "Mandatory", nulls: false, type: "Decimal" },
  ListUnitPrice: { level: "Conditional", nulls: true, type: "Decimal" },
  PricingCategory: { level: "Conditional", nulls: true, type: "String" },
  PricingQuantity: { level: "Mandatory", nulls: true, type: "Decimal" },
  PricingUnit: { level: "Mandatory", nulls: true, type: "String" },
  ProviderName: { level: "Mandatory", nulls: false, type: "String" },
  PublisherName: { level: "Mandatory", nulls: false, type: "String" },
  ServiceCategory: { level: "Mandatory", nulls: false, type: "String" },
  ServiceName: { level: "Mandatory", nulls: false, type: "String" },
  SkuId: { level: "Conditional", nulls: true, type: "String" },
  SkuPriceId: { level: "Conditional", nulls: true, type: "String" },
  Tags: { level: "Conditional", nulls: true, type: "KeyValue" },
};
const FOCUS_MANDATORY = ["BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory",
  "ChargeClass", "ChargeDescription", "ChargePeriodEnd", "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost",
  "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName"];
const DECIMAL = /^-?\d+(\.\d+)?$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

beforeAll(async () => {
  project = await newProject("insights-http");
  const res = await postEvents(project.key, { events: fixtureEvents() });
  expect(res.status).toBe(200);
});

describeWithHttp("cost intelligence over HTTP", () => {
  it("stores service tiers and explains a call with a receipt that adds up", async () => {
    const c = client(project.key);
    const batch = await c.events.receipt.query({ id: "f1" });
    // gpt-5 batch: 6,000 × 0.625 + 4,000 × 0.0625 + 1,000 × 5 = $0.009
    expect(batch).toMatchObject({ serviceTier: "batch", source: "computed", totalUsd: "0.009000000000", tier: "base" });
    expect(batch.lines.map((l) => [l.kind, l.tokens, l.unitPriceUsdPerMTok, l.amountUsd])).toEqual([
      ["uncached_input", 6000, "0.625", "0.003750000000"],
      ["cache_read", 4000, "0.0625", "0.000250000000"],
      ["cache_write", 0, "0.625", "0.000000000000"],
      ["output", 1000, "5", "0.005000000000"],
    ]);
    const flex = await c.events.receipt.query({ id: "f0" });
    expect(flex).toMatchObject({ serviceTier: "flex", source: "unpriced", totalUsd: null });
    const long = await c.events.receipt.query({ id: "b0" });
    expect(long).toMatchObject({ tier: "long", totalUsd: "1.080000000000", longContextThresholdTokens: 200000 });
    const bad = await postEvents(project.key, { provider: "openai", model: "gpt-5", inputTokens: 1, outputTokens: 1, serviceTier: "turbo" });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("serviceTier");
  });

  it("answers whatIf, tierCliffs and cacheOpportunities", async () => {
    const c = client(project.key);
    const w = await c.insights.whatIf.query({ ...fixtureWindow(), feature: "b", targets: [{ provider: "openai", model: "gpt-5" }] });
    expect(w.targets[0]).toMatchObject({ costUsd: "0.220000000000", differenceUsd: "-0.860000000000" });
    const cl = await c.insights.tierCliffs.query(fixtureWindow());
    expect(cl.totalSavingUsd).toBe("0.637500000000");
    const o = await c.insights.cacheOpportunities.query(fixtureWindow());
    expect(o.features[0]).toMatchObject({ feature: "support", monthlySavingUsd: "1.516500000000" });
  });

  it("exports FOCUS rows whose columns and types follow the specification and whose BilledCost adds up to the stored cost", async () => {
    const w = fixtureWindow();
    const q = `from=${w.from.toISOString()}&to=${w.to.toISOString()}`;
    const csv = await exportFetch(requireBaseUrl(), `/api/export/focus?format=csv&${q}`, project.key);
    expect(csv.status).toBe(200);
    const text = await csv.text();
    const records = parseCsv(text);
    const header = Object.keys(records[0] ?? {});
    for (const name of FOCUS_MANDATORY) expect(header, name).toContain(name);
    for (const name of header) expect(name.startsWith("x_") || name in FOCUS_SPEC, `${name} is a FOCUS column or x_ custom`).toBe(true);
    const nd = await exportFetch(requireBaseUrl(), `/api/export/focus?format=ndjson&${q}`, project.key);
    const rows = parseNdjson(await nd.text());
    expect(rows.length).toBe(records.length);
    const str = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
    for (const row of rows) {
      for (const [name, spec] of Object.entries(FOCUS_SPEC)) {
        const v = row[name];
        if (v === null || v === undefined) {
          expect(spec.nulls, `${name} must not be null`).toBe(true);
          continue;
        }
        if (spec.type === "Decimal") expect(str(v), name).toMatch(DECIMAL);
        if (spec.type === "DateTime") expect(str(v), name).toMatch(DATETIME);
        if (spec.type === "KeyValue") expect(typeof v === "object" || typeof JSON.parse(str(v)) === "object", name).toBe(true);
        if (spec.type === "String") expect(typeof v, name).toBe("string");
      }
      expect(["Usage", "Adjustment"]).toContain(row.ChargeCategory);
      expect(row.BillingCurrency).toBe("USD");
      expect(row.ServiceCategory).toBe("AI and Machine Learning");
      // ListUnitPrice × PricingQuantity = ListCost, exactly (quantity in millions of tokens).
      if (row.ListUnitPrice !== null && row.PricingQuantity !== null) {
        expect((picos(str(row.ListUnitPrice)) * picos(str(row.PricingQuantity))) / 1_000_000_000_000n).toBe(picos(str(row.ListCost)));
      }
    }
    const billed = rows.reduce((s, r) => s + picos(str(r.BilledCost)), 0n);
    const [stored] = await testDb().sql<{ total: string }[]>`SELECT coalesce(sum(cost_usd), 0)::text AS total FROM cost_events WHERE project_id = ${project.projectId}`;
    expect(billed).toBe(picos(stored?.total ?? "0"));
    // The unpriced flex call shows as $0 usage rows, never as a priced one.
    expect(rows.some((r) => r.x_ServiceTier === "flex" && r.ListUnitPrice === null && r.BilledCost === "0.000000000000")).toBe(true);
    const json = await exportFetch(requireBaseUrl(), `/api/export/focus?format=json&${q}`, project.key);
    expect((JSON.parse(await json.text()) as unknown[]).length).toBe(rows.length);
  });
});
