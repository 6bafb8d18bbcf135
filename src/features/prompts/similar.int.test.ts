import { randomBytes } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { createCaller } from "~/trpc/root";
import { createContext } from "~/server/api/trpc";
import { createDbClient } from "~/server/db";
import { closeTestDb, describeWithDb, newProject, pgUrl, testDb } from "~/test/integration";
import { rng } from "../../../scripts/lib/generate";
import { createLocalEmbedder } from "./server/embedders/local";
import { l2Normalize, type Embedder } from "./server/embedders/types";
import { clearQueryCache } from "./server/query-cache";
import { DEFAULT_TUNING, findSimilar, searchConcurrency, searchGateStats } from "./server/similar";
import { storeVectors } from "./server/worker/queue";
import { promptEvent, settleProject } from "./testing";

afterAll(closeTestDb);

const local = createLocalEmbedder(512);
const callerFor = (key: string) => createCaller(createContext({ headers: new Headers({ authorization: `Bearer ${key}` }), client: testDb() }));

const BASE = "You are a support assistant for Initech. Summarize the customer's ticket about a failed card payment in two sentences.";
const VARIANTS = [
  "You are a support assistant for Initech. Summarize the customer's ticket about a failed card payment in three sentences.",
  "You are a support assistant for Globex. Summarize the customer's ticket about a failed card payment in two sentences.",
  "You are a support assistant for Initech. Summarise the customer's ticket about a failed card payment in two sentences!",
  "you are a support assistant for initech. summarize the customers ticket about a failed card payment, in two sentences.",
];
const UNRELATED = [
  "Translate into German, keeping the tone: Thanks for your order! It ships tomorrow.",
  "Rank these 10 search results by relevance to the query 'postgres keyset pagination'.",
  "Write release notes for version 2.4.0 from these commit messages: fix login, add export.",
  "Extract the invoice number, total and due date as JSON from: Invoice #4411, total €1,280.00.",
];

type Proj = { projectId: string; key: string };
let main: Proj;
let other: Proj;
const ids = new Map<string, string>();

async function promptIds(projectId: string) {
  const rows = await testDb().sql<{ id: string; text: string }[]>`SELECT id::text, text FROM prompts WHERE project_id = ${projectId}`;
  return new Map(rows.map((r) => [r.text, r.id]));
}

beforeAll(async () => {
  main = await newProject("similar");
  other = await newProject("similar-other");
  await ingestEvents(testDb(), main.projectId, [BASE, ...VARIANTS, ...UNRELATED].map((p) => promptEvent(p, { costUsd: "0.002" })));
  // The same texts in another project: never visible from the first.
  await ingestEvents(testDb(), other.projectId, [BASE, ...VARIANTS].map((p) => promptEvent(p)));
  for (const p of [main, other]) await settleProject(testDb().sql, p.projectId, local);
  for (const [t, id] of await promptIds(main.projectId)) ids.set(t, id);
});

