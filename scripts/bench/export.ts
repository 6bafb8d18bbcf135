// npm run bench:export -- [--events 1000000] [--large 5000000] [--formats csv,json,ndjson] [--pg URL] [--keep] [--db NAME]
// GET /api/export/events over HTTP on `next start` against a fresh database on the real
// PostgreSQL: rows/s and the server's RSS growth per format, at --events and again at --large
// (0 skips it), next to the same COPY statement run without the app (postgres.js in this
// process, and psql to /dev/null) and the cursor + csv-stringify path in-process.
// Data: --events realistic events through the ingestion service (scripts/lib/seed.ts), then
// copies of those rows made in SQL (new ids, timestamps a month back per copy) up to --large.
// --db NAME reuses a database kept by an earlier --keep run: no seeding, one size (the rows it holds).
import os from "node:os";
import { EVENT_COLUMNS, csvHeader, eventsCopyStatement } from "~/features/export/server";
import { createApiKey } from "~/server/auth/api-keys";
import { prepareSchema } from "~/startup/bootstrap";
import { createDbClient, type DbClient } from "~/server/db";
import { intArg } from "../lib/args";
import { verdict } from "./lib/load";
import { seedEvents } from "../lib/seed";
import { copyInProcess, copyWithPsql, cursorInProcess, growEvents, httpExport, type HttpMeasured, type Measured } from "./lib/export-phases";
import { buildId, createBenchDatabase, DEFAULT_PG, ensureBuild, reusedDatabase, startNextServer, type BenchDatabase, type RunningServer } from "./lib/harness";
import { fmtInt } from "./lib/loop";
import { commandLine, row } from "./lib/report";

const FORMATS = ["csv", "json", "ndjson"] as const;
type Format = (typeof FORMATS)[number];
// Lines per file on top of the rows: JSON's "[" and "]"; NDJSON none (CSV is checked by bytes).
const EXTRA_LINES: Record<Format, number> = { csv: 1, json: 2, ndjson: 0 };
const TARGET_ROWS_PER_S = 500_000;
const TARGET_RSS_MIB = 50;

const redact = (url: string) => url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
const perSec = (m: Measured, rows: number) => (m.seconds > 0 ? rows / m.seconds : Number.NaN);
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;

type SizeResult = { rows: number; http: Map<Format, HttpMeasured>; copy: Measured; psql: Measured | null; cursor: Measured | null };

