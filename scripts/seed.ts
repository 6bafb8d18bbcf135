// npm run db:seed -- --events N [--project NAME] [--seed S] [--days D] [--concurrency C]
import { ensureProject } from "~/server/auth/api-keys";
import { intArg, parseArgs } from "./lib/args";
import { openScriptDb } from "./lib/database";
import { seedEvents } from "./lib/seed";

const args = parseArgs(process.argv.slice(2));
const events = intArg(args, "events", 10_000);
const seed = intArg(args, "seed", Date.now() % 1_000_000);
const db = await openScriptDb();
try {
  const projectId = await ensureProject(db.client.db, args.get("project") ?? "default");
  let last = 0;
  const result = await seedEvents(db.client, projectId, events, {
    seed,
    days: intArg(args, "days", 30),
    concurrency: intArg(args, "concurrency", 4),
    idPrefix: `seed-${seed}`,
    onProgress: (done) => {
      if (done - last >= 100_000 || done === events) {
        last = done;
        console.log(`  ${done.toLocaleString("en-US")} / ${events.toLocaleString("en-US")}`);
      }
    },
  });
  const rate = Math.round(result.accepted / result.seconds);
  console.log(
    `seeded ${result.accepted} events (${result.duplicates} duplicates) in ${result.seconds.toFixed(1)} s — ${rate} events/s`,
  );
} finally {
  await db.close();
}
