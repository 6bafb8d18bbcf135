// npm run bench:ratelimit -- [--slices 12] [--slice-seconds 2] [--clients 4] [--batch 10] [--warmup 3]
//   [--decisions 20000] [--pg URL] [--redis URL] [--on redis|memory|off]
// What the rate limiter costs ingestion: two `next start` servers on one fresh database, one with
// the Redis-backed limiter (limit far above the load) and one with RATE_LIMIT_DISABLED=1. The
// machine is shared (builds, tests), so the two are measured in short alternating slices (on/off,
// then off/on, ...) and compared pair by pair: a burst of outside work hits both alike. Once with
// 1 client (latency, unsaturated) and once with `--clients` (throughput, saturated); server CPU per
// request is reported too, as it hardly depends on what else runs. Then the limiter's own decision
// time in this process, and checks that every limited request was counted in Redis.
// `--on memory` measures the in-process limiter instead; `--on off` disables both servers (an A/A
// run: whatever difference it shows is the machine's noise floor, not the limiter).
import { randomBytes } from "node:crypto";
import os from "node:os";
import { Redis } from "ioredis";
import { createApiKey } from "~/server/auth/api-keys";
import { prepareSchema } from "~/startup/bootstrap";
import { createDbClient, type DbClient } from "~/server/db";
import { parseTrustedProxies } from "~/server/client-ip";
import { PEER_HEADER } from "~/server/peer-address";
import { RateLimiter, rateLimitHeaders } from "~/server/rate-limit";
import { ingestionRule, requestSubjects } from "~/server/rate-limit-rules";
import { intArg } from "../lib/args";
import { verdict } from "./lib/load";
import { batchTemplates, render } from "./lib/bodies";
import { buildId, createBenchDatabase, DEFAULT_PG, DEFAULT_REDIS, ensureBuild, redisReachable, startNextServer, type BenchDatabase, type RunningServer } from "./lib/harness";
import { createPoster, type Poster } from "./lib/http-client";
import { closedLoop, fmtInt, fmtMs, percentiles, type LoopResult } from "./lib/loop";
import { cpuSnapshot, cpuSplit } from "./lib/proc";
import { commandLine, row } from "./lib/report";

type Mode = "on" | "off";
type Load = "latency" | "throughput";
type Sample = { mode: Mode; load: Load; pair: number; result: LoopResult; serverCpuUs: number };

const HOUR = 3_600_000;

const rps = (r: LoopResult) => r.okOps / Math.max(1e-9, r.seconds);

/** One mode's slices of one load, pooled: requests/s over the summed time, all latencies together. */
function pooled(samples: Sample[], mode: Mode, load: Load) {
  const mine = samples.filter((s) => s.mode === mode && s.load === load);
  const ok = mine.reduce((n, s) => n + s.result.okOps, 0);
  const seconds = mine.reduce((n, s) => n + s.result.seconds, 0);
  const [p50 = NaN, p99 = NaN] = percentiles(mine.flatMap((s) => s.result.latenciesMs), [50, 99]);
  const cpu = mine.reduce((n, s) => n + (Number.isFinite(s.serverCpuUs) ? s.serverCpuUs * s.result.okOps : 0), 0) / Math.max(1, ok);
  return { rps: ok / Math.max(1e-9, seconds), p50, p99, cpu };
}

/** Per adjacent on/off pair of slices, `f(on) / f(off)` or `f(on) - f(off)`: quartiles, robust to bursts. */
function paired(samples: Sample[], load: Load, f: (r: LoopResult) => number, how: "ratio" | "diff") {
  const values: number[] = [];
  for (const on of samples.filter((s) => s.load === load && s.mode === "on")) {
    const off = samples.find((s) => s.load === load && s.mode === "off" && s.pair === on.pair);
    if (off) values.push(how === "ratio" ? f(on.result) / f(off.result) : f(on.result) - f(off.result));
  }
  const [q1 = NaN, q2 = NaN, q3 = NaN] = percentiles(values, [25, 50, 75]);
  return { q1, median: q2, q3 };
}

/** The sum of the counters of one Redis key prefix (all windows), read with a bounded SCAN. */
async function countedUnder(redis: Redis, match: string): Promise<number> {
  let cursor = "0";
  let total = 0;
  for (let i = 0; i < 10_000; i++) {
    const [next, keys] = await redis.scan(cursor, "MATCH", match, "COUNT", 1000);
    for (const v of keys.length ? await redis.mget(...keys) : []) total += Number(v ?? 0);
    cursor = next;
    if (cursor === "0") break;
  }
  return total;
}

