// npm run bench:ingest -- [--seconds 30] [--clients 4] [--batch 500] [--pg URL] [--keep]
//   [--warmup 3] [--single-seconds 10] [--baseline-seconds 5] [--client http|fetch] [--redis URL|none]
//   [--days 30]  (event timestamps spread over the last N days; e.g. 0.04 ≈ live traffic of the last hour)
//   [--profile DIR]  (the server writes a V8 CPU profile of the whole run into DIR when it stops)
// Sustained ingestion through POST /api/v1/events on `next start` against a fresh database on the
// real PostgreSQL, then the same batches without HTTP for comparison, then exact count checks.
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { createApiKey } from "~/server/auth/api-keys";
import { prepareSchema } from "~/startup/bootstrap";
import { createDbClient, type DbClient } from "~/server/db";
import { foldAll } from "~/server/rollups/fold";
import { intArg } from "../lib/args";
import { runBaselines, type BaselineResult } from "./lib/baseline";
import { batchTemplates, render, singleTemplates, type BodyTemplate } from "./lib/bodies";
import {
  buildId, createBenchDatabase, DEFAULT_PG, DEFAULT_REDIS, ensureBuild, redisReachable, serverKind, startNextServer,
  type BenchDatabase, type RunningServer,
} from "./lib/harness";
import { createPoster, type ClientKind, type Poster } from "./lib/http-client";
import { closedLoop, fmtInt, fmtMs, percentiles, type LoopResult, type OpOutcome } from "./lib/loop";
import { cpuSnapshot, cpuSplit, descendants, memoryMiB, type CpuSplit } from "./lib/proc";
import { commandLine, CPU_HEADER, cpuLine, latencyLine, rate, row } from "./lib/report";

type Config = {
  seconds: number; clients: number; batch: number; warmup: number; singleSeconds: number; baselineSeconds: number;
  pg: string; keep: boolean; client: ClientKind; redis: string | null; days: number; profile: string | null;
};

function readConfig(args: Map<string, string>): Config {
  const client = args.get("client") ?? "http";
  if (client !== "http" && client !== "fetch") throw new Error("--client must be http or fetch");
  const redis = args.get("redis") ?? DEFAULT_REDIS;
  const days = Number(args.get("days") ?? "30");
  if (!Number.isFinite(days) || days <= 0 || days > 365) throw new Error("--days must be a number in (0, 365]");
  const cfg: Config = {
    seconds: intArg(args, "seconds", 30),
    clients: intArg(args, "clients", 4),
    batch: intArg(args, "batch", 500),
    warmup: intArg(args, "warmup", 3),
    singleSeconds: intArg(args, "single-seconds", 10),
    baselineSeconds: intArg(args, "baseline-seconds", 5),
    pg: args.get("pg") ?? DEFAULT_PG,
    keep: args.has("keep"),
    client,
    redis: redis === "none" ? null : redis,
    days,
    profile: args.get("profile") ?? null,
  };
  if (cfg.clients < 1 || cfg.clients > 256) throw new Error("--clients must be between 1 and 256");
  if (cfg.batch < 1 || cfg.batch > 1000) throw new Error("--batch must be between 1 and 1000 (the API's limit)");
  if (cfg.seconds < 1 || cfg.seconds > 3600) throw new Error("--seconds must be between 1 and 3600");
  return cfg;
}

const redact = (url: string) => url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");

/** 200 with every event of the request accepted; anything else is an error with its reason. */
function checkAnswer(status: number, text: string, expected: number): OpOutcome {
  if (status !== 200) return { ok: false, error: `HTTP ${status}: ${text.slice(0, 300)}` };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, error: `HTTP 200 with a non-JSON body: ${text.slice(0, 200)}` };
  }
  const b = (typeof body === "object" && body !== null ? body : {}) as { accepted?: unknown; duplicates?: unknown; rejected?: unknown };
  if (b.accepted === expected) return { ok: true, events: expected };
  const rejected = Array.isArray(b.rejected) ? b.rejected.length : "?";
  return { ok: false, error: `HTTP 200 but accepted ${String(b.accepted)} of ${expected} (duplicates ${String(b.duplicates)}, rejected ${rejected})` };
}

type Phase = { result: LoopResult; cpu: CpuSplit };

// Issue 16's figure for single-event requests/s on a quiet machine before this work (the target is 3×).
const BEFORE_SINGLE_RPS = 228;

