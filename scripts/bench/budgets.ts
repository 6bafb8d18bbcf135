// npm run bench:budgets -- [--events 5000000] [--budgets 10000] [--users 100000] [--ticks 5] [--ingest-seconds 30]
//   [--tick-ms 15000] (the evaluator's interval while ingesting: the server's default)
//   [--pg URL] [--fresh] [--drop] [--name acp_bench_budgets]
// Seeds (or reuses) a database with ≥ N events over 30 days from `--users` end users, creates
// `--budgets` budgets (an "each user" template, per-user, per-feature, per-tag, per-customer and
// project budgets over day, week and month), then times evaluation ticks (wall time and the time
// spent in the database) and in-process ingestion throughput with the evaluator running vs stopped.
import postgres from "postgres";
import { randomUUID } from "node:crypto";
import { evaluateOnce, leaseMsFor, startBudgetEvaluator } from "~/features/budgets/server";
import { ingestEvents } from "~/features/ingestion/server";
import { createApiKey } from "~/server/auth/api-keys";
import { createDbClient, type Db } from "~/server/db";
import { foldAll } from "~/server/rollups/fold";
import { startRollupFolder } from "~/server/rollups/worker";
import { prepareSchema } from "~/startup/bootstrap";
import { intArg } from "../lib/args";
import { generateEvents } from "../lib/generate";
import { seedEvents } from "../lib/seed";
import { DEFAULT_PG } from "./lib/harness";
import { fmtInt, fmtMs, percentiles } from "./lib/loop";
import { commandLine, row } from "./lib/report";

const DEFAULT_DB_NAME = "acp_bench_budgets";
const PROJECT = "bench-budgets";

async function ensureDatabase(adminUrl: string, fresh: boolean, dbName: string): Promise<string> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    if (fresh) await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    const exists = await admin`SELECT 1 FROM pg_database WHERE datname = ${dbName}`;
    if (exists.length === 0) await admin.unsafe(`CREATE DATABASE ${dbName}`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
}

async function dropDatabase(adminUrl: string, dbName: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** The db with its `execute` timed: every statement the evaluator runs goes through it. */
function timedDb(db: Db): { db: Db; take: () => number } {
  let spent = 0;
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop !== "execute" || typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        const t0 = performance.now();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          spent += performance.now() - t0;
        }
      };
    },
  });
  return { db: proxy, take: () => { const s = spent; spent = 0; return s; } };
}

