import "server-only";
import path from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { distributeTables, hasCitus } from "./citus";
import { connectionTarget } from "./connection-url";

// Any number of instances may start at once: an advisory lock makes exactly one of them migrate.
const MIGRATION_LOCK = 815_004_221;

export async function runMigrations(url: string): Promise<void> {
  const target = connectionTarget(url);
  const sql = postgres(target.url, { ...(target.path ? { path: target.path } : {}), max: 1, onnotice: () => undefined, connect_timeout: 10 });
  try {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      await migrate(drizzle(sql), { migrationsFolder: path.join(process.cwd(), "drizzle") });
      await applyStorageSettings(sql);
      // On a Citus cluster: distribute the tables the migrations created (src/server/db/citus.ts).
      if (await hasCitus(sql)) await distributeTables(sql);
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// Rollup and prompt rows are updated by every ingested batch. With room left on each page the
// updates are HOT (no index entry, dead versions pruned on the page itself), so the tables stay
// compact even where autovacuum is off or behind — as on the CI machines here, where it is off.
const HOT_UPDATED = ["usage_hourly", "usage_daily", "latency_hourly", "latency_daily", "prompts", "attribution_hourly", "attribution_daily", "token_mix_daily", "user_totals", "user_mix_totals", "user_recent_totals"];
const SETTINGS = "fillfactor=70";

async function applyStorageSettings(sql: postgres.Sql): Promise<void> {
  const rows = await sql<{ relname: string; reloptions: string[] | null }[]>`
    SELECT relname, reloptions FROM pg_class
    WHERE relname IN ${sql(HOT_UPDATED)} AND relnamespace = 'public'::regnamespace`;
  for (const r of rows) {
    if (r.reloptions?.includes(SETTINGS)) continue;
    await sql.unsafe(`ALTER TABLE "${r.relname}" SET (${SETTINGS})`);
  }
}
