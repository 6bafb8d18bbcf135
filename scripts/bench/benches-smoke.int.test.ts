// Benchmarks cannot rot: every `npm run bench:*` runs here at tiny sizes against the real services
// (PostgreSQL, Redis, `next start`, Chromium), and must finish with exit 0 and print its figures.
// Nothing here looks at a figure's value: the machine running CI is shared and timed assertions
// are not tests. A new bench without an entry below fails the first test.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { pgUrl, redisUrl } from "~/test/integration";

/** `cluster`: the bench is also run on the Citus target (docs/citus.md measures it on a cluster). */
type Smoke = { args: string[]; prints: RegExp[]; needsRedis?: boolean; cluster?: boolean };

const SMOKE: Record<string, Smoke> = {
  budgets: {
    args: ["--events", "2000", "--budgets", "300", "--users", "50", "--ticks", "2", "--ingest-seconds", "1", "--tick-ms", "1000", "--fresh", "--drop", "--name", `acp_bench_smoke_${randomBytes(4).toString("hex")}`],
    prints: [/first tick \(raises the alerts\)\s+[\d.]+ ms wall, [\d.]+ ms in the database/, /evaluation tick\s+p50 [\d.]+ ms wall/, /alerts stored.*OK, none repeated/, /ingestion, evaluator every 1 s\s+[\d,]+ events\/s/],
  },
  ingest: {
    cluster: true,
    args: ["--seconds", "1", "--clients", "2", "--batch", "20", "--warmup", "1", "--single-seconds", "1", "--baseline-seconds", "1"],
    prints: [/events\/s sustained\s+[\d,]+\/s/, /requests\/s\s+[\d,]+\/s/, /HTTP project\s+accepted [\d,]+, cost_events [\d,]+ OK/],
  },
  export: {
    args: ["--events", "1500", "--large", "0"],
    prints: [/csv over HTTP\s+[\d,]+ rows\/s.*rows 1,500 OK/, /ndjson over HTTP.*rows 1,500 OK/, /COPY, postgres\.js in-process\s+[\d,]+ rows\/s/, /targets\s+CSV/],
  },
  query: {
    cluster: true,
    args: ["--events", "3000", "--iterations", "2", "--deep", "200", "--warmup", "20", "--history-users", "3", "--history-calls", "40", "--fresh", "--drop", "--name", `acp_bench_smoke_${randomBytes(4).toString("hex")}`],
    prints: [
      /server warmed by 20 requests/,
      /users\.list 30 d, long history\s+p50 [\d.]+.*\(3 users, \d+ calls in the window, \d+ before it\)/,
      /events\.list first page\s+p50 [\d.]+/,
      /stats\.timeseries 30 d by day\s+p50/,
      /keyset 200 deep\s+p50/,
      /users\.list 30 d first\s+p50 [\d.]+.*raw GROUP BY p50/,
      /by meta customer 30 d first\s+p50/,
    ],
  },
  insights: {
    args: ["--events", "3000", "--iterations", "2", "--fresh", "--drop", "--name", `acp_bench_smoke_${randomBytes(4).toString("hex")}`],
    prints: [/insights\.whatIf 30 d, 3 targets\s+p50 [\d.]+/, /insights\.tierCliffs 30 d\s+p50/, /insights\.cacheOpportunities 30 d\s+p50/, /events\.receipt\s+p50/, /FOCUS export 30 d \(csv\)\s+[\d,]+ rows/],
  },
  ratelimit: {
    args: ["--slices", "1", "--slice-seconds", "1", "--clients", "2", "--batch", "5", "--warmup", "1", "--decisions", "800"],
    prints: [/limiter on \(Redis\)\s+[\d,]+ req\/s/, /wall p50 \/ p99\s+\d+ µs/, /on: counted in Redis.*OK/],
    needsRedis: true,
  },
  sdk: {
    args: ["--events", "1500", "--batch", "500", "--calls", "2000"],
    prints: [/events\/s end to end\s+[\d,]+\/s/, /delivered = stored.*OK/, /target: added p99 ≤ 0\.05 ms/],
  },
  similarity: {
    args: ["--prompts", "1200", "--noise", "200", "--repeats", "400", "--queries", "20", "--ef", "40", "--seconds", "1", "--clients", "4"],
    prints: [
      /embedding pipeline\s+[\d,]+ prompts\/s/,
      /stages\s+(index kept \(live inserts\).*)?prompts stored by [\d.]+ s, (index absent until [\d.]+ s, )?queue empty by [\d.]+ s/,
      /local embedder alone\s+[\d,]+ prompts\/s/,
      /edges found \(vs exact lists\)\s+([\d.]+%|n\/a) \([\d,]+ of [\d,]+ exact edges/,
      /recall@10 ef_search 40\s+[\d.]+/,
      /db, 1 client\s+p50/,
      /db, 4 clients\s+p50/,
      /searches at once\s+(\d+|no limit)/,
      /busy backends \(4 clients\)\s+\S/,
      /http, 4 clients\s+p50/,
      /prompts\.clusters first page\s+[\d.]+ ms computed/,
      /target pipeline/,
      /target 4 clients scale/,
      /target clusters/,
    ],
  },
  ui: {
    args: ["--events", "1500", "--runs", "1", "--rows", "200"],
    prints: [/events: first rows after navigation\s+median \d+ ms/, /overview: first rows after navigation\s+median \d+ ms/, /overview: chart drawn after navigation\s+median \d+ ms/, /overview: last request done\s+median \d+ ms/, /first visit \(warm-up, cold caches\)\s+\d+ ms/, /events: scroll to row \d+/],
  },
};

const root = path.resolve(import.meta.dirname, "../..");
const adminUrl = (() => {
  if (!pgUrl) return null;
  const u = new URL(pgUrl);
  u.pathname = "/postgres";
  return u.toString();
})();

// A bench still running after this long is stuck: what every node of the database is waiting on
// goes into the test's output before the bench is killed, so a hang explains itself.
const DIAGNOSE_AFTER_MS = 200_000;
const KILL_AFTER_MS = 280_000;

/** Sessions (busy ones first, with what they wait on; idle ones with their last statement) and ungranted locks on the admin URL's node and, on a Citus coordinator, every other node. */
async function whatIsWaiting(url: string): Promise<string> {
  const lines: string[] = [];
  const probe = async (nodeUrl: string, label: string) => {
    const sql = postgres(nodeUrl, { max: 1, connect_timeout: 5, idle_timeout: 1, onnotice: () => undefined });
    try {
      const rows = await sql<{ line: string }[]>`
        SELECT concat_ws(' | ', datname, pid, backend_type, state, wait_event_type || ':' || wait_event,
          'xact ' || round(extract(epoch FROM now() - xact_start))::text || ' s', 'query ' || round(extract(epoch FROM now() - query_start))::text || ' s',
          left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 300)) AS line
        FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type IN ('client backend', 'background worker')
        ORDER BY state = 'idle', xact_start NULLS LAST, query_start LIMIT 40`;
      const locks = await sql<{ line: string }[]>`
        SELECT concat_ws(' | ', 'waits', l.pid, l.locktype, l.mode, l.relation::regclass::text, 'blocked by ' || pg_blocking_pids(l.pid)::text) AS line
        FROM pg_locks l WHERE NOT l.granted`;
      const prepared = await sql<{ line: string }[]>`SELECT concat_ws(' | ', 'prepared', database, gid, prepared::text) AS line FROM pg_prepared_xacts`;
      lines.push(`[${label}]`, ...[...rows, ...locks, ...prepared].map((r) => `  ${r.line}`));
    } catch (err) {
      lines.push(`[${label}] could not look: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await sql.end({ timeout: 2 }).catch(() => undefined);
    }
  };
  await probe(url, "admin node");
  // The workers are listed in the metadata of whichever database holds Citus (the bench's own, not
  // the admin database), so every database of the admin node is asked.
  const workers = new Set<string>();
  const admin = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => undefined });
  try {
    const dbs = await admin<{ datname: string }[]>`SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate`.catch(() => []);
    for (const { datname } of dbs) {
      const u = new URL(url);
      u.pathname = `/${datname}`;
      const db = postgres(u.toString(), { max: 1, connect_timeout: 5, onnotice: () => undefined });
      const nodes = await db<{ host: string; port: number }[]>`SELECT nodename AS host, nodeport AS port FROM pg_dist_node WHERE groupid <> 0`.catch(() => []);
      await db.end({ timeout: 2 }).catch(() => undefined);
      for (const n of nodes) workers.add(`${n.host}:${n.port}`);
    }
  } finally {
    await admin.end({ timeout: 2 }).catch(() => undefined);
  }
  for (const hostPort of workers) {
    const u = new URL(url);
    u.host = hostPort;
    await probe(u.toString(), `worker ${hostPort}`);
  }
  return lines.join("\n");
}

function runBench(name: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    // Exactly what a developer types: the package.json script, through npm.
    // In its own process group, so that killing it also stops what npm started (the bench and its
    // `next start`), which a signal to npm alone leaves running.
    const child = spawn("npm", ["run", "--silent", `bench:${name}`, "--", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (out += d.toString("utf8")));
    const diagnose = setTimeout(() => {
      if (!adminUrl) return;
      // The processes (the bench, its next start, their state and CPU) and what the database waits on.
      const ps = spawnSync("ps", ["-eo", "pid,ppid,stat,etimes,pcpu,rss,args", "--sort=start_time"], { encoding: "utf8" }).stdout ?? "";
      const procs = ps.split("\n").filter((l) => /next-server|bench|postgres: .*acp_/.test(l) && !/ idle$/.test(l)).map((l) => l.slice(0, 220));
      void whatIsWaiting(adminUrl).then((report) => {
        out += `\n[smoke] bench:${name} still running after ${DIAGNOSE_AFTER_MS / 1000} s; processes:\n${procs.join("\n")}\nthe database now:\n${report}\n`;
      });
    }, DIAGNOSE_AFTER_MS);
    const timer = setTimeout(() => {
      out += `\n[smoke] bench:${name} killed after ${KILL_AFTER_MS / 1000} s\n`;
      killGroup("SIGTERM");
      setTimeout(() => killGroup("SIGKILL"), 5_000).unref();
    }, KILL_AFTER_MS);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      clearTimeout(diagnose);
      resolve({ code, out });
    });
  });
}

describe("benchmarks", () => {
  it("every bench has an npm script and a smoke run here", () => {
    const files = fs
      .readdirSync(path.join(root, "scripts/bench"))
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => f.slice(0, -3))
      .sort();
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    const scripts = Object.keys(pkg.scripts)
      .filter((s) => s.startsWith("bench:"))
      .map((s) => s.slice("bench:".length))
      .sort();
    expect(Object.keys(SMOKE).sort()).toEqual(files);
    expect(scripts).toEqual(files);
  });

  describe.skipIf(!adminUrl)("smoke runs at tiny sizes (real services)", () => {
    // On the Citus target, only the benches docs/citus.md runs against a cluster: the others read
    // and write through the same code there, and the single-node target smoke-runs every bench.
    const citus = process.env.TEST_CITUS === "1";
    for (const [name, smoke] of Object.entries(SMOKE).filter(([, s]) => !citus || s.cluster)) {
      it.skipIf(smoke.needsRedis && !redisUrl)(`npm run bench:${name} completes and prints its figures`, { timeout: 300_000 }, async () => {
        const extra = [...(adminUrl ? ["--pg", adminUrl] : []), ...(redisUrl && name !== "ui" && name !== "query" ? ["--redis", redisUrl] : [])];
        const { code, out } = await runBench(name, [...smoke.args, ...extra]);
        if (code !== 0) console.error(out.slice(-12000));
        expect(code).toBe(0);
        expect(out).toMatch(/load average before: [\d.]+ [\d.]+ [\d.]+/);
        expect(out).toMatch(/load average after: [\d.]+ [\d.]+ [\d.]+/);
        for (const figure of smoke.prints) expect(out).toMatch(figure);
        // A target line says met, NOT met, or that the machine was too busy to tell: never nothing.
        for (const line of out.split("\n").filter((l) => /^\s*targets?\b.*[≤≥]/i.test(l))) {
          expect(line).toMatch(/met|MET|not measured: machine busy/);
        }
      });
    }
  });
});