/** The budgets, in a few set-based statements: most are per-user (the long tail a real project has). */
async function createBudgets(sql: postgres.Sql, projectId: string, total: number, users: number): Promise<void> {
  await sql`DELETE FROM budgets WHERE project_id = ${projectId}`;
  const fixed = [
    ["each user, day", "each_user", "", "", "0.50", "day"],
    ["each user, month", "each_user", "", "", "5", "month"],
    ["project, day", "project", "", "", "50", "day"],
    ["project, week", "project", "", "", "300", "week"],
    ["project, month", "project", "", "", "1000", "month"],
  ];
  for (const [name, scope, value, key, amount, period] of fixed) {
    await sql`INSERT INTO budgets (project_id, name, scope, scope_value, scope_key, amount_usd, period) VALUES (${projectId}, ${name ?? ""}, ${scope ?? ""}, ${value ?? ""}, ${key ?? ""}, ${amount ?? "1"}, ${period ?? "day"})`;
  }
  // features, tags and customers × periods: a few dozen
  await sql`INSERT INTO budgets (project_id, name, scope, scope_value, scope_key, amount_usd, period)
    SELECT ${projectId}, s.scope || ' ' || s.v || ' ' || p.period, s.scope, s.v, s.k, 20, p.period
    FROM (VALUES ('feature', 'chat-assistant', ''), ('feature', 'support-triage', ''), ('feature', 'summarize-ticket', ''), ('feature', 'doc-qa', ''),
                 ('feature', 'code-review', ''), ('feature', 'sql-generator', ''), ('feature', 'email-draft', ''),
                 ('tag', 'prod', ''), ('tag', 'beta', ''), ('tag', 'eu', ''), ('tag', 'mobile', ''),
                 ('metadata', 'acme', 'customer'), ('metadata', 'globex', 'customer'), ('metadata', 'initech', 'customer'),
                 ('model', 'gpt-4o-mini', ''), ('provider', 'anthropic', '')) AS s(scope, v, k)
    CROSS JOIN (VALUES ('day'), ('week'), ('month')) AS p(period)`;
  const [{ n } = { n: 0 }] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM budgets WHERE project_id = ${projectId}`;
  const perUser = Math.max(0, total - n);
  await sql`INSERT INTO budgets (project_id, name, scope, scope_value, amount_usd, period)
    SELECT ${projectId}, 'user ' || i, 'user', 'user-' || (i % ${Math.max(1, users)}), 2, (ARRAY['day', 'week', 'month'])[1 + i % 3]
    FROM generate_series(1, ${perUser}) i`;
}

async function ingestFor(client: ReturnType<typeof createDbClient>, projectId: string, seconds: number, seed: number): Promise<number> {
  const gen = generateEvents(10_000_000, { seed, days: 1, idPrefix: `b${seed}-${randomUUID().slice(0, 8)}`, users: 1000 });
  const until = performance.now() + seconds * 1000;
  let n = 0;
  const worker = async () => {
    while (performance.now() < until) {
      const batch: unknown[] = [];
      for (let i = 0; i < 500; i++) {
        const next = gen.next();
        if (next.done) break;
        batch.push(next.value);
      }
      n += (await ingestEvents(client, projectId, batch)).accepted;
    }
  };
  const t0 = performance.now();
  await Promise.all([worker(), worker()]);
  return n / ((performance.now() - t0) / 1000);
}

export async function run(args: Map<string, string>, signal: AbortSignal): Promise<number> {
  const events = intArg(args, "events", 5_000_000);
  const budgets = intArg(args, "budgets", 10_000);
  const users = intArg(args, "users", 100_000);
  const ticks = Math.max(1, intArg(args, "ticks", 5));
  const ingestSeconds = intArg(args, "ingest-seconds", 30);
  const tickMs = Math.max(100, intArg(args, "tick-ms", 15_000));
  const dbName = args.get("name") ?? DEFAULT_DB_NAME;
  if (!/^acp_bench_\w{1,40}$/.test(dbName)) throw new Error("--name must start with acp_bench_ (letters, digits, _)");
  const adminUrl = args.get("pg") ?? DEFAULT_PG;
  console.log(`[bench] ${commandLine(process.argv.slice(2))}`);
  const url = await ensureDatabase(adminUrl, args.has("fresh"), dbName);
  const client = createDbClient(url, { max: 6 });
  try {
    await prepareSchema(url, client);
    const { projectId } = await createApiKey(client.db, PROJECT, `bench-${Date.now()}`);
    const [{ n } = { n: 0 }] = await client.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM cost_events WHERE project_id = ${projectId}`;
    if (n < events) {
      console.log(`[bench] seeding ${fmtInt(events - n)} events (have ${fmtInt(n)}) from ${fmtInt(users)} users…`);
      const r = await seedEvents(client, projectId, events - n, { seed: 2000 + n, idPrefix: `bb${n}`, days: 30, users, concurrency: 4 });
      console.log(`[bench] seeded ${fmtInt(r.accepted)} in ${r.seconds.toFixed(0)} s`);
      await foldAll(client.sql);
      for (const t of ["cost_events", "usage_hourly", "usage_daily", "attribution_daily", "attribution_hourly"]) await client.sql.unsafe(`VACUUM ANALYZE ${t}`);
    }
    await foldAll(client.sql);
    if (signal.aborted) return 130;
    await createBudgets(client.sql, projectId, budgets, users);
    await client.sql`DELETE FROM budget_alerts WHERE project_id = ${projectId}`;
    const [{ b } = { b: 0 }] = await client.sql<{ b: number }[]>`SELECT count(*)::int AS b FROM budgets WHERE project_id = ${projectId}`;
    console.log(`[bench] ${fmtInt(b)} budgets (2 "each user" templates over ${fmtInt(users)} users)`);

    const timed = timedDb(client.db);
    const lease = `bench-${randomUUID()}`;
    const walls: number[] = [];
    const dbs: number[] = [];
    let firstRaised = 0;
    for (let i = 0; i <= ticks && !signal.aborted; i++) {
      timed.take();
      const t0 = performance.now();
      const r = await evaluateOnce(timed.db, { holder: "bench", leaseMs: 600_000, lease, projectIds: [projectId] });
      const wall = performance.now() - t0;
      const db = timed.take();
      if (!r.ran) throw new Error("the bench's lease was not granted");
      if (i === 0) {
        firstRaised = r.raised.length;
        console.log(row("first tick (raises the alerts)", `${fmtMs(wall)} ms wall, ${fmtMs(db)} ms in the database, ${fmtInt(r.measured)} spends, ${fmtInt(firstRaised)} alerts`));
      } else {
        walls.push(wall);
        dbs.push(db);
      }
    }
    const [wall50] = percentiles(walls, [50]);
    const [db50] = percentiles(dbs, [50]);
    console.log(row("evaluation tick", `p50 ${fmtMs(wall50 ?? NaN)} ms wall, p50 ${fmtMs(db50 ?? NaN)} ms in the database (${walls.length} ticks)`));
    const [{ a } = { a: 0 }] = await client.sql<{ a: number }[]>`SELECT count(*)::int AS a FROM budget_alerts WHERE project_id = ${projectId}`;
    console.log(row("alerts stored", `${fmtInt(a)} (= first tick's ${fmtInt(firstRaised)}: ${a === firstRaised ? "OK, none repeated" : "MISMATCH"})`));

    let off = NaN;
    let on = NaN;
    if (ingestSeconds > 0 && !signal.aborted) {
      // As on a server: a folder moves the new events into the rollups (every 250 ms, its own
      // connection) in both runs, so the evaluator reads a short unfolded tail, not a growing one.
      const folderClient = createDbClient(url, { max: 1 });
      const folder = startRollupFolder(folderClient.sql, 250);
      try {
        // Steady state, as on a server that has held the lease a while: the evaluator's cache is warm
        // (a new holder's first tick reads whole periods; so does a tick every 10 minutes). Off and on
        // alternate twice, half the time each, so drift (autovacuum, the fold) falls on both.
        const live = { holder: "bench-live", lease: `${lease}-live`, projectIds: [projectId] };
        await evaluateOnce(client.db, { ...live, leaseMs: leaseMsFor(tickMs) });
        const half = Math.max(1, Math.round(ingestSeconds / 2));
        const offs: number[] = [];
        const ons: number[] = [];
        for (let round = 0; round < 2 && !signal.aborted; round++) {
          offs.push(await ingestFor(client, projectId, half, 10 + round));
          const evaluator = startBudgetEvaluator(client.db, tickMs, { ...live, singleton: false, anomalyEveryMs: 0 });
          try {
            // its first tick runs at start: let it finish, so the window holds the ticks its interval implies
            await new Promise((r) => setTimeout(r, 2000));
            ons.push(await ingestFor(client, projectId, half, 20 + round));
          } finally {
            await evaluator.stop();
          }
        }
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        off = mean(offs);
        on = mean(ons);
      } finally {
        await folder.stop();
        await folderClient.sql.end({ timeout: 5 });
      }
      console.log(row("ingestion, evaluator stopped", `${fmtInt(off)} events/s`));
      console.log(row(`ingestion, evaluator every ${tickMs / 1000} s`, `${fmtInt(on)} events/s (${(((on - off) / off) * 100).toFixed(1)} %)`));
    }
    const tickMet = (wall50 ?? Infinity) <= 1000;
    console.log(`  target tick ≤ 1 s: ${tickMet ? "met" : "NOT met"}`);
    if (Number.isFinite(on) && Number.isFinite(off)) console.log(`  target ingestion with the evaluator ≥ 95 % of without: ${on >= off * 0.95 ? "met" : "NOT met"}`);
    return a === firstRaised ? 0 : 1;
  } finally {
    await client.sql.end({ timeout: 5 });
    if (args.has("drop")) await dropDatabase(adminUrl, dbName);
  }
}
