import { afterAll, expect, it } from "vitest";
import { closeTestDb, describeWithHttp, newProject, postEvents, testDb } from "~/test/integration";
import { foldAll } from "~/server/rollups/fold";

afterAll(closeTestDb);

const base = { provider: "openai", model: "gpt-4o-mini", inputTokens: 10, outputTokens: 2 };

describeWithHttp("tags and NFC identifiers over POST /api/v1/events", () => {
  it("stores tags once each, sorted, in NFC; user, session, feature and metadata keys in NFC", async () => {
    const { key, projectId } = await newProject("tags");
    const nfd = "cafe\u0301"; // "café" decomposed
    const res = await postEvents(key, {
      ...base,
      id: "t1",
      tags: ["beta", nfd, "café", "beta", " prod "],
      userId: nfd,
      sessionId: `s-${nfd}`,
      feature: `f-${nfd}`,
      metadata: { [nfd]: "x" },
    });
    expect(res.status).toBe(200);
    const [row] = await testDb().sql`SELECT tags, user_id, session_id, feature, metadata FROM cost_events WHERE project_id = ${projectId}`;
    expect(row).toMatchObject({ tags: ["beta", "café", "prod"], user_id: "café", session_id: "s-café", feature: "f-café", metadata: { "café": "x" } });
    await foldAll(testDb().sql);
    const [rollup] = await testDb().sql`SELECT count(*)::int AS n FROM attribution_daily WHERE project_id = ${projectId} AND dim = 'tag'`;
    expect(rollup?.n).toBe(3);
  });

  it("rejects bad tags naming the field: 400 when nothing is valid, 207 with the rest stored", async () => {
    const { key } = await newProject("tags-bad");
    const cases: unknown[] = ["prod", [""], ["x".repeat(65)], Array.from({ length: 21 }, (_, i) => `t${i}`), [1]];
    for (const tags of cases) {
      const res = await postEvents(key, { ...base, tags });
      expect(res.status, JSON.stringify(tags)).toBe(400);
      expect(JSON.stringify(res.body)).toContain("tags");
    }
    const mixed = await postEvents(key, { events: [{ ...base, tags: ["ok"] }, { ...base, tags: [""] }] });
    expect(mixed.status).toBe(207);
    expect(mixed.body).toMatchObject({ accepted: 1, rejected: [{ index: 1, issues: [{ path: "tags.0" }] }] });
    const twenty = await postEvents(key, { ...base, tags: Array.from({ length: 20 }, (_, i) => `t${i}`) });
    expect(twenty.status).toBe(200);
  });
});
