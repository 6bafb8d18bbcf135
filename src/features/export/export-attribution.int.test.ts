// GET /api/export/{users|sessions|breakdown} over real HTTP: the same rows as the tRPC lists.
import { afterAll, beforeAll, expect, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { createContext } from "~/server/api/trpc";
import { createCaller } from "~/trpc/root";
import { exportFetch, parseCsv, parseNdjson } from "~/test/export-helpers";
import { closeTestDb, describeWithHttp, newProject, requireBaseUrl, testDb, pageAll } from "~/test/integration";
import { generateEvents } from "../../../scripts/lib/generate";

afterAll(closeTestDb);

let project = { projectId: "", key: "", name: "" };
const get = (path: string) => exportFetch(requireBaseUrl(), path, project.key);
const caller = () => createCaller(createContext({ headers: new Headers({ authorization: `Bearer ${project.key}` }), client: testDb() }));

beforeAll(async () => {
  project = await newProject("export-attr");
  await ingestEvents(testDb(), project.projectId, [...generateEvents(800, { seed: 31, days: 3, idPrefix: "ea", users: 120, tags: 6 })]);
}, 60_000);

describeWithHttp("attribution exports over HTTP", () => {
  it("users (CSV), sessions (NDJSON) and a breakdown by tag (JSON) hold exactly the lists' rows", async () => {
    const users = await get("/api/export/users?format=csv&tag=prod");
    expect(users.status).toBe(200);
    const userRows = parseCsv(await users.text());
    const listed = await pageAll((cursor) => caller().users.list({ tag: "prod", limit: 500, cursor }));
    expect(userRows.map((r) => [r.userId, r.calls, r.costUsd, r.topFeature])).toEqual(listed.map((u) => [u.userId, String(u.calls), u.costUsd, u.topFeature ?? ""]));

    const sessions = await get("/api/export/sessions?format=ndjson");
    const sessionRows = parseNdjson(await sessions.text());
    const listedSessions = await pageAll((cursor) => caller().sessions.list({ limit: 500, cursor }));
    expect(sessionRows.map((r) => [r.sessionId, r.costUsd, r.firstInputTokens])).toEqual(listedSessions.map((s) => [s.sessionId, s.costUsd, s.firstInputTokens]));

    const tags = await get("/api/export/breakdown?format=json&by=tag");
    expect(tags.headers.get("content-disposition")).toContain("-breakdown-by-tag-");
    const tagRows = (await tags.json()) as Record<string, unknown>[];
    const listedTags = await pageAll((cursor) => caller().breakdown.list({ by: "tag", limit: 500, cursor }));
    expect(tagRows.map((r) => [r.key, r.none, r.calls, r.costUsd])).toEqual(listedTags.map((t) => [t.key, t.none, t.calls, t.costUsd]));

    const byPlan = await get("/api/export/breakdown?format=csv&by=metadata:plan&metadata=customer%3Dacme");
    const planRows = parseCsv(await byPlan.text());
    const listedPlans = await caller().breakdown.list({ by: "metadata:plan", metadata: { key: "customer", value: "acme" }, limit: 500 });
    expect(planRows.map((r) => r.key)).toEqual(listedPlans.items.map((p) => p.key));
  });

  it("names the parameter: by missing or bad for a breakdown, by on another kind", async () => {
    for (const [path, param] of [
      ["/api/export/breakdown", "by"],
      ["/api/export/breakdown?by=colour", "by"],
      ["/api/export/users?by=tag", "by"],
      ["/api/export/users?metadata=novalue", "metadata"],
    ] as const) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as { issues: { path: string }[] };
      expect(body.issues.map((i) => i.path)).toContain(param);
    }
  });
});
