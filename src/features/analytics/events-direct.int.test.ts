// The events list's direct read path (server/events-direct.ts, listEventsJson) answers what tRPC answers:
// the same call made once alone (served directly) and once inside a two-call batch (which only
// tRPC serves) must deserialize to equal values, over generated hostile events, rows clipJson
// changes, every filter and paging; and whatever the direct path does not serve still gets tRPC's
// own answer, errors included.
import fc from "fast-check";
import superjson from "superjson";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLIPPED } from "~/lib/json-bounds";
import { closeTestDb, describeWithHttp, newProject, postEvents, requireBaseUrl, testDb } from "~/test/integration";
import { eventArb } from "~/test/reads/arbitraries";

type Project = Awaited<ReturnType<typeof newProject>>;
type Page = { items: Record<string, unknown>[]; nextCursor: string | null };
type Envelope = { result?: { data: Parameters<typeof superjson.deserialize>[0] }; error?: { json: { message: string; data: { httpStatus: number; code: string } } } };

const enc = (v: unknown) => encodeURIComponent(JSON.stringify(v));

async function get(project: Project, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${requireBaseUrl()}${path}`, { headers: { authorization: `Bearer ${project.key}`, ...headers } });
  return { status: res.status, text: await res.text(), type: res.headers.get("content-type") };
}

/** The call alone (the direct path), alone as a one-call batch (direct too), and in a two-call batch (tRPC). */
async function threeWays(project: Project, input: Record<string, unknown>) {
  const one = superjson.serialize(input);
  const alone = await get(project, `/api/trpc/events.list?input=${enc(one)}`);
  const batchOfOne = await get(project, `/api/trpc/events.list?batch=1&input=${enc({ 0: one })}`);
  const viaTrpc = await get(project, `/api/trpc/events.list,stats.summary?batch=1&input=${enc({ 0: one, 1: superjson.serialize({}) })}`);
  for (const r of [alone, batchOfOne, viaTrpc]) {
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    expect(r.type).toMatch(/^application\/json/);
  }
  const data = (e: Envelope | undefined): Page => {
    if (!e?.result) throw new Error(`no result: ${JSON.stringify(e).slice(0, 300)}`);
    return superjson.deserialize(e.result.data);
  };
  return {
    alone: data(JSON.parse(alone.text) as Envelope),
    batchOfOne: data((JSON.parse(batchOfOne.text) as Envelope[])[0]),
    trpc: data((JSON.parse(viaTrpc.text) as Envelope[])[0]),
    aloneText: alone.text,
    trpcText: viaTrpc.text,
  };
}

async function expectSame(project: Project, input: Record<string, unknown>): Promise<Page> {
  const r = await threeWays(project, input);
  expect(r.alone).toEqual(r.trpc);
  expect(r.batchOfOne).toEqual(r.trpc);
  return r.trpc;
}

describeWithHttp("events.list direct path (PostgreSQL's JSON, tRPC's envelope)", () => {
  let project: Project;
  beforeAll(async () => {
    project = await newProject("direct");
  });
  afterAll(closeTestDb);

  it("answers what tRPC answers over generated hostile events, page by page", { timeout: 300_000 }, async () => {
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 6 }), async (events) => {
        const res = await postEvents(project.key, { events });
        expect(res.status).toBeLessThan(500);
        if (res.status === 200 || res.status === 207) stored += Number(res.body.accepted ?? 0);
        const from = new Date(Date.now() - 366 * 86_400_000);
        const first = await expectSame(project, { limit: 3, from });
        if (first.nextCursor) await expectSame(project, { limit: 3, from, cursor: first.nextCursor });
        const item = first.items[0];
        if (item && typeof item.feature === "string") await expectSame(project, { limit: 5, from, feature: item.feature });
      }),
      { numRuns: 12 },
    );
    expect(stored).toBeGreaterThan(0);
  });

  it("clips what clipJson clips and renames refused keys, like tRPC", async () => {
    const p = await newProject("direct-clip");
    const res = await postEvents(p.key, {
      events: ["deep", "proto", "plain", "note"].map((id, i) => ({
        id,
        provider: "openai",
        model: "gpt-4o-mini",
        inputTokens: 1,
        outputTokens: 1,
        timestamp: new Date(Date.now() - i * 1000).toISOString(),
        ...(id === "note" ? { metadata: { note: "x" } } : {}),
      })),
    });
    expect(res.status).toBe(200);
    let deep: unknown = "bottom";
    for (let i = 0; i < 30; i++) deep = i % 2 === 0 ? [deep] : { [`k${i}`]: deep };
    const sql = testDb().sql;
    // Stored before ingestion bounded nesting (the route refuses this today), and a key superjson refuses.
    await sql`UPDATE cost_events SET metadata = ${JSON.stringify({ deep })}::jsonb WHERE project_id = ${p.projectId} AND event_id = 'deep'`;
    await sql`UPDATE cost_events SET metadata = ${'{"__proto__": {"constructor": 1}, "ok": "x"}'}::jsonb WHERE project_id = ${p.projectId} AND event_id = 'proto'`;
    const r = await threeWays(p, { limit: 10 });
    expect(r.alone).toEqual(r.trpc);
    expect(r.batchOfOne).toEqual(r.trpc);
    const byId = new Map(r.alone.items.map((i) => [i.eventId, i]));
    expect(JSON.stringify(byId.get("deep")?.metadata)).toContain(CLIPPED);
    expect(Object.keys(byId.get("proto")?.metadata as object)).toEqual(["ok", "[__proto__]"]);
    expect(byId.get("plain")?.metadata).toBeNull();
    expect(byId.get("note")?.metadata).toEqual({ note: "x" });
    // Served directly: a row nothing clips arrives as PostgreSQL's jsonb text; tRPC re-serialises it.
    expect(r.aloneText).toContain('"note": "x"');
    expect(r.trpcText).toContain('"note":"x"');
  });

  it("leaves every call it does not serve to tRPC, errors included", async () => {
    const bad = await get(project, `/api/trpc/events.list?input=${enc(superjson.serialize({ limit: 0 }))}`);
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/limit/);
    const cursor = await get(project, `/api/trpc/events.list?input=${enc(superjson.serialize({ cursor: "x.y" }))}`);
    expect(cursor.status).toBe(400);
    expect((JSON.parse(cursor.text) as Envelope).error?.json.message).toMatch(/cursor/);
    const anon = await fetch(`${requireBaseUrl()}/api/trpc/events.list?input=${enc(superjson.serialize({}))}`);
    expect(anon.status).toBe(401);
    const revoked = await get({ ...project, key: `acp_${"z".repeat(43)}` }, `/api/trpc/events.list?input=${enc(superjson.serialize({}))}`);
    expect(revoked.status).toBe(401);
    // A streamed batch is tRPC's own format (one JSON value per line), not the direct envelope.
    const streamed = await get(project, `/api/trpc/events.list?batch=1&input=${enc({ 0: superjson.serialize({ limit: 2 }) })}`, { "trpc-accept": "application/jsonl" });
    expect(streamed.status).toBe(200);
    expect(streamed.text).not.toMatch(/^\[\{"result"/);
  });
});
