// Issue 18 over real HTTP: tRPC batches and inputs are bounded, a stored event from before the
// bounds cannot take the Events list down, a prompt id past bigint is a 400, and the session
// endpoints never hand the raw session token to page scripts.
import { afterAll, beforeAll, expect, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { browserHeaders, type TestProject, type TestUser, newOwnedProject } from "~/test/auth";
import { closeTestDb, describeWithHttp, requireBaseUrl, testDb } from "~/test/integration";
import { MAX_TRPC_BATCH } from "~/lib/trpc-limits";

let project: TestProject;
let owner: TestUser;

function get(path: string, input: unknown, headers: Record<string, string>) {
  const q = encodeURIComponent(JSON.stringify({ json: input }));
  return fetch(`${requireBaseUrl()}/api/trpc/${path}?input=${q}`, { headers });
}

describeWithHttp("tRPC limits and session hygiene (issue 18)", () => {
  beforeAll(async () => ({ project, owner } = await newOwnedProject("trpc-limits")));
  afterAll(closeTestDb);

  it("events.list answers 200 even over a row whose metadata was stored nested 3000 levels deep", async () => {
    await ingestEvents(testDb(), project.projectId, [{ provider: "openai", model: "m", inputTokens: 1, outputTokens: 1, id: "deep-row" }]);
    // A row written before the bound existed (the route on main accepted these with 200).
    const deep = `{"a":${"[".repeat(3000)}${"]".repeat(3000)}}`;
    await testDb().sql`UPDATE cost_events SET metadata = ${deep}::jsonb WHERE project_id = ${project.projectId} AND event_id = 'deep-row'`;
    const res = await get("events.list", { limit: 10 }, { authorization: `Bearer ${project.key}` });
    const text = await res.text();
    expect(res.status, text.slice(0, 300)).toBe(200);
    expect(text).toContain("nested too deep");
  });

  it("a batch larger than the cap is a 400 naming the batch, a batch at the cap is served", async () => {
    const auth = { authorization: `Bearer ${project.key}` };
    const call = (n: number) => {
      const paths = Array.from({ length: n }, () => "events.list").join(",");
      const input = Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), { json: { limit: 1 } }]));
      return fetch(`${requireBaseUrl()}/api/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`, { headers: auth });
    };
    const over = await call(MAX_TRPC_BATCH + 1);
    expect(over.status).toBe(400);
    expect(await over.text()).toMatch(/at most 20 procedures/);
    const ok = await call(MAX_TRPC_BATCH);
    expect(ok.status, (await ok.clone().text()).slice(0, 300)).toBe(200);
  });

  it("a deeply nested tRPC input is a 400 naming the input, not a 500", async () => {
    // Written as text: JSON.stringify itself overflows on a value this deep.
    const deep = `${"[".repeat(50_000)}${"]".repeat(50_000)}`;
    const res = await fetch(`${requireBaseUrl()}/api/trpc/events.list`, {
      method: "POST",
      headers: { authorization: `Bearer ${project.key}`, "content-type": "application/json" },
      body: `{"json":{"limit":10},"meta":{"values":{"x":${deep}}}}`,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/input\.meta\.values/);
    const big = await fetch(`${requireBaseUrl()}/api/trpc/events.list`, {
      method: "POST",
      headers: { authorization: `Bearer ${project.key}`, "content-type": "application/json" },
      body: JSON.stringify({ json: { limit: 10, feature: "x".repeat(1024 * 1024) } }),
    });
    expect(big.status).toBe(413);
  });

  it("prompts.text: a prompt id beyond bigint is a 400, not a 500", async () => {
    const res = await get("prompts.text", { promptId: "9999999999999999999" }, { authorization: `Bearer ${project.key}` });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/promptId/);
  });

  it("get-session and list-sessions carry no raw session token", async () => {
    const headers = browserHeaders(owner);
    const token = decodeURIComponent(owner.cookie.split("=")[1] ?? "").split(".")[0] ?? "";
    expect(token.length).toBeGreaterThan(10);
    for (const path of ["get-session", "list-sessions"]) {
      const res = await fetch(`${requireBaseUrl()}/api/auth/${path}`, { headers });
      const text = await res.text();
      expect(res.status, `${path}: ${text.slice(0, 200)}`).toBe(200);
      expect(text.length).toBeGreaterThan(10);
      expect(text, path).not.toContain(token);
      expect(text, path).not.toMatch(/"token"/);
    }
  });
});
