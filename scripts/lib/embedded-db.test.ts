// The embedded default end to end, with no external service: PGlite + pgvector over the wire
// protocol, the same migrations, the price catalog, and the ingestion statement.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server/ingest";
import { createApiKey, findActiveApiKey } from "~/server/auth/api-keys";
import { foldAll } from "~/server/rollups/fold";
import { prepareSchema } from "~/startup/bootstrap";
import { createDbClient, type DbClient } from "~/server/db";
import { startEmbeddedDb, type EmbeddedDb } from "./embedded-db";
import { generateEvents } from "./generate";

let dir = "";
let embedded: EmbeddedDb;
let client: DbClient;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-pglite-"));
  embedded = await startEmbeddedDb(dir, 1);
  client = createDbClient(embedded.url, { max: 1 });
  await prepareSchema(embedded.url, client);
}, 120_000);

afterAll(async () => {
  await client.sql.end({ timeout: 5 });
  await embedded.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("embedded PGlite database", () => {
  it("has pgvector and every table after migrating", async () => {
    const ext = await client.sql`SELECT extversion FROM pg_extension WHERE extname = 'vector'`;
    expect(ext).toHaveLength(1);
    const tables = await client.sql<{ t: string }[]>`
      SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`;
    expect(tables.map((r) => r.t)).toEqual(
      expect.arrayContaining(["api_keys", "cost_events", "latency_hourly", "model_prices", "projects", "prompt_embeddings", "prompts", "usage_hourly"]),
    );
    const ff = await client.sql<{ o: string[] | null }[]>`SELECT reloptions AS o FROM pg_class WHERE relname = 'usage_daily'`;
    expect(ff[0]?.o).toContain("fillfactor=70"); // HOT updates for rollups (see migrate.ts)
    const prices = await client.sql`SELECT count(*)::int AS n FROM model_prices WHERE project_id IS NULL`;
    expect(prices[0]?.n).toBeGreaterThan(40);
  });

  it("migrating again is a no-op", async () => {
    await expect(prepareSchema(embedded.url, client)).resolves.toBeUndefined();
  });

  it("ingests, folds into the rollups and keeps them exact", async () => {
    const { projectId, key } = await createApiKey(client.db, "embedded-test");
    expect(await findActiveApiKey(client.db, key)).toMatchObject({ projectId });
    const events = [...generateEvents(1500, { seed: 3, days: 2, idPrefix: "e" })];
    const r = await ingestEvents(client, projectId, events);
    expect(r).toEqual({ accepted: 1500, duplicates: 0, rejected: [] });
    // The fold runs on PGlite too (one backend: its lock and snapshot functions behave the same).
    expect(await foldAll(client.sql)).toBe(1500);
    const sums = await client.sql<{ raw: string; roll: string; n: number }[]>`
      SELECT (SELECT sum(cost_usd)::text FROM cost_events WHERE project_id = ${projectId}) AS raw,
             (SELECT sum(cost_usd)::text FROM usage_hourly WHERE project_id = ${projectId}) AS roll,
             (SELECT count(*)::int FROM cost_events WHERE project_id = ${projectId}) AS n`;
    expect(sums[0]?.n).toBe(1500);
    expect(sums[0]?.roll).toBe(sums[0]?.raw);
  });
});