/**
 * The proxy's limiter path without Next around it (subjects from headers incl. the key hash, both
 * counters in Redis, response headers): wall time per decision and this process's CPU per decision.
 */
async function decisionTimes(redisUrl: string, prefix: string, key: string, count: number) {
  const redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  try {
    await new Promise((r) => redis.once("ready", r));
    const limiter = new RateLimiter({ redis, prefix, algorithm: "sliding", windowMs: HOUR, timeoutMs: 50, onStateChange: () => undefined });
    const rule = ingestionRule(() => 1_000_000_000);
    const context = { trust: parseTrustedProxies(undefined), overrides: new Map<string, number>() };
    const headers = new Headers({ authorization: `Bearer ${key}`, "x-forwarded-for": "203.0.113.7", [PEER_HEADER]: "203.0.113.7" });
    const times: number[] = [];
    const sources = new Set<string>();
    let cpu = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      if (i === 500) cpu = process.cpuUsage(); // after warm-up (script load, JIT)
      const t = performance.now();
      const decision = await limiter.limit(requestSubjects(rule, headers, context).subjects);
      rateLimitHeaders(decision);
      if (i >= 500) times.push(performance.now() - t);
      sources.add(decision.source);
    }
    const used = process.cpuUsage(cpu);
    const [p50 = NaN, p99 = NaN] = percentiles(times, [50, 99]);
    return { p50, p99, cpuUs: (used.user + used.system) / Math.max(1, times.length), sources };
  } finally {
    redis.disconnect();
  }
}

