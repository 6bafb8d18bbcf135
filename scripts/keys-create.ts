// npm run keys:create -- --project NAME [--name LABEL]: prints a new API key (shown once).
import { createApiKey } from "~/server/auth/api-keys";
import { parseArgs } from "./lib/args";
import { openScriptDb } from "./lib/database";

const args = parseArgs(process.argv.slice(2));
const project = args.get("project");
if (!project || project === "true") {
  console.error("usage: npm run keys:create -- --project NAME [--name LABEL]");
  process.exit(2);
}
const db = await openScriptDb();
try {
  const { key } = await createApiKey(db.client.db, project, args.get("name") ?? "cli");
  console.log(key);
} finally {
  await db.close();
}