export async function run(args: Map<string, string>, signal: AbortSignal): Promise<number> {
  const events = intArg(args, "events", 1_000_000);
  const large = intArg(args, "large", 5_000_000);
  const formats = (args.get("formats") ?? FORMATS.join(",")).split(",") as Format[];
  if (formats.some((f) => !FORMATS.includes(f))) throw new Error(`--formats takes ${FORMATS.join(",")}`);
  if (events < 1 || events > 20_000_000 || (large !== 0 && large <= events) || large > 50_000_000) {
    throw new Error("--events must be 1..20,000,000 and --large 0 or above --events (at most 50,000,000)");
  }
  const pg = args.get("pg") ?? DEFAULT_PG;
  const reuse = args.get("db") ?? null;
  const keep = args.has("keep") || reuse !== null;
  const command = commandLine(process.argv.slice(2));
  console.log(`[bench] ${command}`);
  ensureBuild();
  let db: BenchDatabase | null = null;
  let client: DbClient | null = null;
  let server: RunningServer | null = null;
  let failed = false;
  try {
    db = reuse ? reusedDatabase(pg, reuse) : await createBenchDatabase(pg);
    const bench = db;
    const dbc = createDbClient(bench.url, { max: 4 });
    client = dbc;
    await prepareSchema(bench.url, dbc);
    const { key, projectId } = await createApiKey(dbc.db, "bench-export", "bench");
    const [held] = await dbc.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM cost_events WHERE project_id = ${projectId}`;
    const reused = held?.n ?? 0;
    if (reuse && reused === 0) throw new Error(`--db ${reuse}: the bench project holds no events (was it kept by bench:export?)`);
    if (!reused) {
      console.log(`[bench] seeding ${fmtInt(events)} events through the ingestion service…`);
      const seeded = await seedEvents(dbc, projectId, events, { seed: 7, days: 30, idPrefix: "bx", concurrency: 2 });
      console.log(`[bench] seeded in ${seeded.seconds.toFixed(0)} s (${fmtInt(seeded.accepted / seeded.seconds)}/s)`);
      await dbc.sql`VACUUM (ANALYZE) cost_events`;
    } else console.log(`[bench] reusing ${bench.name}: ${fmtInt(reused)} events`);
    server = await startNextServer(
      // No embedding worker: it would embed the seeded prompts during the measurements.
      { DATABASE_URL: bench.url, LOG_LEVEL: "warn", REDIS_URL: "", EMBEDDING_WORKER: "off", EXPORT_MAX_ROWS: String(Math.max(events, large) + 1) },
      signal,
    );
    const srv = server;
    const measure = async (rows: number): Promise<SizeResult> => {
      // Warm-up (JIT, plan cache) on a small window, not timed.
      await httpExport(srv.baseUrl, key, `/api/export/events?from=${new Date(Date.now() - 3_600_000).toISOString()}`, srv.pid, signal);
      const http = new Map<Format, HttpMeasured>();
      for (const format of formats) {
        if (signal.aborted) break;
        console.log(`[bench] ${fmtInt(rows)} events as ${format} over HTTP…`);
        const m = await httpExport(srv.baseUrl, key, `/api/export/events?format=${format}`, srv.pid, signal);
        http.set(format, { ...m, rows: m.lines - EXTRA_LINES[format] });
      }
      const statement = eventsCopyStatement(projectId, {}, rows + 1);
      console.log("[bench] the same COPY without the app…");
      const copy = await copyInProcess(dbc, statement);
      // Quoted newlines make CSV lines ≠ rows: the file must be the header plus COPY's exact bytes.
      const csv = http.get("csv");
      if (csv) csv.rows = csv.bytes === Buffer.byteLength(csvHeader(EVENT_COLUMNS)) + copy.bytes ? copy.rows : -1;
      const psql = await copyWithPsql(bench.url, statement, signal);
      console.log("[bench] cursor + csv-stringify in-process…");
      const cursor = rows <= 2_000_000 ? await cursorInProcess(dbc, projectId, { kind: "events", format: "csv", filters: {} }, rows + 1) : null;
      return { rows, http, copy, psql, cursor };
    };
    const results: SizeResult[] = [await measure(reused || events)];
    if (!reused && large > 0 && !signal.aborted) {
      console.log(`[bench] growing to ${fmtInt(large)} events with SQL copies…`);
      const grow = await growEvents(dbc, projectId, events, large);
      console.log(`[bench] grown in ${grow.toFixed(0)} s`);
      results.push(await measure(large));
    }

    const out: string[] = ["", "=== AI Cost Profiler: export benchmark ==="];
    out.push(row("command", command));
    out.push(row("machine", `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, build ${buildId()}`));
    out.push(row("database", `${bench.name} on ${redact(pg)}${keep ? " (kept)" : " (dropped at the end)"}`));
    out.push(row("data", reused ? `${fmtInt(reused)} events in a reused database` : `${fmtInt(events)} events via ingestion (seed 7, 30 days)${large ? `, SQL copies up to ${fmtInt(large)}` : ""}`));
    for (const r of results) {
      const limit = perSec(r.copy, r.copy.rows);
      out.push("", `${fmtInt(r.rows)} events (GET /api/export/events, whole project, newest first):`);
      for (const [format, m] of r.http) {
        const ok = m.status === 200 && m.rows === r.rows;
        if (!ok) failed = true;
        const rate = perSec(m, m.rows);
        out.push(row(`${format} over HTTP`, `${fmtInt(rate)} rows/s  ${(m.bytes / 1048576 / m.seconds).toFixed(0)} MiB/s  ${m.seconds.toFixed(1)} s  ${mib(m.bytes)}  ` +
          `${format === "csv" ? `${((100 * rate) / limit).toFixed(0)}% of COPY  ` : ""}rows ${fmtInt(m.rows)} ${ok ? "OK" : `MISMATCH (HTTP ${m.status})`}`));
        out.push(row(`  server RSS`, `before ${m.rssBefore.toFixed(0)} MiB, peak ${m.rssPeak.toFixed(0)} MiB: growth ${(m.rssPeak - m.rssBefore).toFixed(1)} MiB` +
          ` (VmHWM ${m.hwmBefore.toFixed(0)} → ${m.hwmAfter.toFixed(0)} MiB)`));
      }
      out.push(row("COPY, postgres.js in-process", `${fmtInt(limit)} rows/s  ${(r.copy.bytes / 1048576 / r.copy.seconds).toFixed(0)} MiB/s  ${r.copy.seconds.toFixed(1)} s  rows ${fmtInt(r.copy.rows)}`));
      if (r.psql) out.push(row("COPY, psql > /dev/null", `${fmtInt(perSec(r.psql, r.rows))} rows/s  ${r.psql.seconds.toFixed(1)} s`));
      if (r.cursor) out.push(row("cursor + csv-stringify in-process", `${fmtInt(perSec(r.cursor, r.cursor.rows))} rows/s  ${r.cursor.seconds.toFixed(1)} s`));
      const csv = r.http.get("csv");
      if (csv) {
        const rate = perSec(csv, csv.rows);
        const growth = Math.max(...[...r.http.values()].map((m) => m.rssPeak - m.rssBefore));
        out.push(row("targets", `CSV ≥ ${fmtInt(TARGET_ROWS_PER_S)} rows/s: ${verdict(rate >= TARGET_ROWS_PER_S)}; ≥ 25% of COPY: ` +
          `${verdict(rate >= 0.25 * limit)}; RSS growth ≤ ${TARGET_RSS_MIB} MiB: ${verdict(growth <= TARGET_RSS_MIB)} (${growth.toFixed(1)} MiB)`));
      }
      // Issue 16: JSON and NDJSON at ≥ 80% of the CSV rate of the same run, each with RSS growth ≤ 50 MiB.
      for (const format of ["json", "ndjson"] as const) {
        const m = r.http.get(format);
        if (!csv || !m) continue;
        const share = perSec(m, m.rows) / Math.max(perSec(csv, csv.rows), 1e-9);
        const growth = m.rssPeak - m.rssBefore;
        out.push(row(`  ${format} ÷ CSV`, `${(100 * share).toFixed(0)}% of the CSV rate (target ≥ 80%): ${share >= 0.8 ? "met" : "NOT met"}; ` +
          `RSS growth ${growth.toFixed(1)} MiB (≤ ${TARGET_RSS_MIB}): ${growth <= TARGET_RSS_MIB ? "met" : "NOT met"}`));
      }
    }
    if (signal.aborted) out.push(row("interrupted", "yes: the figures cover only the part that ran"));
    console.log(out.join("\n"));
  } catch (err) {
    failed = true;
    console.error(`[bench] failed: ${err instanceof Error ? err.message : String(err)}`);
    if (server) console.error(`[bench] last server lines:\n${server.tail().slice(-15).join("\n")}`);
  } finally {
    await server?.stop().catch((err: unknown) => console.error(`[bench] could not stop the server: ${String(err)}`));
    await client?.sql.end({ timeout: 5 }).catch(() => undefined);
    if (db && keep) console.log(`[bench] kept database: ${redact(db.url)}`);
    else await db?.drop().catch((err: unknown) => console.error(`[bench] could not drop the database: ${String(err)}`));
  }
  return failed || signal.aborted ? 1 : 0;
}
