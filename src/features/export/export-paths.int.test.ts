// The two events-CSV paths produce the same bytes: COPY with the neutralisation done in SQL, and
// DECLARE/FETCH + neutralise() + csv-stringify. Run in-process on the real database.
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { closeTestDb, describeWithDb, newProject, testDb } from "~/test/integration";
import { generateEvents } from "../../../scripts/lib/generate";
import type { ExportRequest } from "./schemas";
import { openExport, type ExportEngine } from "./server/export";
import { exportApplicationName } from "./server/snapshot";
import type { Source } from "./server/source";
import { trickyEvents } from "./tricky-events.fixture";

afterAll(closeTestDb);

let projectId = "";
const N = 2_400;

beforeAll(async () => {
  projectId = (await newProject("export-paths")).projectId;
  const events: unknown[] = [...generateEvents(N, { seed: 11, days: 3, idPrefix: "ep" }), ...trickyEvents("tp")];
  // A feature holding a quote and a backslash: the COPY path inlines it as a literal.
  events.push({ id: "quote-feature", provider: "openai", model: "gpt-4o-mini", feature: "O'Reilly \\ \"q\"", inputTokens: 5, outputTokens: 1 });
  for (let i = 0; i < events.length; i += 1000) {
    const r = await ingestEvents(testDb(), projectId, events.slice(i, i + 1000));
    expect(r.rejected).toEqual([]);
  }
}, 60_000);

async function readAll(source: Source): Promise<string> {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 1_000_000; i++) {
    const chunk = await source.next();
    if (chunk === null) break;
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString("utf8");
}

async function exportText(request: ExportRequest, engine: ExportEngine, maxRows = 1_000_000) {
  return readAll(await openExport(testDb(), projectId, request, { maxRows, engine }));
}

const csv = (filters: ExportRequest["filters"] = {}): ExportRequest => ({ kind: "events", format: "csv", filters });

describeWithDb("events CSV: COPY path = csv-stringify path", () => {
  it("writes byte-identical files, tricky strings included", async () => {
    const viaCopy = await exportText(csv(), "copy");
    const viaCursor = await exportText(csv(), "cursor");
    expect(viaCopy.split("\n").length).toBeGreaterThan(N);
    expect(viaCopy).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(viaCopy).toContain("'@SUM(A1)");
    expect(viaCopy).toContain("'＝1+1 full-width equals");
    expect(viaCopy).toBe(viaCursor);
  });

  it("is identical with filters, including a literal holding a quote and a backslash", async () => {
    const feature = "O'Reilly \\ \"q\"";
    const a = await exportText(csv({ feature }), "copy");
    expect(a.split("\n")).toHaveLength(3); // header, one row, final newline
    expect(a).toBe(await exportText(csv({ feature }), "cursor"));
    const window = { from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 60_000), status: "error" as const };
    const b = await exportText(csv(window), "copy");
    expect(b).toBe(await exportText(csv(window), "cursor"));
  });

  it("ends a capped file with the same marker row on both paths", async () => {
    const a = await exportText(csv(), "copy", 7);
    expect(a).toBe(await exportText(csv(), "cursor", 7));
    const lines = a.trimEnd().split("\n");
    expect(lines.at(-1)).toMatch(/^"?_truncated: the export stopped at the row limit of 7/);
  });

  it("ends every capped or complete COPY export, however the last rows fall into chunks", async () => {
    // Regression: postgres.js could leave its socket paused after COPY, hanging the connection.
    const total = N + 18;
    for (const maxRows of [total + 1, total, total - 1, 2_000, 1_500, 999, 420, 1]) {
      const source = await openExport(testDb(), projectId, csv(), { maxRows, engine: "copy" });
      const text = await Promise.race([readAll(source), new Promise<string>((_, reject) => setTimeout(() => reject(new Error(`hang at ${maxRows}`)), 10_000))]);
      const all: string[][] = parse(text);
      const records = all.slice(1);
      const capped = maxRows < total;
      expect(records).toHaveLength(Math.min(total, maxRows) + (capped ? 1 : 0));
      expect(records.at(-1)?.[0]?.startsWith("_truncated")).toBe(capped);
    }
    const [{ n } = { n: 0 }] = await testDb().sql<{ n: number }[]>`SELECT count(*)::int AS n FROM cost_events WHERE project_id = ${projectId}`;
    expect(n).toBe(total);
  });

  it("releases the connection when a source is closed mid-way", async () => {
    const { sql } = testDb();
    for (const engine of ["copy", "cursor"] as const) {
      const source = await openExport(testDb(), projectId, { kind: "events", format: "csv", filters: {} }, { maxRows: 1_000_000, engine });
      expect(await source.next()).not.toBeNull();
      expect(await source.next()).not.toBeNull();
      await source.close();
      const rows = await sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${exportApplicationName(projectId)}`;
      expect(rows[0]?.n).toBe(0);
    }
  });
});

describeWithDb("events JSON and NDJSON: COPY path = JS writer path", () => {
  for (const format of ["json", "ndjson"] as const) {
    it(`${format}: byte-identical files, tricky strings, filters and capped files included`, async () => {
      const request = (filters: ExportRequest["filters"] = {}): ExportRequest => ({ kind: "events", format, filters });
      const all = await exportText(request(), "copy");
      expect(all.split("\n").length).toBeGreaterThan(N);
      expect(all).toBe(await exportText(request(), "cursor"));
      const feature = "O'Reilly \\ \"q\"";
      expect(await exportText(request({ feature }), "copy")).toBe(await exportText(request({ feature }), "cursor"));
      expect(await exportText(request({ feature: "no-such-feature" }), "copy")).toBe(await exportText(request({ feature: "no-such-feature" }), "cursor"));
      for (const maxRows of [1, 7, 420, N + 17, N + 18, N + 19]) {
        expect(await exportText(request(), "copy", maxRows), `cap ${maxRows}`).toBe(await exportText(request(), "cursor", maxRows));
      }
      if (format === "json") expect(JSON.parse(all)).toHaveLength(N + 18);
      else expect(all.trimEnd().split("\n").map((l) => JSON.parse(l) as unknown)).toHaveLength(N + 18);
    });
  }
});