export async function run(args: Map<string, string>, signal: AbortSignal): Promise<number> {
  const cfg = readConfig(args);
  const command = commandLine(process.argv.slice(2));
  console.log(`[bench] ${command}`);
  ensureBuild();
  const runTag = randomBytes(3).toString("hex");
  let db: BenchDatabase | null = null;
  let client: DbClient | null = null;
  let server: RunningServer | null = null;
  let poster: Poster | null = null;
  let failed = false;
  try {
    db = await createBenchDatabase(cfg.pg);
    console.log(`[bench] database ${db.name} created; migrating…`);
    const dbName = db.name;
    const dbc = createDbClient(db.url, { max: cfg.clients + 1 });
    client = dbc;
    await prepareSchema(db.url, dbc);
    const { key, projectId } = await createApiKey(dbc.db, "bench-http", "bench");
    const redisOk = cfg.redis !== null && (await redisReachable(cfg.redis));
    console.log(`[bench] generating request bodies (outside the timed phases)…`);
    const batches = batchTemplates(64, cfg.batch, { days: cfg.days });
    const singles = singleTemplates(2000, { days: cfg.days });
    const bodyMiB = batches.reduce((s, t) => s + t.fixedBytes, 0) / 64 / 1048576;
    console.log(`[bench] starting the server (LOG_LEVEL=warn, Redis ${redisOk ? "on" : "off"})…`);
    server = await startNextServer(
      {
        DATABASE_URL: db.url,
        LOG_LEVEL: "warn",
        RATE_LIMIT_EVENTS_PER_HOUR: "1000000000",
        ...(redisOk && cfg.redis ? { REDIS_URL: cfg.redis } : { REDIS_URL: "" }),
      },
      signal,
      { nodeArgs: cfg.profile ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(cfg.profile)}`] : [] },
    );
    const serverPid = server.pid;
    const snap = () => cpuSnapshot(serverPid, dbName);
    poster = createPoster(server.baseUrl, key, cfg.client, cfg.clients);
    const post = poster.post;

    const phase = async (label: string, tag: string, seconds: number, templates: BodyTemplate[], record: boolean): Promise<Phase> => {
      console.log(`[bench] ${label}: ${seconds} s, ${cfg.clients} clients…`);
      const before = snap();
      const result = await closedLoop({
        label,
        workers: cfg.clients,
        seconds,
        maxOps: Math.ceil(seconds * 5000 * cfg.clients),
        signal,
        op: async (seq) => {
          const t = templates[seq % templates.length];
          if (!t) throw new Error("no templates");
          const body = render(t, `${runTag}${tag}${seq}`);
          const res = await post("/api/v1/events", body.text, body.bytes);
          return checkAnswer(res.status, res.text, t.slots);
        },
      });
      const cpu = cpuSplit(before, snap());
      if (!record) result.latenciesMs = [];
      return { result, cpu };
    };

    const warm = await phase("warm-up", "w", cfg.warmup, batches, false);
    const sustained = await phase(`sustained ${cfg.batch}-event batches`, "s", cfg.seconds, batches, true);
    const single = await phase("single events", "e", cfg.singleSeconds, singles, true);
    const mem = memoryMiB(serverPid);
    const childMem = descendants(serverPid).map((pid) => ({ pid, mem: memoryMiB(pid) }));
    await server.stop(); // idle server out of the way for the in-process baselines
    server = null;
    // The server folded in the background during the phases (its CPU is in theirs); fold the rest.
    const foldSnap = snap();
    const foldT0 = performance.now();
    const foldedAtEnd = await foldAll(dbc.sql);
    const foldTail = { events: foldedAtEnd, seconds: (performance.now() - foldT0) / 1000, cpu: cpuSplit(foldSnap, snap()) };

    const baselines: BaselineResult[] =
      cfg.baselineSeconds > 0
        ? await runBaselines({ client: dbc, templates: batches, workers: cfg.clients, seconds: cfg.baselineSeconds, runTag, signal, snapshot: snap })
        : [];

    // Exact checks: every accepted event is stored once and counted once in the hourly rollup.
    const httpAccepted = warm.result.events + sustained.result.events + single.result.events;
    const checks: { label: string; expected: number; events: number; calls: number | null }[] = [];
    await foldAll(dbc.sql); // the baselines' events, so the rollup checks below read tables alone
    const count = async (project: string, rollup: boolean) => {
      const [e] = await dbc.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM cost_events WHERE project_id = ${project}`;
      const [u] = rollup ? await dbc.sql<{ n: number }[]>`SELECT coalesce(sum(calls), 0)::int AS n FROM usage_hourly WHERE project_id = ${project}` : [];
      return { events: e?.n ?? -1, calls: rollup ? (u?.n ?? -1) : null };
    };
    checks.push({ label: "HTTP project", expected: httpAccepted, ...(await count(projectId, true)) });
    for (const b of baselines) {
      checks.push({ label: `${b.name} project`, expected: b.result.events, ...(await count(b.projectId, b.name !== "raw-insert")) });
    }

    // ---- report ----
    const s = sustained.result;
    const e = single.result;
    const errors = warm.result.errors + s.errors + e.errors + baselines.reduce((n, b) => n + b.result.errors, 0);
    const out: string[] = [];
    out.push("", "=== AI Cost Profiler: ingestion benchmark ===");
    out.push(row("command", command));
    out.push(row("settings", `--seconds ${cfg.seconds} --clients ${cfg.clients} --batch ${cfg.batch} --warmup ${cfg.warmup}` +
      ` --single-seconds ${cfg.singleSeconds} --baseline-seconds ${cfg.baselineSeconds} --client ${cfg.client} --days ${cfg.days}`));
    out.push(row("machine", `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, build ${buildId()}`));
    out.push(row("database", `${dbName} on ${redact(cfg.pg)}${cfg.keep ? " (kept)" : " (dropped at the end)"}`));
    out.push(row("server", `${serverKind()} pid ${serverPid}, Redis ${redisOk ? "on" : "off"}, client ${cfg.client} keep-alive`));
    out.push(row("request body", `${cfg.batch} events ≈ ${(bodyMiB * 1024).toFixed(0)} KiB; 64 templates, ids rewritten per request, timestamps over ${cfg.days} days`));
    out.push("", `HTTP POST /api/v1/events, ${cfg.batch}-event batches, ${cfg.clients} clients, ${s.seconds.toFixed(1)} s (after ${cfg.warmup} s warm-up):`);
    out.push(row("events/s sustained", rate(s.events, s.seconds)));
    out.push(row("batches/s", `${(s.okOps / s.seconds).toFixed(1)}/s (${fmtInt(s.okOps)} ok of ${fmtInt(s.ops)})`));
    out.push(row("batch latency", latencyLine(s)));
    out.push(row("errors", String(s.errors)));
    out.push("", `HTTP single events (1 event per request), ${cfg.clients} clients, ${e.seconds.toFixed(1)} s:`);
    out.push(row("requests/s", rate(e.okOps, e.seconds)));
    out.push(row("latency", latencyLine(e, [50, 99])));
    out.push(row("errors", String(e.errors)));
    out.push("", "Server memory:");
    out.push(row("peak RSS (VmHWM)", mem ? `${mem.peak.toFixed(0)} MiB (RSS at end ${mem.current.toFixed(0)} MiB)` : "n/a (no /proc)"));
    for (const c of childMem) out.push(row(`  child pid ${c.pid} peak RSS`, c.mem ? `${c.mem.peak.toFixed(0)} MiB` : "n/a"));
    if (baselines.length > 0) {
      out.push("", `Without HTTP, from this process (same ${cfg.batch}-event batches, ${cfg.clients} connections, after the HTTP phases):`);
      const what: Record<BaselineResult["name"], string> = {
        "raw-insert": "raw INSERT…unnest (events only)",
        "insert-events": "insertEvents (app SQL)",
        "ingest-events": "ingestEvents (service, no HTTP)",
      };
      for (const b of baselines) {
        out.push(row(what[b.name], `${rate(b.result.events, b.result.seconds).padEnd(12)} ${latencyLine(b.result, [50, 99])}${b.result.errors ? `  errors ${b.result.errors}` : ""}`));
      }
    }
    out.push("", "CPU, average cores busy (pg bench = backends of the bench database; pg exited = PostgreSQL processes that ended" +
      " during the phase (autovacuum, closed connections, also of other databases); loadgen = this process; other = anything else on the machine;" +
      " node/pg µs = CPU time per event, less sensitive than throughput to other load on the machine):", CPU_HEADER);
    const perSec = (r: LoopResult, n: number) => (r.seconds > 0 ? n / r.seconds : 0);
    out.push(cpuLine("HTTP batches", sustained.cpu, perSec(s, s.events), "event"));
    out.push(cpuLine("HTTP single events", single.cpu, perSec(e, e.okOps), "request"));
    for (const b of baselines) out.push(cpuLine(b.name, b.cpu, perSec(b.result, b.result.events), "event"));
    out.push(cpuLine("fold of the last tail", foldTail.cpu, foldTail.seconds > 0 ? foldTail.events / foldTail.seconds : 0, "event"));
    out.push(`  (rollups are folded off the request path by the server during the HTTP phases, so their CPU is in those lines;` +
      ` the last ${fmtInt(foldTail.events)} events were folded after the server stopped, in ${foldTail.seconds.toFixed(2)} s)`);
    const raw = baselines.find((b) => b.name === "raw-insert");
    const rawRate = raw && raw.result.seconds > 0 ? raw.result.events / raw.result.seconds : 0;
    const httpRate = s.seconds > 0 ? s.events / s.seconds : 0;
    const [p99 = NaN] = percentiles(s.latenciesMs, [99]);
    const singleRate = e.seconds > 0 ? e.okOps / e.seconds : 0;
    const serverMsPerRequest = singleRate > 0 ? (single.cpu.server * 1000) / singleRate : NaN;
    const pgUsPerEvent = (c: CpuSplit, r: number) => (r > 0 ? ((c.pgBench + c.pgExited) * 1e6) / r : NaN);
    out.push("", "Targets (issue 16; same run, quiet machine):");
    out.push(row("HTTP batches ÷ raw INSERT…unnest", rawRate > 0 ? `${((100 * httpRate) / rawRate).toFixed(0)}%  (target ≥ 70%)` : "n/a (no baseline: --baseline-seconds 0)"));
    out.push(row("batch latency p99", `${fmtMs(p99)} ms  (target ≤ 150 ms)`));
    out.push(row("single events: server CPU", `${fmtMs(serverMsPerRequest)} ms per request  (target ≤ 1.2 ms; 4.6 ms before)`));
    out.push(row("single events: requests/s", `${rate(e.okOps, e.seconds)}  = ${(singleRate / BEFORE_SINGLE_RPS).toFixed(1)}× the ${BEFORE_SINGLE_RPS} req/s before  (target ≥ 3×)`));
    out.push(row("pg CPU per event: HTTP / raw", `${pgUsPerEvent(sustained.cpu, httpRate).toFixed(0)} µs / ${raw ? pgUsPerEvent(raw.cpu, rawRate).toFixed(0) : "n/a"} µs  (HTTP includes the fold)`));
    out.push("", "Checks:");
    for (const c of checks) {
      const okEvents = c.events === c.expected;
      const okCalls = c.calls === null || c.calls === c.expected;
      if (!okEvents || !okCalls) failed = true;
      const calls = c.calls === null ? "" : `, usage_hourly sum(calls) ${fmtInt(c.calls)} ${okCalls ? "OK" : "MISMATCH"}`;
      out.push(row(c.label, `accepted ${fmtInt(c.expected)}, cost_events ${fmtInt(c.events)} ${okEvents ? "OK" : "MISMATCH"}${calls}`));
    }
    out.push(row("request errors (all phases)", String(errors)));
    if (signal.aborted) out.push(row("interrupted", "yes: the figures cover only the part that ran"));
    if (errors > 0 || signal.aborted) failed = true;
    console.log(out.join("\n"));
  } catch (err) {
    failed = true;
    console.error(`[bench] failed: ${err instanceof Error ? err.message : String(err)}`);
    if (server) console.error(`[bench] last server lines:\n${server.tail().slice(-15).join("\n")}`);
  } finally {
    poster?.close();
    await server?.stop().catch((err: unknown) => console.error(`[bench] could not stop the server: ${String(err)}`));
    await client?.sql.end({ timeout: 5 }).catch(() => undefined);
    if (cfg.profile) console.log(`[bench] server CPU profile (if written) in ${path.resolve(cfg.profile)}`);
    if (db && cfg.keep) console.log(`[bench] kept database: ${redact(db.url)}`);
    else await db?.drop().then(
      () => console.log(`[bench] dropped ${db?.name ?? ""}`),
      (err: unknown) => console.error(`[bench] could not drop ${db?.name ?? ""}: ${String(err)}`),
    );
  }
  return failed ? 1 : 0;
}
