import { randomBytes } from "node:crypto";
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import superjson from "superjson";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { AppRouter } from "~/trpc/root";
import { startAppServer } from "~/test/app-server";
import { closeTestDb, describeWithHttp, newProject, postEvents, requireBaseUrl, testDb } from "~/test/integration";
import { createLocalEmbedder } from "./server/embedders/local";
import { freshDatabase, promptEvent, settleProject } from "./testing";

afterAll(closeTestDb);

const client = (base: string, key: string) =>
  createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: `${base}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${key}` } })],
  });

const VARIANTS = [
  "Rewrite this product description for Hooli's spring catalogue in a playful tone.",
  "Rewrite this product description for Hooli's summer catalogue in a playful tone.",
  "Rewrite this product description for Initech's spring catalogue in a playful tone.",
];
const OTHER = "List three risks in this vendor contract and rate each from 1 to 5.";

let key = "";
let ids = new Map<string, string>();

beforeAll(async () => {
  if (!requireBaseUrl) return;
  const p = await newProject("prompts-http");
  key = p.key;
  const events = [...VARIANTS, OTHER, VARIANTS[0] ?? ""].map((t, i) => promptEvent(t, { at: new Date(Date.now() - 3_600_000 + i * 60_000), costUsd: "0.004" }));
  expect((await postEvents(key, { events })).status).toBe(200);
  await settleProject(testDb().sql, p.projectId, createLocalEmbedder(512));
  // The shared test database has no autovacuum, and other files store thousands of near-identical
  // vectors: with stale statistics the planner took the approximate HNSW path for this 4-prompt
  // project, whose iterative scan spent its tuple budget on other projects' neighbours and found
  // none of these (an empty answer, twice in a row). Fresh statistics give the exact per-project plan,
  // as autovacuum does in production.
  await testDb().sql`ANALYZE prompt_embeddings`;
  const rows = await testDb().sql<{ id: string; text: string }[]>`SELECT id::text, text FROM prompts WHERE project_id = ${p.projectId}`;
  ids = new Map(rows.map((r) => [r.text, r.id]));
});

describeWithHttp("prompts.similar and prompts.clusters over real HTTP (tRPC + superjson)", () => {
  it("returns the variants of a prompt, and its cluster with savings", async () => {
    const c = client(requireBaseUrl(), key);
    const r = await c.prompts.similar.query({ promptId: ids.get(VARIANTS[0] ?? "") ?? "" });
    expect(new Set(r.items.map((i) => i.id))).toEqual(new Set(VARIANTS.slice(1).map((v) => ids.get(v))));
    const clusters = await c.prompts.clusters.query({});
    expect(clusters.items).toHaveLength(1);
    // Calls: V0, V1, V2, V0 again, one minute apart, 0.004 each: all but the first are served by a cache.
    expect(clusters.items[0]).toMatchObject({ prompts: 3, calls: "4", exactRepeatSavingsUsd: "0.004000000000", semanticCacheSavingsUsd: "0.012000000000" });
    expect(clusters.nextCursor).toBeNull();
  });

  it("answers 400 naming the field for bad input and 404 for an unknown prompt", async () => {
    const c = client(requireBaseUrl(), key);
    const bad = await c.prompts.similar.query({ promptId: "abc" }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(TRPCClientError);
    expect((bad as TRPCClientError<AppRouter>).data?.httpStatus).toBe(400);
    expect(JSON.stringify((bad as TRPCClientError<AppRouter>).data)).toMatch(/promptId/);
    const missing = await c.prompts.similar.query({ promptId: "999999999999" }).catch((e: unknown) => e);
    expect((missing as TRPCClientError<AppRouter>).data?.httpStatus).toBe(404);
  });

  it("embeds new prompts in the background of a server started with defaults", { timeout: 120_000 }, async () => {
    const db = await freshDatabase();
    const apiKey = `acp_${randomBytes(32).toString("base64url")}`;
    const server = await startAppServer({ DATABASE_URL: db.url, BOOTSTRAP_API_KEY: apiKey, EMBEDDING_WORKER: "on", REDIS_URL: "" }, { timeoutMs: 90_000 });
    try {
      const events = VARIANTS.map((t) => promptEvent(t));
      const res = await fetch(`${server.url}/api/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ events }),
      });
      expect(res.status).toBe(200);
      const c = client(server.url, apiKey);
      const listed = await c.prompts.list.query({});
      const first = listed.items.find((i) => i.preview === VARIANTS[0]);
      let embedded = false;
      for (let i = 0; i < 60 && !embedded; i++) {
        const r = await c.prompts.similar.query({ promptId: first?.id ?? "" });
        embedded = r.embedded && r.items.length === 2;
        if (!embedded) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(embedded).toBe(true);
    } finally {
      await server.stop();
      await db.drop();
    }
  });
});