describeWithDb("prompts.similar (HNSW cosine, real PostgreSQL + pgvector)", () => {
  it("finds the planted variants first, with their similarity, calls and cost, in this project only", async () => {
    const source = ids.get(BASE) ?? "";
    const r = await callerFor(main.key).prompts.similar({ promptId: source, minSimilarity: 0.7 });
    expect(r.embedded).toBe(true);
    expect(r.model).toBe(local.model);
    const variantIds = new Set(VARIANTS.map((v) => ids.get(v)));
    expect(new Set(r.items.map((i) => i.id))).toEqual(variantIds);
    for (const item of r.items) {
      expect(item.similarity).toBeGreaterThanOrEqual(0.7);
      expect(item.calls).toBe("1");
      expect(item.costUsd).toBe("0.002000000000");
    }
    expect(r.items.map((i) => i.similarity)).toEqual([...r.items.map((i) => i.similarity)].sort((a, b) => b - a));
    // Lower the bar: the unrelated prompts follow, never before a variant.
    const all = await callerFor(main.key).prompts.similar({ promptId: source, minSimilarity: 0, limit: 50 });
    expect(all.items).toHaveLength(VARIANTS.length + UNRELATED.length);
    expect(new Set(all.items.slice(0, VARIANTS.length).map((i) => i.id))).toEqual(variantIds);
  });

  it("runs at most SIMILARITY_SEARCH_CONCURRENCY searches at once; the rest wait and get the same answers", async () => {
    const input = { promptId: ids.get(BASE) ?? "", minSimilarity: 0, limit: 20 };
    const alone = await findSimilar(testDb(), local, main.projectId, input);
    const limit = searchConcurrency();
    expect(limit).toBeGreaterThanOrEqual(0);
    const n = Math.max(3 * limit, 6);
    // Each call reaches the gate before its first await: the gate's counts are known at once.
    const all = Array.from({ length: n }, () => findSimilar(testDb(), local, main.projectId, input));
    expect(searchGateStats()).toEqual(limit === 0 ? { running: 0, waiting: 0 } : { running: limit, waiting: n - limit });
    for (const r of await Promise.all(all)) expect(r).toEqual(alone);
    expect(searchGateStats()).toEqual({ running: 0, waiting: 0 });
    // An unknown prompt: not found, and no slot kept.
    await expect(findSimilar(testDb(), local, main.projectId, { ...input, promptId: "999999999999" })).rejects.toThrow(/does not exist/);
    expect(searchGateStats()).toEqual({ running: 0, waiting: 0 });
  });

  it("compares only vectors of the same model", async () => {
    const source = ids.get(BASE) ?? "";
    const otherModel: Embedder = { ...local, model: "local/other-model@512" };
    const r = await findSimilar(testDb(), otherModel, main.projectId, { promptId: source, minSimilarity: 0, limit: 50 });
    expect(r.embedded).toBe(false); // embedded on the fly for the query…
    expect(r.items).toEqual([]); // …but there is nothing of that model to compare with
  });

  it("embeds a prompt the worker has not reached yet (query embedding, cached)", async () => {
    clearQueryCache();
    const fresh = "You are a support assistant for Initech. Summarize the customer's ticket about a failed card payment in four sentences.";
    await ingestEvents(testDb(), main.projectId, [promptEvent(fresh)]);
    const id = (await promptIds(main.projectId)).get(fresh) ?? "";
    let calls = 0;
    const counting: Embedder = { ...local, embed: (t, o) => ((calls += 1), local.embed(t, o)) };
    const r1 = await findSimilar(testDb(), counting, main.projectId, { promptId: id, minSimilarity: 0.8, limit: 10 });
    const r2 = await findSimilar(testDb(), counting, main.projectId, { promptId: id, minSimilarity: 0.8, limit: 10 });
    expect(r1.embedded).toBe(false);
    expect(r1.items.map((i) => i.id)).toContain(ids.get(BASE));
    expect(r2.items).toEqual(r1.items);
    expect(calls).toBe(1);
  });

  it("answers NOT_FOUND for a prompt of another project and BAD_REQUEST for bad input", async () => {
    const foreign = (await promptIds(other.projectId)).get(BASE) ?? "";
    const err = await callerFor(main.key).prompts.similar({ promptId: foreign }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe("NOT_FOUND");
    for (const bad of [{ promptId: "x" }, { promptId: "9999999999999999999" }, { promptId: "1", limit: 51 }, { promptId: "1", minSimilarity: 1.5 }]) {
      const e = await callerFor(main.key).prompts.similar(bad).catch((x: unknown) => x);
      expect((e as TRPCError).code).toBe("BAD_REQUEST");
    }
  });

  it("rolls back a failed search and leaves the pooled connection clean", async () => {
    const source = ids.get(BASE) ?? "";
    const bogus = { ...DEFAULT_TUNING, iterative: "sideways" as unknown as "off" };
    const one = createDbClient(pgUrl ?? "", { max: 1 }); // the same connection before and after
    try {
      // pgvector loaded in this backend first: before that, hnsw.* settings are unchecked placeholders.
      await findSimilar(one, local, main.projectId, { promptId: source, minSimilarity: 0.7, limit: 5 });
      await expect(findSimilar(one, local, main.projectId, { promptId: source, minSimilarity: 0, limit: 5 }, bogus)).rejects.toThrow(/iterative_scan/);
      await one.sql.unsafe("VACUUM projects"); // fails inside a transaction block: none was left open
      const [state] = await one.sql<{ ef: string }[]>`SELECT current_setting('hnsw.ef_search') AS ef`;
      expect(state?.ef).toBe("40"); // and no setting was kept
      const ok = await findSimilar(one, local, main.projectId, { promptId: source, minSimilarity: 0.7, limit: 5 });
      expect(ok.items.length).toBeGreaterThan(0);
    } finally {
      await one.sql.end({ timeout: 5 });
    }
  });

  /**
   * A second project whose vectors share an HNSW index with `projectId`'s: on one node any project;
   * on a Citus cluster (index per shard) one whose rows land in the same shard — other projects'
   * vectors cannot starve a scan there at all.
   */
  async function colocatedProject(projectId: string) {
    const citus = await testDb().sql`SELECT 1 FROM pg_extension WHERE extname = 'citus'`;
    for (let i = 0; i < 500; i++) {
      const p = await newProject("iter-big");
      if (citus.length === 0) return p;
      const [same] = await testDb().sql<{ ok: boolean }[]>`
        SELECT get_shard_id_for_distribution_column('prompt_embeddings', ${projectId}::uuid)
          = get_shard_id_for_distribution_column('prompt_embeddings', ${p.projectId}::uuid) AS ok`;
      if (same?.ok) return p;
    }
    throw new Error("no project in the same shard after 500 tries");
  }

  it("still returns `limit` rows when the project filter rejects most index candidates (iterative scan)", async () => {
    // A small project whose vectors all lie farther from the query than a big project's: an HNSW
    // scan's first ef_search candidates all belong to the big one and are filtered away.
    const model = `test/synthetic-${randomBytes(4).toString("hex")}@512`;
    const rand = rng(7);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const q = l2Normalize(Float64Array.from({ length: 512 }, gauss));
    const near = (eps: number) => l2Normalize(Float64Array.from(q, (x) => x + (eps * gauss()) / Math.sqrt(512)));
    const small = await newProject("iter-small");
    const big = await colocatedProject(small.projectId);
    const plant = async (projectId: string, n: number, eps: number, tag: string) => {
      const rows = await testDb().sql<{ id: string }[]>`
        INSERT INTO prompts (project_id, hash, text, original_length, first_seen, last_seen, occurrences, total_cost_usd, embed_done, embed_model)
        SELECT ${projectId}, sha256(convert_to(${tag} || g::text, 'UTF8')), ${tag} || g, 12, now(), now(), 1, 0, true, ${model}
        FROM generate_series(1, ${n}) g RETURNING id::text`;
      await storeVectors(testDb().sql, model, rows.map((r) => ({ projectId, id: r.id, vector: near(eps) })));
      return rows.map((r) => r.id);
    };
    const smallIds = await plant(small.projectId, 400, 1.2, "far ");
    await plant(big.projectId, 2500, 0.4, "near ");
    const [source] = await plant(small.projectId, 1, 0, "query ");
    await testDb().sql`ANALYZE prompt_embeddings`;
    const synthetic: Embedder = { ...local, model };
    const input = { promptId: source ?? "", minSimilarity: 0, limit: 25 };
    // plan "index": at this test's size the planner would rightly prefer an exact scan of the project.
    const tuning = { ...DEFAULT_TUNING, efSearch: 40, plan: "index" as const };
    const without = await findSimilar(testDb(), synthetic, small.projectId, input, { ...tuning, iterative: "off" });
    const withIterative = await findSimilar(testDb(), synthetic, small.projectId, input, tuning);
    expect(without.items.length).toBeLessThan(25); // the index path really was taken, and filtering starved it
    expect(withIterative.items).toHaveLength(25);
    expect(withIterative.items.every((i) => smallIds.includes(i.id))).toBe(true);
    const auto = await findSimilar(testDb(), synthetic, small.projectId, input);
    expect(auto.items.map((i) => i.id)).toEqual(withIterative.items.map((i) => i.id));
  });
});
