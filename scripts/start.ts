// npm start: the app on real services when configured, else on the embedded default
// (PGlite with pgvector in this process, served over the wire protocol) with demo data.
import { spawn } from "node:child_process";
import { serverArgs } from "~/startup/node-flags";
import fs from "node:fs";
import path from "node:path";
import { count, eq } from "drizzle-orm";
import { env } from "~/env";
import { prepareFirstRun, setupUrl } from "~/server/auth/setup";
import { ensureDefaultKey } from "~/startup/bootstrap";
import { costEvents } from "~/server/db/schema";
import { openScriptDb } from "./lib/database";
import { seedEvents } from "./lib/seed";

const dev = process.argv.includes("--dev");
// exclusive: a second server on the same data folder is refused with the running one's pid.
const db = await openScriptDb({ exclusive: true });
const { projectId, createdKey } = await ensureDefaultKey(db.client.db);
const base = `http://${env.HOSTNAME === "0.0.0.0" ? "127.0.0.1" : env.HOSTNAME}:${env.PORT}`;
let keyLine = createdKey ? `API key (shown once, only its hash is stored): ${createdKey}` : null;
// First start: the dashboard needs an owner account; the link below is the only way in until one exists.
const firstRun = await prepareFirstRun(db.client.db, { rotate: true });
const ownerLine = firstRun.state === "setup-link" ? `Create the owner account (one-time link, valid 24 h): ${setupUrl(firstRun.token)}` : null;

if (db.embedded) {
  console.log(`[start] embedded PostgreSQL (PGlite + pgvector) in ${path.resolve(env.DATA_DIR)}; REDIS_URL unset: in-process limiter and cache (single instance only)`);
  // The embedded default is a local sandbox: keep its demo key readable for the owner only.
  const keyFile = path.resolve(env.DATA_DIR, "demo-api-key");
  if (createdKey) fs.writeFileSync(keyFile, `${createdKey}\n`, { mode: 0o600 });
  else if (fs.existsSync(keyFile)) keyLine = `API key (demo, saved in ${keyFile}): ${fs.readFileSync(keyFile, "utf8").trim()}`;
  const existing = await db.client.db.select({ n: count() }).from(costEvents).where(eq(costEvents.projectId, projectId));
  if ((existing[0]?.n ?? 0) === 0 && env.DEMO_EVENTS > 0) {
    console.log(`[start] first start: seeding ${env.DEMO_EVENTS} demo events…`);
    const r = await seedEvents(db.client, projectId, env.DEMO_EVENTS, { seed: 7, idPrefix: "demo", concurrency: 2 });
    console.log(`[start] demo data ready: ${r.accepted} events in ${r.seconds.toFixed(1)} s`);
  }
}
// The Next server opens its own pool; keep only what the embedded server needs in this process.
await db.client.sql.end({ timeout: 5 });

// --dev: `next dev`; otherwise the production server (scripts/serve.mjs: `next start` with the API
// routes called directly).
const child = spawn(
  process.execPath,
  serverArgs(env.PORT, env.HOSTNAME, dev ? { next: "dev" } : {}),
  {
    stdio: "inherit",
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      NEXT_TELEMETRY_DISABLED: "1",
      // See scripts/lib/database.ts: the embedded database takes one connection per process.
      ...(db.embedded ? { DB_POOL_MAX: "1" } : {}),
    },
  },
);

console.log(`\n  AI Cost Profiler → ${base}`);
if (ownerLine) console.log(`  ${ownerLine}`);
if (keyLine) console.log(`  ${keyLine}`);
console.log(`  Send an event: curl -X POST ${base}/api/v1/events -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\`);
console.log(`    -d '{"provider":"openai","model":"gpt-4o-mini","feature":"demo","inputTokens":1200,"outputTokens":300}'\n`);

const stop = (signal: NodeJS.Signals) => {
  child.kill(signal);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
child.on("exit", (code) => {
  void (async () => {
    await db.embedded?.stop();
    process.exit(code ?? 0);
  })();
});
