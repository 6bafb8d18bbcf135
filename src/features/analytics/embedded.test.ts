// The folded rollups on the embedded default (PGlite, one shared backend): the fold's packed daily
// latency histograms and the lists that read them run the same SQL as on a real server.
import { describe, expect, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { latencyBucket, latencyBucketUpperMs } from "~/lib/latency";
import { createApiKey } from "~/server/auth/api-keys";
import { foldAll } from "~/server/rollups/fold";
import { startEmbeddedTestDb } from "~/test/embedded";
import { createContext } from "~/server/api/trpc";
import { queryRows } from "~/server/db/query";
import { createCaller } from "~/trpc/root";
import { aggregateItems, aggregatesQuery, attributionQuery, attributionRowSchema, getSummary, groupSources, userItems, type AggregateRow } from "./server";

const db = startEmbeddedTestDb("acp-pglite-rollups-");
const DAY = 86_400_000;
const T0 = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;

/** The p95 the lists report for these latencies: the upper bound of the raw percentile's bucket. */
const p95 = (ms: number[]) => latencyBucketUpperMs([...ms].map(latencyBucket).sort((a, b) => a - b)[Math.ceil(0.95 * ms.length) - 1] ?? 0);

describe("latency rollups on the embedded database", () => {
  it("folds in two rounds into packed daily rows whose p95 per feature and overall equal raw", async () => {
    const { projectId } = await createApiKey(db.client.db, "embedded-rollups");
    const latencies: Record<string, number[]> = { chat: [], search: [] };
    const events = (round: number) =>
      Array.from({ length: 120 }, (_, i) => {
        const feature = i % 3 === 0 ? "search" : "chat";
        const latencyMs = feature === "chat" ? 40 + ((i * 37 + round * 11) % 900) : 5 + ((i * 13 + round) % 60);
        latencies[feature]?.push(latencyMs);
        // Three whole days, the same days in both rounds: the second fold merges into stored rows.
        return { id: `r${round}-${i}`, timestamp: new Date(T0 + Math.floor(i / 40) * DAY + 3_600_000 + i * 1000).toISOString(), provider: "openai", model: "gpt-4o-mini", feature, inputTokens: 10, outputTokens: 5, latencyMs };
      });
    expect((await ingestEvents(db.client, projectId, events(0))).accepted).toBe(120);
    await foldAll(db.client.sql);
    expect((await ingestEvents(db.client, projectId, events(1))).accepted).toBe(120);
    await foldAll(db.client.sql);

    const [packed] = await db.client.sql<{ rows: number; calls: string }[]>`
      SELECT count(*)::int AS rows, (SELECT sum(n) FROM latency_daily, unnest(counts) n WHERE project_id = ${projectId})::text AS calls
      FROM latency_daily WHERE project_id = ${projectId}`;
    // 3 days × (2 features + 1 model + all), each bucket counted once per dimension.
    expect(packed).toEqual({ rows: 12, calls: String(240 * 3) });

    const window = { from: new Date(T0), to: new Date(T0 + 3 * DAY) };
    expect((await getSummary(db.client.db, projectId, window)).p95LatencyMs).toBe(p95([...(latencies.chat ?? []), ...(latencies.search ?? [])]));
    const rows = (await db.client.db.execute(aggregatesQuery(projectId, "features", window, null, null))) as unknown as AggregateRow[];
    const items = await aggregateItems(db.client.db, projectId, "features", window, rows);
    expect(Object.fromEntries(items.map((i) => [i.feature, i.p95LatencyMs]))).toEqual({ chat: p95(latencies.chat ?? []), search: p95(latencies.search ?? []) });
  });
});

describe("users by cost on the embedded database", () => {
  it("reads users from their totals in one read snapshot, costliest feature and model included, as the general path does", async () => {
    const { projectId, key } = await createApiKey(db.client.db, "embedded-users");
    const features = ["chat", "search", "summarize"];
    const events = Array.from({ length: 90 }, (_, i) => ({
      id: `u-${i}`,
      // Users 0–5 over three days; a window from the second day cuts the ones seen on the first.
      timestamp: new Date(T0 + (i % 3) * DAY + 3_600_000 + i * 1000).toISOString(),
      provider: "openai",
      model: i % 4 === 0 ? "gpt-4o" : "gpt-4o-mini",
      feature: features[(i * 7) % 3],
      userId: `user-${i % 6}`,
      inputTokens: 100 + i,
      outputTokens: 10,
    }));
    expect((await ingestEvents(db.client, projectId, events)).accepted).toBe(90);
    await foldAll(db.client.sql);
    const caller = createCaller(createContext({ headers: new Headers({ authorization: `Bearer ${key}` }), client: db.client }));
    for (const window of [{}, { from: new Date(T0 + DAY) }]) {
      const listed = await caller.users.list({ ...window, limit: 4 });
      const next = listed.nextCursor ? await caller.users.list({ ...window, limit: 4, cursor: listed.nextCursor }) : { items: [] };
      const rows = await queryRows(db.client.db, attributionRowSchema, attributionQuery(projectId, window, groupSources.user, { order: "cost", after: null, limit: null, withoutNone: true }));
      expect([...listed.items, ...next.items]).toEqual(await userItems(db.client.db, projectId, window, rows));
      expect(listed.items[0]?.topFeature).toBeTruthy();
    }
  });
});
