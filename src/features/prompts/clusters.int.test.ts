import type { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { createCaller } from "~/trpc/root";
import { createContext } from "~/server/api/trpc";
import { closeTestDb, describeWithDb, newProject, testDb } from "~/test/integration";
import { generateEvents } from "../../../scripts/lib/generate";
import { computeClusters } from "./server/clusters/compute";
import { clusterComputations } from "./server/clusters/list";
import { clustersInputSchema } from "./schemas";
import { foldAll } from "~/server/rollups/fold";
import { createLocalEmbedder } from "./server/embedders/local";
import { promptEvent, settleProject } from "./testing";

afterAll(closeTestDb);

const local = createLocalEmbedder(512);
const callerFor = (key: string) => createCaller(createContext({ headers: new Headers({ authorization: `Bearer ${key}` }), client: testDb() }));
type Caller = ReturnType<typeof callerFor>;

const A = "Draft a friendly follow-up email to Ada about refunds.";
const A2 = "Draft a friendly follow-up email to Grace about refunds.";
const X = "Classify this support ticket into one of: billing, bug, feature-request, account. Ticket: My invoice is wrong";
const T0 = Math.floor((Date.now() - 2 * 86_400_000) / 60_000) * 60_000;
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

// The hand-computed case (TTL 1 h unless said otherwise):
//  #1 A  +0    0.010       first call
//  #7 A  +20   unpriced    exact hit (A at +0), saves nothing known
//  #2 A  +30   0.012       exact hit (A at +20)
//  #4 A2 +50   0.020       first A2; A at +0 cost 0.010 ≤ 0.020 → semantic hit
//  #3 A  +100  0.009       previous A at +30 is 70 min old; A2 at +50 cost 0.020 > 0.009 → no hit
//  #5 A2 +110  0.005       exact hit (A2 at +50, exactly 60 min: inclusive)
//  X  +0, +10  0.100 each  exact hit on the second
const handEvents = () => [
  promptEvent(A, { at: at(0), costUsd: "0.010" }),
  promptEvent(A, { at: at(20), costUsd: null }),
  promptEvent(A, { at: at(30), costUsd: "0.012" }),
  promptEvent(A2, { at: at(50), costUsd: "0.020" }),
  promptEvent(A, { at: at(100), costUsd: "0.009" }),
  promptEvent(A2, { at: at(110), costUsd: "0.005" }),
  promptEvent(X, { at: at(0), costUsd: "0.1" }),
  promptEvent(X, { at: at(10), costUsd: "0.1" }),
];

async function allClusters(caller: Caller, input: Parameters<Caller["prompts"]["clusters"]>[0]) {
  const items: Awaited<ReturnType<Caller["prompts"]["clusters"]>>["items"] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const page: Awaited<ReturnType<Caller["prompts"]["clusters"]>> = await caller.prompts.clusters({ ...input, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return items;
}

const texts = (c: { members: { preview: string }[] }) => c.members.map((m) => m.preview).sort();

let embedded: Caller;
let bare: Caller;

beforeAll(async () => {
  const p = await newProject("clusters");
  const q = await newProject("clusters-bare");
  embedded = callerFor(p.key);
  bare = callerFor(q.key);
  for (const x of [p, q]) expect((await ingestEvents(testDb(), x.projectId, handEvents())).accepted).toBe(8);
  await settleProject(testDb().sql, p.projectId, local); // q: no embeddings at all
});

describeWithDb("prompts.clusters (near-duplicate groups and savings)", () => {
  it("computes exact-repeat and semantic-cache savings to the picodollar (hand-computed case)", async () => {
    const items = await allClusters(embedded, {});
    expect(items).toHaveLength(2);
    // Largest semantic-cache saving first: X (0.1) before the A group (0.037).
    const [second, first] = items;
    expect(first && texts(first)).toEqual([A, A2]);
    expect(first).toMatchObject({
      prompts: 2,
      calls: "6",
      unpricedCalls: "1",
      costUsd: "0.056000000000",
      exactRepeatCalls: "3",
      exactRepeatSavingsUsd: "0.017000000000",
      semanticCacheCalls: "4",
      semanticCacheSavingsUsd: "0.037000000000",
    });
    expect(first?.firstSeen).toBe(at(0).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z"));
    expect(second && texts(second)).toEqual([X]);
    expect(second).toMatchObject({ prompts: 1, calls: "2", costUsd: "0.200000000000", exactRepeatSavingsUsd: "0.100000000000", semanticCacheSavingsUsd: "0.100000000000" });
  });

  it("follows the TTL given per request", async () => {
    // 30 min: #7 and #2 are exact hits (0.012); #4 (A2 +50) is served by A at +30 (0.012 ≤ 0.020); #5 is 60 min after A2.
    const items = await allClusters(embedded, { cacheTtlSeconds: 1800 });
    const group = items.find((c) => c.prompts === 2);
    expect(group).toMatchObject({ exactRepeatCalls: "2", exactRepeatSavingsUsd: "0.012000000000", semanticCacheCalls: "3", semanticCacheSavingsUsd: "0.032000000000" });
    // 5 min: nothing repeats that fast except X (10 min apart: no) — no cluster has any saving.
    const fast = await allClusters(embedded, { cacheTtlSeconds: 300 });
    expect(fast.every((c) => c.exactRepeatSavingsUsd === "0.000000000000")).toBe(true);
    expect(fast.map((c) => c.prompts)).toEqual([2]); // X alone, never repeated within 5 min, is not listed
  });

  it("computes a set once for concurrent asks, then serves it from the cache", async () => {
    // A TTL no other test asks for: nothing cached yet under this fingerprint.
    const input = { cacheTtlSeconds: 1234 };
    const before = clusterComputations();
    const pages = await Promise.all(Array.from({ length: 5 }, () => embedded.prompts.clusters(input)));
    expect(clusterComputations() - before).toBe(1);
    for (const page of pages) expect(page).toEqual(pages[0]);
    expect(pages[0]?.items.length).toBeGreaterThan(0);
    await embedded.prompts.clusters(input);
    expect(clusterComputations() - before).toBe(1);
  });

  it("never counts a call made at the same instant as an earlier one; one a millisecond later is", async () => {
    const p = await newProject("clusters-same-instant");
    const t = at(200);
    const calls = [
      promptEvent(A, { at: t, costUsd: "0.010" }),
      promptEvent(A, { at: t, costUsd: "0.020" }),
      promptEvent(A, { at: new Date(t.getTime() + 1), costUsd: "0.005" }),
    ];
    expect((await ingestEvents(testDb(), p.projectId, calls)).accepted).toBe(3);
    const [only, ...rest] = await allClusters(callerFor(p.key), {});
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ prompts: 1, calls: "3", exactRepeatCalls: "1", exactRepeatSavingsUsd: "0.005000000000", semanticCacheCalls: "1", semanticCacheSavingsUsd: "0.005000000000" });
  });

  it("finds exact repeats without any embedding (each prompt its own group)", async () => {
    const items = await allClusters(bare, {});
    const byText = new Map(items.map((c) => [c.members[0]?.preview, c]));
    expect(items.every((c) => c.prompts === 1)).toBe(true);
    expect(byText.get(A)).toMatchObject({ calls: "4", exactRepeatCalls: "2", exactRepeatSavingsUsd: "0.012000000000", semanticCacheSavingsUsd: "0.012000000000" });
    expect(byText.get(A2)).toMatchObject({ calls: "2", exactRepeatSavingsUsd: "0.005000000000", semanticCacheSavingsUsd: "0.005000000000" });
    expect(byText.get(X)).toMatchObject({ exactRepeatSavingsUsd: "0.100000000000" });
  });

  it("respects the window and the similarity threshold", async () => {
    const late = await allClusters(embedded, { from: at(45), to: at(200) });
    // In [+45, +200): A2 +50 (no earlier call in the window), A +100, A2 +110 (exact). X is outside.
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({ calls: "3", exactRepeatSavingsUsd: "0.005000000000", semanticCacheSavingsUsd: "0.005000000000" });
    const strict = await allClusters(embedded, { minSimilarity: 0.99 });
    expect(strict.every((c) => c.prompts === 1)).toBe(true);
  });

  it("reads the window's prompts from their folded counters exactly as from their calls: whole, cut by the window, not folded yet", async () => {
    const p = await newProject("clusters-counters");
    const base = Math.floor((Date.now() - 3 * 86_400_000) / 60_000) * 60_000;
    const minute = (m: number) => new Date(base + m * 60_000);
    // Six prompts (two near-duplicate pairs) called over three days at fixed, uneven steps; every
    // fifth call unpriced. All calls succeed, so status "success" selects the same calls and takes
    // the path that groups them.
    const prompts = [A, A2, X, `${X} twice`, "Summarise the Q3 board minutes in five bullets.", "Summarise the Q4 board minutes in five bullets."];
    const events = [];
    for (let i = 0; i < 90; i++) {
      const prompt = prompts[(i * 7) % prompts.length] ?? A;
      events.push(promptEvent(prompt, { at: minute((i * 47) % 4300), costUsd: i % 5 === 4 ? null : `0.0${(i * 13) % 90 + 10}` }));
    }
    expect((await ingestEvents(testDb(), p.projectId, events)).rejected).toEqual([]);
    await settleProject(testDb().sql, p.projectId, local);
    await foldAll(testDb().sql);
    // Calls not folded yet: more of the same prompts, and a new one.
    const late = [A, X, "A prompt first seen after the fold."].map((t, i) => promptEvent(t, { at: minute(4200 + i * 20), costUsd: "0.02" }));
    expect((await ingestEvents(testDb(), p.projectId, late)).rejected).toEqual([]);
    const windows = [{}, { from: minute(1440) }, { to: minute(2000) }, { from: minute(700), to: minute(3000) }, { from: minute(4100), to: minute(5000) }];
    let compared = 0;
    for (const w of windows) {
      for (const cacheTtlSeconds of [600, 86_400]) {
        const input = clustersInputSchema.parse({ ...w, cacheTtlSeconds });
        const fromCounters = await computeClusters(testDb().db, p.projectId, local.model, input);
        const fromCalls = await computeClusters(testDb().db, p.projectId, local.model, { ...input, status: "success" });
        expect(fromCounters, JSON.stringify(w)).toEqual(fromCalls);
        compared += fromCounters.clusters.length;
      }
    }
    expect(compared).toBeGreaterThan(10);
  });

  it("caps the window's prompts by cost exactly as from the calls: ties, unfolded calls that move a prompt up, a prompt seen only after the fold", async () => {
    const p = await newProject("clusters-cap");
    const base = Math.floor((Date.now() - 2 * 86_400_000) / 60_000) * 60_000;
    const minute = (m: number) => new Date(base + m * 60_000);
    // 14 prompts, each called twice within the hour (every one may repeat); costs in pairs, so
    // ties are broken by id. Two near-duplicates among them form a group.
    const texts = [A, A2, ...Array.from({ length: 12 }, (_, i) => `Cap prompt ${i}: list the overdue invoices of account ${i * 53}.`)];
    const folded = texts.flatMap((t, i) => [0, 20].map((m) => promptEvent(t, { at: minute(i * 60 + m), costUsd: `0.00${Math.floor(i / 2) + 1}` })));
    expect((await ingestEvents(testDb(), p.projectId, folded)).rejected).toEqual([]);
    await settleProject(testDb().sql, p.projectId, local);
    await foldAll(testDb().sql);
    // Not folded: a cheap prompt that becomes the most expensive, a tie made by a late call, one
    // more call of the costliest prompt, and a prompt seen only now.
    const late = [
      promptEvent(texts[1] ?? A2, { at: minute(2000), costUsd: "0.05" }),
      promptEvent(texts[4] ?? A, { at: minute(2010), costUsd: "0.004" }),
      promptEvent(texts[13] ?? A, { at: minute(2020), costUsd: "0.001" }),
      promptEvent("Cap prompt seen after the fold: summarise the overdue invoices.", { at: minute(2030), costUsd: "0.006" }),
      promptEvent("Cap prompt seen after the fold: summarise the overdue invoices.", { at: minute(2031), costUsd: "0.006" }),
    ];
    expect((await ingestEvents(testDb(), p.projectId, late)).rejected).toEqual([]);
    const fromCallsTop = await computeClusters(testDb().db, p.projectId, local.model, clustersInputSchema.parse({ status: "success" }), 3);
    expect(fromCallsTop.promptsLimited).toBe(true);
    let capped = 0;
    for (const w of [{}, { from: minute(60) }]) {
      for (const max of [1, 2, 3, 5, 8, 13, 15, 16]) {
        const input = clustersInputSchema.parse({ ...w, cacheTtlSeconds: 3600 });
        const fromCounters = await computeClusters(testDb().db, p.projectId, local.model, input, max);
        const fromCalls = await computeClusters(testDb().db, p.projectId, local.model, { ...input, status: "success" }, max);
        expect(fromCounters, `${JSON.stringify(w)} max ${max}`).toEqual(fromCalls);
        expect(fromCounters.promptsConsidered).toBe(Math.min(max, Object.keys(w).length === 0 ? 15 : 14));
        if (fromCounters.promptsLimited) capped++;
      }
    }
    expect(capped).toBeGreaterThan(8);
  });

  it("leaves out only the lone prompts that cannot repeat within the TTL: the same clusters as simulating every prompt", async () => {
    const p = await newProject("clusters-call-gap");
    const base = Math.floor((Date.now() - 6 * 86_400_000) / 60_000) * 60_000;
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    // 30 lone prompts (no embeddings: each its own cluster) with 2-6 calls at gaps around the TTLs
    // asked below. A third arrive in time order, one chunk after another; the rest in any order
    // (their first call in the first chunk), with some calls at the same instant.
    const gapsMin = [5, 30, 59, 60, 61, 90, 240, 1500, 3000];
    const chunks: ReturnType<typeof promptEvent>[][] = [[], [], [], []];
    const inOrder = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const text = `Lone prompt ${i}: list the open invoices of customer ${i * 37}.`;
      const ordered = i % 3 === 0;
      if (ordered) inOrder.add(text);
      const n = 2 + (i % 5);
      let t = base + rand(600) * 60_000 + rand(1000);
      for (let j = 0; j < n; j++) {
        if (j > 0) t += !ordered && rand(6) === 0 ? 0 : (gapsMin[rand(gapsMin.length)] ?? 60) * 60_000 + rand(3) * 1000;
        const chunk = ordered ? Math.floor((j * 4) / n) : j === 0 ? 0 : rand(4);
        chunks[chunk]?.push(promptEvent(text, { at: new Date(t), costUsd: `0.00${1 + rand(9)}` }));
      }
    }
    // And one whose only close pair appears when a call lands between two folded ones.
    const between = "Between: summarise the refund policy for enterprise customers.";
    chunks[0]?.push(promptEvent(between, { at: new Date(base), costUsd: "0.004" }), promptEvent(between, { at: new Date(base + 180 * 60_000), costUsd: "0.004" }));
    chunks[1]?.push(promptEvent(between, { at: new Date(base + 30 * 60_000), costUsd: "0.004" }));
    for (const [k, chunk] of chunks.entries()) {
      expect((await ingestEvents(testDb(), p.projectId, chunk)).rejected).toEqual([]);
      if (k < 3) await foldAll(testDb().sql); // the last chunk stays in the tail (unless another file's server folds it)
    }
    const inputs = [{}, { from: new Date(base + 600 * 60_000) }, { from: new Date(base + 100 * 60_000), to: new Date(base + 5000 * 60_000) }].flatMap((w) =>
      [300, 3600, 5400, 86_400].flatMap((cacheTtlSeconds) => {
        const input = clustersInputSchema.parse({ ...w, cacheTtlSeconds });
        return [input, { ...input, status: "success" as const }]; // from the counters, then from the calls
      }),
    );
    const computeAll = () => Promise.all(inputs.map((input) => computeClusters(testDb().db, p.projectId, local.model, input)));
    const withTail = await computeAll();

    // The bound, everything folded: never above the true smallest gap between two instants, and
    // equal to it for the prompts whose calls came in order.
    await foldAll(testDb().sql);
    const rows = await testDb().sql<{ text: string; bound: string | null; truth: string | null }[]>`
      SELECT p.text, p.call_gap_us::text AS bound, (
        SELECT min(g)::text FROM (
          SELECT (extract(epoch FROM ts - lag(ts) OVER (ORDER BY ts)) * 1000000)::bigint AS g
          FROM cost_events e WHERE e.project_id = p.project_id AND e.prompt_hash = p.hash
        ) d WHERE g > 0) AS truth
      FROM prompts p WHERE p.project_id = ${p.projectId}`;
    expect(rows).toHaveLength(31);
    expect(rows.find((r) => r.text === between)).toEqual({ text: between, bound: "0", truth: "1800000000" });
    for (const r of rows) {
      if (r.truth === null) expect(r.bound, r.text).toBeNull();
      else expect(BigInt(r.bound ?? "-1"), r.text).toBeLessThanOrEqual(BigInt(r.truth));
      if (inOrder.has(r.text)) expect(r.bound, r.text).toBe(r.truth);
    }
    const pruned = rows.filter((r) => r.bound !== null && BigInt(r.bound) > 3_600_000_000n).length;
    expect(pruned).toBeGreaterThan(2); // the 1 h TTL's pass leaves these out

    // References: every prompt in the simulation, as before the bound existed — the bound not
    // covering every folded call (as after a fold of an older version), then a bound of 0.
    const folded = await computeAll();
    await testDb().sql`UPDATE prompts SET call_gap_calls = call_gap_calls - 1 WHERE project_id = ${p.projectId}`;
    const uncovered = await computeAll();
    await testDb().sql`UPDATE prompts SET call_gap_us = 0 WHERE project_id = ${p.projectId}`;
    const reference = await computeAll();
    expect(withTail).toEqual(reference);
    expect(folded).toEqual(reference);
    expect(uncovered).toEqual(reference);

    // A fold after calls the bound did not cover leaves it at 0, however far the new call is.
    const far = rows.find((r) => r.bound !== null && BigInt(r.bound) > 3_600_000_000n)?.text ?? "";
    await testDb().sql`UPDATE prompts SET call_gap_us = 9000000000000, call_gap_calls = 1 WHERE project_id = ${p.projectId}`;
    expect((await ingestEvents(testDb(), p.projectId, [promptEvent(far, { at: new Date(base + 9000 * 60_000), costUsd: "0.001" })])).accepted).toBe(1);
    await foldAll(testDb().sql);
    const [after] = await testDb().sql<{ bound: string; calls: string; occurrences: string }[]>`
      SELECT call_gap_us::text AS bound, call_gap_calls::text AS calls, occurrences::text FROM prompts WHERE project_id = ${p.projectId} AND text = ${far}`;
    expect(after).toEqual({ bound: "0", calls: after?.occurrences, occurrences: after?.occurrences });
    const listed = reference.map((r) => r.clusters.length);
    expect(Math.min(...listed)).toBeGreaterThan(0);
    expect(Math.max(...listed)).toBeLessThan(30); // some prompts did not repeat within the TTL
  });

  it("rejects a tampered cursor, a cursor from other filters, and a threshold below the stored edges", async () => {
    const code = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as TRPCError).code;
    expect(await code(embedded.prompts.clusters({ cursor: "abc.def" }))).toBe("BAD_REQUEST");
    expect(await code(embedded.prompts.clusters({ minSimilarity: 0.5 }))).toBe("BAD_REQUEST");
    expect(await code(embedded.prompts.clusters({ cacheTtlSeconds: 0 }))).toBe("BAD_REQUEST");
    const page = await embedded.prompts.clusters({ limit: 1 });
    expect(page.nextCursor).not.toBeNull();
    expect(await code(embedded.prompts.clusters({ limit: 1, cursor: page.nextCursor, cacheTtlSeconds: 60 }))).toBe("BAD_REQUEST");
  });

  it("groups the planted variants of seeded templates, and pages without repeats", async () => {
    const p = await newProject("clusters-seeded");
    const planted = [
      "Write a haiku about the Acme Q3 revenue numbers for the all-hands slide.",
      "Write a haiku about the Acme Q4 revenue numbers for the all-hands slide.",
      "Write a haiku about the Globex Q3 revenue numbers for the all-hands slide.",
      "Write a short haiku about the Acme Q3 revenue numbers for the all-hands slides.",
    ];
    const noise = [...generateEvents(1500, { seed: 21, days: 1, idPrefix: "cs" })];
    const plantedEvents = planted.map((t, i) => promptEvent(t, { at: new Date(Date.now() - 3_600_000 + i * 60_000), costUsd: "0.05" }));
    expect((await ingestEvents(testDb(), p.projectId, [...noise, ...plantedEvents])).rejected).toEqual([]);
    await settleProject(testDb().sql, p.projectId, local);
    const items = await allClusters(callerFor(p.key), { limit: 3 });
    const group = items.find((c) => c.members.some((m) => m.preview === planted[0]));
    expect(group && texts(group)).toEqual([...planted].sort());
    // Each planted variant came after a cheaper-or-equal variant within the hour: all but the first are saved.
    expect(group).toMatchObject({ calls: "4", exactRepeatSavingsUsd: "0.000000000000", semanticCacheSavingsUsd: "0.150000000000" });
    // Template families stay apart: no cluster mixes two of the generator's features' wordings.
    const families = ["Draft a friendly", "Classify this support", "Translate into", "Review this diff", "Rank these 10"];
    for (const c of items) {
      const hit = families.filter((f) => c.members.some((m) => m.preview.startsWith(f)));
      expect(hit.length).toBeLessThanOrEqual(1);
    }
    const ids = items.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const savings = items.map((c) => Number(c.semanticCacheSavingsUsd));
    expect(savings).toEqual([...savings].sort((a, b) => b - a));
  });
});
