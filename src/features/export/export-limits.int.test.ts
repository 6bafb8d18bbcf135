// A server of its own with a 2-connection pool (so one export slot) and a small row cap: the cap
// marker in every format, aborted downloads that free their connection at once, the slot limit.
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { startAppServer, type AppServer } from "~/test/app-server";
import { closeTestDb, describeWithHttp, newProject, testDb } from "~/test/integration";
import { generateEvents } from "../../../scripts/lib/generate";
import { exportBackends, exportFetch, parseCsv, parseNdjson, sleep, waitNoExportBackend } from "~/test/export-helpers";

const CAP = 3_000;
let server: AppServer | null = null;
let small = { projectId: "", key: "" };
let big = { projectId: "", key: "" };

async function ingest(projectId: string, events: unknown[]) {
  for (let i = 0; i < events.length; i += 500) {
    const r = await ingestEvents(testDb(), projectId, events.slice(i, i + 500));
    expect(r.rejected).toEqual([]);
  }
}

beforeAll(async () => {
  const pgUrl = inject("pgUrl");
  if (!pgUrl || !inject("baseUrl")) return;
  server = await startAppServer({ DATABASE_URL: pgUrl, DB_POOL_MAX: "2", EXPORT_MAX_ROWS: String(CAP), REDIS_URL: "", LOG_LEVEL: "error",
    // The embedding worker would hold pool connections; this pool is sized for one export.
    EMBEDDING_WORKER: "off",
  });
  small = await newProject("export-cap");
  await ingest(small.projectId, [...generateEvents(CAP + 5, { seed: 51, days: 2, idPrefix: "cap" })]);
  // ~24 MB of CSV: far more than the socket buffers between PostgreSQL, the app and the client,
  // so an export is still running when the test aborts it.
  big = await newProject("export-abort");
  const filler = "lorem ipsum dolor sit amet ".repeat(300);
  await ingest(big.projectId, [...generateEvents(CAP, { seed: 52, days: 2, idPrefix: "big" })].map((e, i) => ({ ...e, prompt: `${i} ${filler}` })));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await closeTestDb();
});

const url = () => {
  if (!server) throw new Error("no server");
  return server.url;
};

describeWithHttp("export row cap, aborted downloads and the export slot", () => {
  it("ends a capped file cleanly with a marker in every format and says the cap in a header", async () => {
    const csv = await exportFetch(url(), "/api/export/events", small.key);
    expect(csv.headers.get("x-export-row-limit")).toBe(String(CAP));
    const records = parseCsv(await csv.text());
    expect(records).toHaveLength(CAP + 1);
    expect(records.at(-1)?.eventId).toMatch(/^_truncated: the export stopped at the row limit of 3000/);
    const json = JSON.parse(await (await exportFetch(url(), "/api/export/events?format=json", small.key)).text()) as unknown[];
    expect(json).toHaveLength(CAP + 1);
    expect(json.at(-1)).toEqual({ _truncated: true, limit: CAP });
    const nd = parseNdjson(await (await exportFetch(url(), "/api/export/events?format=ndjson", small.key)).text());
    expect(nd).toHaveLength(CAP + 1);
    expect(nd.at(-1)).toEqual({ _truncated: true, limit: CAP });
    // Under the cap: no marker.
    const models = parseNdjson(await (await exportFetch(url(), "/api/export/models?format=ndjson", small.key)).text());
    expect(models.some((m) => "_truncated" in m)).toBe(false);
  });

  // An aborted export's slot is released when the server sees the cancel, a moment after its
  // backend is gone (the limit is one export per instance here): each export waits for the slot,
  // as a client honouring Retry-After would, rather than reading a 503's body as the export.
  it("frees the connection at once when the client aborts mid-stream (COPY and cursor paths)", async () => {
    for (const format of ["csv", "ndjson", "json"]) {
      const controller = new AbortController();
      const res = await whenSlotFree(`/api/export/events?format=${format}`, big.key, { signal: controller.signal });
      expect(res.status, format).toBe(200);
      const reader = res.body?.getReader();
      if (!reader) throw new Error("no body");
      expect((await reader.read()).done).toBe(false);
      expect((await reader.read()).done).toBe(false);
      // Mid-stream: the export's backend is there, in its transaction.
      const during = await exportBackends(big.projectId);
      expect(during.length, format).toBe(1);
      controller.abort();
      // The name lasts as long as the transaction: gone means rolled back, neither active nor
      // idle in transaction (a pinned connection would keep it).
      const ms = await waitNoExportBackend(big.projectId);
      expect(ms, `${format}: backend still there after abort`).toBeGreaterThanOrEqual(0);
    }
    // Three aborted exports on a 2-connection pool: if any had pinned a connection, this would hang.
    const full = await whenSlotFree("/api/export/events?format=ndjson", small.key, { signal: AbortSignal.timeout(30_000) });
    expect(parseNdjson(await full.text())).toHaveLength(CAP + 1);
    expect((await fetch(`${url()}/api/health`)).status).toBe(200);
  });

  async function whenSlotFree(path: string, key: string, init: RequestInit): Promise<Response> {
    for (let i = 0; i < 100; i++) {
      const res = await exportFetch(url(), path, key, init);
      if (res.status !== 503) return res;
      await res.arrayBuffer();
      await sleep(20);
    }
    throw new Error(`${path}: the export slot was never freed`);
  }

  it("answers 503 with Retry-After when the instance's export slots are taken", async () => {
    const controller = new AbortController();
    const first = await exportFetch(url(), "/api/export/events", big.key, { signal: controller.signal });
    const reader = first.body?.getReader();
    expect((await reader?.read())?.done).toBe(false);
    const second = await exportFetch(url(), "/api/export/models", small.key);
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toBe("10");
    controller.abort();
    expect(await waitNoExportBackend(big.projectId)).toBeGreaterThanOrEqual(0);
    // The slot is free again (released by the cancel, not by a timeout).
    for (let i = 0; i < 50; i++) {
      const again = await exportFetch(url(), "/api/export/models", small.key);
      await again.arrayBuffer();
      if (again.status === 200) return;
      await sleep(20);
    }
    throw new Error("export slot not released after the abort");
  });
});
