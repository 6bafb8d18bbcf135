// Playwright's web server: a FRESH database on the local PostgreSQL, migrated and seeded through
// the ingestion service (project "default", which the dashboard shows, and a second project for
// isolation checks), then the production server (scripts/serve.mjs) against it. The database is
// dropped when this exits.
// Writes test-results/e2e-fixture.json (URL, API keys, the owner's credentials, planted prompts) for the specs.
import { spawn } from "node:child_process";
import { serverArgs } from "~/startup/node-flags";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ingestEvents } from "~/features/ingestion/server";
import { getEmbedder, drainQueue } from "~/features/prompts/server";
import { createApiKey } from "~/server/auth/api-keys";
import { ensureUser } from "~/server/auth/users";
import { prepareSchema } from "~/startup/bootstrap";
import { createDbClient } from "~/server/db";
import { createFreshDatabase } from "./lib/fresh-db";
import { seedEvents } from "./lib/seed";
import { E2E_FIXTURE_PATH, PLANTED_PROMPTS, type E2EFixture } from "../e2e/fixture-data";

const ADMIN_URL = process.env.E2E_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const PORT = Number(process.env.E2E_PORT ?? 3210);
const EVENTS = Number(process.env.E2E_EVENTS ?? 6000);

const db = await createFreshDatabase(ADMIN_URL, "acp_e2e");
let child: ReturnType<typeof spawn> | null = null;
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child?.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }
  await db.drop().catch((err: unknown) => console.error("[e2e-server] could not drop", db.name, err));
  process.exit(code);
};
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

try {
  const client = createDbClient(db.url, { max: 4 });
  await prepareSchema(db.url, client);
  const main = await createApiKey(client.db, "default", "e2e");
  // The dashboard needs a signed-in user: the owner of "default" (a fresh password per run).
  const owner = { email: "owner@e2e.test", password: randomBytes(18).toString("base64url") };
  await ensureUser(client.db, { ...owner, projectName: "default", role: "owner" });
  const other = await createApiKey(client.db, "e2e-other", "e2e");
  const t0 = performance.now();
  await seedEvents(client, main.projectId, EVENTS, { seed: 8, days: 14, idPrefix: "e2e" });
  await seedEvents(client, other.projectId, 300, { seed: 9, days: 14, idPrefix: "e2e-other" });
  // Near-duplicate prompts the similar-prompts panel must find (recent, so every window has them).
  const now = Date.now();
  const planted: Record<string, unknown>[] = PLANTED_PROMPTS.map((prompt, i) => ({
    id: `planted-${i}`,
    timestamp: new Date(now - (i + 1) * 60_000).toISOString(),
    provider: "openai",
    model: "gpt-4o-mini",
    feature: "planted-similar",
    inputTokens: 900 + i,
    outputTokens: 120,
    latencyMs: 700,
    prompt,
    userId: "planted-user",
  }));
  // Cost intelligence: a batch-tier call for the receipt, and calls sharing a long prompt prefix a
  // minute apart for the prompt-cache panel (e2e/insights.spec.ts).
  const prefix = "You are the contracts assistant of Fabrikam. House rules: ".padEnd(8000, "clause text. ");
  planted.push(
    { id: "planted-receipt", timestamp: new Date(now - 90_000).toISOString(), provider: "openai", model: "gpt-5", feature: "planted-receipt",
      inputTokens: 10_000, outputTokens: 1_000, latencyMs: 900, prompt: "Classify this invoice batch.", userId: "receipt-user", serviceTier: "batch", cachedInputTokens: 4_000 },
    ...Array.from({ length: 6 }, (_, i) => ({
      id: `planted-cache-${i}`, timestamp: new Date(now - (20 - i) * 60_000).toISOString(), provider: "anthropic", model: "claude-sonnet-4-5",
      feature: "planted-cache", inputTokens: 2_500, outputTokens: 100, latencyMs: 800, prompt: `${prefix}${String.fromCharCode(65 + i)} clause ${i}`, userId: "cache-user",
    })),
  );
  const res = await ingestEvents(client, main.projectId, planted);
  if (res.rejected.length > 0) throw new Error(`planted events rejected: ${JSON.stringify(res.rejected)}`);
  // Embed and link every prompt now, so similar prompts and clusters are there from the first test.
  await drainQueue({ sql: client.sql, embedder: getEmbedder(), signal: new AbortController().signal });
  await client.sql.end({ timeout: 5 });
  console.log(`[e2e-server] ${db.name}: seeded ${EVENTS + 300 + planted.length} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const fixture: E2EFixture = {
    baseUrl: `http://127.0.0.1:${PORT}`,
    apiKey: main.key,
    otherApiKey: other.key,
    seededEvents: EVENTS + planted.length,
    plantedPrompts: PLANTED_PROMPTS,
    owner,
  };
  fs.mkdirSync(path.dirname(E2E_FIXTURE_PATH), { recursive: true });
  fs.writeFileSync(E2E_FIXTURE_PATH, JSON.stringify(fixture, null, 2));

  child = spawn(process.execPath, serverArgs(PORT, "127.0.0.1"), {
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: db.url,
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      RATE_LIMIT_PREFIX: `acp:e2e:${db.name}`,
      // Every spec signs in from 127.0.0.1; the login limit itself is tested in the integration tier.
      RATE_LIMIT_LOGIN_PER_15_MIN: "1000",
      // Alerts within a second or two of a budget being crossed (e2e/budgets.spec.ts).
      BUDGET_EVALUATOR_INTERVAL_MS: "1000",
      // An unpriced model's first call becomes an anomaly alert within seconds (e2e/budgets.spec.ts).
      ANOMALY_INTERVAL_MS: "2000",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  child.once("exit", (code) => {
    if (!stopping) {
      console.error(`[e2e-server] next start exited with ${code}`);
      void stop(1);
    }
  });
} catch (err) {
  console.error("[e2e-server] failed:", err);
  await stop(1);
}
