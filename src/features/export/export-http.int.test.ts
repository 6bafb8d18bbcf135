// GET/HEAD /api/export/{kind} over real HTTP (shared `next start`) against the real database.
import { afterAll, beforeAll, expect, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { createCaller } from "~/trpc/root";
import { createContext } from "~/server/api/trpc";
import { closeTestDb, describeWithHttp, newProject, requireBaseUrl, testDb } from "~/test/integration";
import { generateEvents } from "../../../scripts/lib/generate";
import {
  dbEvents, exportBackends, exportFetch, expectedCsvEvent, expectedJsonEvent, parseCsv, parseNdjson, picos, sleep, sumPicos,
} from "~/test/export-helpers";
import { trickyEvents } from "./tricky-events.fixture";

afterAll(closeTestDb);

let project = { projectId: "", key: "", name: "" };
const N = 1_500;
const get = (path: string, init?: RequestInit) => exportFetch(requireBaseUrl(), path, project.key, init);
const caller = (key: string) => createCaller(createContext({ headers: new Headers({ authorization: `Bearer ${key}` }), client: testDb() }));

async function ingest(projectId: string, events: unknown[]) {
  for (let i = 0; i < events.length; i += 1000) {
    const r = await ingestEvents(testDb(), projectId, events.slice(i, i + 1000));
    expect(r.rejected).toEqual([]);
  }
}

beforeAll(async () => {
  project = await newProject("export-http");
  await ingest(project.projectId, [...generateEvents(N, { seed: 21, days: 5, idPrefix: "eh" }), ...trickyEvents("th")]);
}, 60_000);

describeWithHttp("exports over HTTP", () => {
  it("streams the events as CSV that an independent parser reads back as exactly the database rows", async () => {
    const res = await get("/api/export/events");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8; header=present");
    const today = new Date().toISOString().slice(0, 10);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${project.name}-events-${today}.csv"`);
    expect(res.headers.get("x-export-row-limit")).toBe("10000000");
    expect(res.headers.get("content-encoding")).toBeNull();
    const records = parseCsv(await res.text());
    const rows = await dbEvents(project.projectId);
    expect(records).toHaveLength(rows.length);
    records.forEach((rec, i) => {
      const row = rows[i];
      if (!row) throw new Error("row missing");
      const { metadata, tags, ...rest } = rec;
      expect(rest).toEqual(expectedCsvEvent(row));
      expect(tags ? JSON.parse(tags) : null).toEqual(row.tags);
      expect(metadata ? JSON.parse(metadata) : null).toEqual(row.metadata);
    });
    const texts = records.map((r) => r.prompt);
    expect(texts).toContain(`'=HYPERLINK("http://x")`);
    expect(texts).toContain("'-1+2");
    expect(texts).toContain("'\tleading tab");
    expect(texts).toContain("line1\r\nline2\nline3\rline4");
    expect(records.some((r) => r.costUsd === "99999.999999999999")).toBe(true);
  });

  it("streams JSON (one array) and NDJSON that parse to the exact rows", async () => {
    const expected = (await dbEvents(project.projectId)).map(expectedJsonEvent);
    const json = await get("/api/export/events?format=json");
    expect(json.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(json.headers.get("content-disposition")).toMatch(/-events-\d{4}-\d\d-\d\d\.json"$/);
    expect(JSON.parse(await json.text())).toEqual(expected);
    const nd = await get("/api/export/events?format=ndjson");
    expect(nd.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    expect(parseNdjson(await nd.text())).toEqual(expected);
  });

  it("exports costs that sum to stats.summary to the picodollar, for events, features and models", async () => {
    const summary = await caller(project.key).stats.summary({});
    const events = parseCsv(await (await get("/api/export/events")).text());
    expect(events).toHaveLength(summary.calls);
    expect(sumPicos(events.map((r) => r.costUsd))).toBe(picos(summary.costUsd));
    for (const kind of ["features", "models"]) {
      const rows = parseCsv(await (await get(`/api/export/${kind}`)).text());
      expect(sumPicos(rows.map((r) => r.costUsd))).toBe(picos(summary.costUsd));
      expect(rows.reduce((s, r) => s + Number(r.calls), 0)).toBe(summary.calls);
    }
  });

  it("exports features, models and prompts with the same items as their tRPC lists", async () => {
    const c = caller(project.key);
    const window = { from: new Date(Date.now() - 3 * 86_400_000 + 1234), to: new Date(Date.now() + 3_600_000) };
    const query = `from=${window.from.toISOString()}&to=${window.to.toISOString()}`;
    const all = async <T,>(page: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>) => {
      const out: T[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 100; i++) {
        const p = await page(cursor);
        out.push(...p.items);
        cursor = p.nextCursor;
        if (!cursor) break;
      }
      return out;
    };
    const features = await all((cursor) => c.features.list({ ...window, cursor, limit: 7 }));
    expect(JSON.parse(await (await get(`/api/export/features?format=json&${query}`)).text())).toEqual(features);
    const models = await all((cursor) => c.models.list({ ...window, cursor, limit: 5 }));
    expect(parseNdjson(await (await get(`/api/export/models?format=ndjson&${query}`)).text())).toEqual(models);
    const prompts = await all((cursor) => c.prompts.list({ ...window, cursor, limit: 50 }));
    const exported = JSON.parse(await (await get(`/api/export/prompts?format=json&${query}`)).text()) as Record<string, unknown>[];
    // The list previews 300 characters, the export carries the full text; generated prompts are shorter.
    expect(exported).toEqual(prompts.map(({ preview, ...p }) => ({ ...p, text: preview })));
    const searched = parseNdjson(await (await get(`/api/export/prompts?format=ndjson&search=HYPERLINK`)).text());
    expect(searched.map((p) => p.text)).toEqual(['=HYPERLINK("http://x")']);
  });

  it("answers HEAD with the headers and runs no export query", async () => {
    const { sql } = testDb();
    // With prompts locked, any export query would wait; HEAD must not.
    await sql.begin(async (tx) => {
      await tx`LOCK TABLE prompts IN ACCESS EXCLUSIVE MODE`;
      const head = await get("/api/export/models?format=ndjson", { method: "HEAD", signal: AbortSignal.timeout(5_000) });
      expect(head.status).toBe(200);
      expect(head.headers.get("content-disposition")).toMatch(/-models-\d{4}-\d\d-\d\d\.ndjson"$/);
      expect(head.headers.get("x-export-row-limit")).toBe("10000000");
      expect(await head.text()).toBe("");
      expect(await exportBackends(project.projectId)).toEqual([]);
      // Control: a GET does reach the database and waits on the lock.
      const controller = new AbortController();
      const pending = get("/api/export/events", { signal: controller.signal }).catch(() => null);
      let waiting = false;
      for (let i = 0; i < 100 && !waiting; i++) {
        waiting = (await exportBackends(project.projectId)).some((b) => b.wait_event_type === "Lock");
        if (!waiting) await sleep(20);
      }
      expect(waiting).toBe(true);
      controller.abort();
      await pending;
    });
  });

  it("rejects bad kind, format, filter and date with 400 naming the parameter, and a bad key with 401", async () => {
    const cases: [string, string][] = [
      ["/api/export/teams", "kind"],
      ["/api/export/events?format=xlsx", "format"],
      ["/api/export/events?status=failed", "status"],
      ["/api/export/events?from=yesterday", "from"],
      ["/api/export/events?from=2025-02-01&to=2025-01-01", "to"],
      ["/api/export/features?limit=10", "limit"],
    ];
    for (const [path, param] of cases) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as { error: string; message: string; issues: { path: string }[] };
      expect(body.error).toBe("bad_request");
      expect(body.message).toContain(param);
      expect(body.issues.map((i) => i.path)).toContain(param);
    }
    const bad = await exportFetch(requireBaseUrl(), "/api/export/events", "acp_notarealkeynotarealkeynotarealkey00");
    expect(bad.status).toBe(401);
  });

  it("exports one snapshot while ingestion goes on: exactly the rows committed before it started", async () => {
    const p = await newProject("export-snap");
    await ingest(p.projectId, [...generateEvents(4_000, { seed: 31, days: 4, idPrefix: "s0" })]);
    for (const [round, format] of (["csv", "ndjson"] as const).entries()) {
      const before = await dbEvents(p.projectId);
      const summary = await caller(p.key).stats.summary({});
      const res = await exportFetch(requireBaseUrl(), `/api/export/events?format=${format}`, p.key);
      const reader = res.body?.getReader();
      if (!reader) throw new Error("no body");
      const chunks: Uint8Array[] = [];
      const first = await reader.read();
      if (first.value) chunks.push(first.value);
      // Newer and older timestamps, committed while the download is open.
      await ingest(p.projectId, [...generateEvents(1_500, { seed: 40 + round, days: 4, idPrefix: `late${round}` })]);
      expect((await dbEvents(p.projectId)).length).toBe(before.length + 1_500);
      for (let i = 0; i < 100_000; i++) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        if (i % 4 === 0) await sleep(2); // a slow reader
      }
      const text = Buffer.concat(chunks).toString("utf8");
      const ids = format === "csv" ? parseCsv(text).map((r) => r.eventId) : parseNdjson(text).map((r) => r.eventId as string);
      const costs = format === "csv" ? parseCsv(text).map((r) => r.costUsd) : parseNdjson(text).map((r) => r.costUsd as string | null);
      expect(ids).toEqual(before.map((r) => r.event_id));
      expect(sumPicos(costs)).toBe(picos(summary.costUsd));
    }
  });
});