export async function run(args: Map<string, string>, signal: AbortSignal): Promise<number> {
  const cfg = {
    slices: intArg(args, "slices", 12),
    sliceSeconds: intArg(args, "slice-seconds", 2),
    clients: intArg(args, "clients", 4),
    batch: intArg(args, "batch", 10),
    warmup: intArg(args, "warmup", 3),
    decisions: intArg(args, "decisions", 20_000),
    pg: args.get("pg") ?? DEFAULT_PG,
    redis: args.get("redis") ?? DEFAULT_REDIS,
    // memory: the "on" server has no REDIS_URL (the embedded default); off: A/A, both disabled
    on: args.get("on") ?? "redis",
  };
  if (cfg.on !== "redis" && cfg.on !== "memory" && cfg.on !== "off") throw new Error("--on must be redis, memory or off");
  if (cfg.clients < 1 || cfg.clients > 64 || cfg.batch < 1 || cfg.batch > 1000 || cfg.slices < 1 || cfg.sliceSeconds < 1) {
    throw new Error("--clients 1..64, --batch 1..1000, --slices ≥ 1, --slice-seconds ≥ 1");
  }
  const command = commandLine(process.argv.slice(2));
  console.log(`[bench] ${command}`);
  if (!(await redisReachable(cfg.redis))) throw new Error(`Redis is not reachable at ${cfg.redis}: the limiter-on phases need it`);
  ensureBuild();
  const tag = randomBytes(3).toString("hex");
  const prefixes: Record<Mode, string> = { on: `acp-bench-rl-${tag}`, off: `acp-bench-rl-off-${tag}` };
  let db: BenchDatabase | null = null;
  let client: DbClient | null = null;
  const started: RunningServer[] = [];
  const probe = new Redis(cfg.redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let failed = false;
  try {
    db = await createBenchDatabase(cfg.pg);
    const dbName = db.name;
    client = createDbClient(db.url, { max: 2 });
    await prepareSchema(db.url, client);
    const { key } = await createApiKey(client.db, "bench-ratelimit", "bench");
    const templates = batchTemplates(64, cfg.batch);
    // No embedding worker: both servers would race for the new prompts (SKIP LOCKED) and whichever
    // claimed more would look slower for CPU that has nothing to do with the limiter.
    const common = { DATABASE_URL: db.url, LOG_LEVEL: "warn", REDIS_URL: cfg.redis, RATE_LIMIT_EVENTS_PER_HOUR: "1000000000", EMBEDDING_WORKER: "off" };
    console.log("[bench] starting two servers (limiter on / RATE_LIMIT_DISABLED=1)…");
    const variant: Record<string, string> = cfg.on === "memory" ? { REDIS_URL: "" } : cfg.on === "off" ? { RATE_LIMIT_DISABLED: "1" } : {};
    const on = await startNextServer({ ...common, RATE_LIMIT_PREFIX: prefixes.on, ...variant }, signal);
    started.push(on);
    const off = await startNextServer({ ...common, RATE_LIMIT_PREFIX: prefixes.off, RATE_LIMIT_DISABLED: "1" }, signal);
    started.push(off);
    const servers: Record<Mode, RunningServer> = { on, off };

    const samples: Sample[] = [];
    const posters: Record<Mode, Poster> = {
      on: createPoster(servers.on.baseUrl, key, "http", cfg.clients),
      off: createPoster(servers.off.baseUrl, key, "http", cfg.clients),
    };
    let seq = 0;
    let onRequests = 0;
    const slice = async (mode: Mode, load: Load, seconds: number, pair: number | null) => {
      const server = servers[mode];
      if (!server) throw new Error(`no ${mode} server`);
      const before = cpuSnapshot(server.pid, dbName);
      const result = await closedLoop({
        label: `${mode} ${load}`,
        workers: load === "latency" ? 1 : cfg.clients,
        seconds,
        maxOps: seconds * 20_000,
        signal,
        op: async () => {
          const t = templates[seq % templates.length];
          if (!t) throw new Error("no templates");
          const body = render(t, `${tag}${seq++}`);
          const res = await posters[mode].post("/api/v1/events", body.text, body.bytes);
          return res.status === 200 ? { ok: true, events: t.slots } : { ok: false, error: `HTTP ${res.status}: ${res.text.slice(0, 200)}` };
        },
      });
      const cpu = cpuSplit(before, cpuSnapshot(server.pid, dbName));
      if (mode === "on") onRequests += result.ops;
      if (result.errors > 0) failed = true;
      const serverCpuUs = result.okOps > 0 ? (cpu.server * result.seconds * 1e6) / result.okOps : NaN;
      if (pair !== null) samples.push({ mode, load, pair, result, serverCpuUs });
    };

    console.log(`[bench] warm-up ${cfg.warmup} s each…`);
    for (const mode of ["off", "on"] as const) await slice(mode, "throughput", cfg.warmup, null);
    for (const load of ["latency", "throughput"] as const) {
      console.log(`[bench] ${load}: ${cfg.slices} pairs of ${cfg.sliceSeconds} s slices…`);
      for (let pair = 0; pair < cfg.slices && !signal.aborted; pair++) {
        // Alternate which mode goes first, so neither always follows the other's backlog.
        for (const mode of pair % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const)) await slice(mode, load, cfg.sliceSeconds, pair);
      }
    }
    for (const p of Object.values(posters)) p.close();

    console.log(`[bench] limiter decisions in this process (${fmtInt(cfg.decisions)} calls, 2 counters each)…`);
    const decisions = await decisionTimes(cfg.redis, `acp-bench-rl-direct-${tag}`, key, cfg.decisions);

    await probe.connect();
    const countedOn = await countedUnder(probe, `${prefixes.on}:ingest:key:*`);
    const countedOff = await countedUnder(probe, `${prefixes.off}:*`);

    const lat = { on: pooled(samples, "on", "latency"), off: pooled(samples, "off", "latency") };
    const thr = { on: pooled(samples, "on", "throughput"), off: pooled(samples, "off", "throughput") };
    const addedP99 = lat.on.p99 - lat.off.p99;
    const p50Diff = paired(samples, "latency", (r) => percentiles(r.latenciesMs, [50])[0] ?? NaN, "diff");
    const ratio = paired(samples, "throughput", rps, "ratio");
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    // The robust estimates: the limiter's wall time is what a request waits for it; its CPU against
    // the server's CPU per request is what it can take off throughput when the server is the limit.
    const cpuShare = decisions.cpuUs / thr.off.cpu;
    const onLabel = { redis: "limiter on (Redis)", memory: "limiter on (in process)", off: "limiter off again (A/A)" }[cfg.on];
    const line = (label: string, p: ReturnType<typeof pooled>) =>
      row(label, `${fmtInt(p.rps).padStart(5)} req/s (${fmtInt(p.rps * cfg.batch)} events/s)  p50 ${fmtMs(p.p50)} ms  p99 ${fmtMs(p.p99)} ms  server ${fmtInt(p.cpu)} µs CPU/req`);
    const out: string[] = ["", "=== AI Cost Profiler: rate limiter cost on ingestion ==="];
    out.push(row("command", command));
    out.push(row("machine", `${os.cpus().length} cores, node ${process.version}, build ${buildId()}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`));
    out.push(row("load", `POST /api/v1/events, ${cfg.batch}-event batches, ${cfg.slices} alternating pairs of ${cfg.sliceSeconds} s slices per load`));
    out.push("", "Over HTTP, latency with 1 client (unsaturated):");
    out.push(line("limiter off (RATE_LIMIT_DISABLED=1)", lat.off), line(onLabel, lat.on));
    out.push(row("added p50, pairs: median (IQR)", `${fmtMs(p50Diff.median)} ms (${fmtMs(p50Diff.q1)} … ${fmtMs(p50Diff.q3)})`));
    out.push(row("added p99, pooled", `${fmtMs(addedP99)} ms`));
    out.push("", `Over HTTP, throughput with ${cfg.clients} clients (saturated):`);
    out.push(line("limiter off (RATE_LIMIT_DISABLED=1)", thr.off), line(onLabel, thr.on));
    out.push(row("cost, pairs: median (IQR)", `${pct(1 - ratio.median)} (${pct(1 - ratio.q3)} … ${pct(1 - ratio.q1)}); pooled ${pct(1 - thr.on.rps / thr.off.rps)}`));
    out.push(row("server CPU per request", `${thr.on.cpu >= thr.off.cpu ? "+" : ""}${fmtInt(thr.on.cpu - thr.off.cpu)} µs`));
    out.push("", "The limiter path alone, in this process (subjects + key hash, IP and key counters in Redis, headers):");
    out.push(row("wall p50 / p99", `${(decisions.p50 * 1000).toFixed(0)} µs / ${(decisions.p99 * 1000).toFixed(0)} µs  (answered by ${[...decisions.sources].join(", ")})`));
    out.push(row("CPU per decision", `${decisions.cpuUs.toFixed(0)} µs = ${pct(cpuShare)} of the server's ${fmtInt(thr.off.cpu)} µs CPU per request`));
    out.push("", "Targets (from the limiter path alone; the HTTP figures above include the machine's noise, see --on off):");
    out.push(row("added p99 ≤ 1 ms", `${verdict(decisions.p99 <= 1)} (${(decisions.p99 * 1000).toFixed(0)} µs; over HTTP pooled ${fmtMs(addedP99)} ms)`));
    out.push(row("throughput cost ≤ 5%", `${verdict(cpuShare <= 0.05)} (${pct(cpuShare)} of server CPU; over HTTP median ${pct(1 - ratio.median)})`));
    out.push("", "Checks:");
    const okOn = cfg.on === "redis" ? countedOn === onRequests : countedOn === 0;
    out.push(row("on: counted in Redis", `${fmtInt(countedOn)} of ${fmtInt(onRequests)} requests ${okOn ? "OK" : "MISMATCH"}${cfg.on === "redis" ? "" : " (none expected)"}`));
    out.push(row("limiter off: nothing counted", `${countedOff} ${countedOff === 0 ? "OK" : "MISMATCH"}`));
    out.push(row("decisions answered by Redis", decisions.sources.size === 1 && decisions.sources.has("redis") ? "OK" : "NO: fell back to process memory"));
    if (!okOn || countedOff !== 0 || !decisions.sources.has("redis") || decisions.sources.size !== 1) failed = true;
    if (signal.aborted) out.push(row("interrupted", "yes: the figures cover only the part that ran"));
    console.log(out.join("\n"));
  } catch (err) {
    failed = true;
    console.error(`[bench] failed: ${err instanceof Error ? err.message : String(err)}`);
    for (const s of started) console.error(s.tail().slice(-10).join("\n"));
  } finally {
    await Promise.all(started.map((s) => s.stop().catch(() => undefined)));
    await client?.sql.end({ timeout: 5 }).catch(() => undefined);
    await db?.drop().catch((err: unknown) => console.error(`[bench] could not drop ${db?.name ?? ""}: ${String(err)}`));
    // Leave the shared Redis as found: the counters of this run only.
    for (const match of [`${prefixes.on}:*`, `acp-bench-rl-direct-${tag}:*`]) {
      let cursor = "0";
      for (let i = 0; i < 10_000; i++) {
        const [next, keys] = await probe.scan(cursor, "MATCH", match, "COUNT", 1000).catch(() => ["0", []] as [string, string[]]);
        if (keys.length) await probe.del(...keys).catch(() => undefined);
        cursor = next;
        if (cursor === "0") break;
      }
    }
    probe.disconnect();
  }
  return failed ? 1 : 0;
}
