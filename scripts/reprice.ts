// npm run prices:reprice -- --from YYYY-MM-DD [--project NAME] [--dry-run]
// Recomputes computed/unpriced event costs from a date on after a price change (catalog update or
// custom price), keeping rollups and prompt totals consistent. Safe while ingestion runs.
import { eq } from "drizzle-orm";
import { repriceProject } from "~/features/pricing/server";
import { projects } from "~/server/db/schema";
import { parseArgs } from "./lib/args";
import { openScriptDb } from "./lib/database";

const args = parseArgs(process.argv.slice(2));
const fromArg = args.get("from");
const from = fromArg ? new Date(fromArg) : null;
if (!from || Number.isNaN(from.getTime())) {
  console.error("usage: npm run prices:reprice -- --from YYYY-MM-DD [--project NAME] [--dry-run]");
  process.exit(2);
}
const db = await openScriptDb();
try {
  const name = args.get("project");
  const list = await db.client.db
    .select({ id: projects.id, name: projects.name })
    .from(projects)
    .where(name ? eq(projects.name, name) : undefined);
  if (list.length === 0) throw new Error(name ? `no project named ${name}` : "no projects");
  for (const p of list) {
    const r = await repriceProject(db.client, p.id, from, { dryRun: args.has("dry-run") });
    console.log(`${p.name}: scanned ${r.scanned}, ${args.has("dry-run") ? "would update" : "updated"} ${r.updated}, cost change $${r.deltaUsd}`);
  }
} finally {
  await db.close();
}
