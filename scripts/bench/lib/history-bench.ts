// bench:query's long-history part: heavy users whose calls mostly lie before the 30-day window (a
// customer of a year who is still active), in a project of their own in the same database, so the
// main project's figures are unchanged. users.list's first page over the last 30 days has to find
// each user's costliest feature and model in the window: from their all-time mix minus the calls
// before the window, or from the window's calls (docs/benchmarks.md, session 29).
import { createApiKey } from "~/server/auth/api-keys";
import type { DbClient } from "~/server/db";
import { ingestEvents } from "~/features/ingestion/server";
import { foldAll } from "~/server/rollups/fold";
import { rng } from "../../lib/generate";
import { fmtInt } from "./loop";

const DAY = 86_400_000;
const PROJECT = "bench-query-history";
const FEATURES = ["chat-assistant", "doc-qa", "summarize", "extract", "classify", "translate", "legacy-search", "legacy-report"];
const MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4.1-mini", "claude-3-5-haiku-latest"];

/**
 * Seeds (once; a kept database keeps them) `users` users with `calls` calls each: a quarter in the
 * last 30 days, the rest 31 to 330 days ago. Returns the project's API key and its figures.
 */
export async function seedHistory(client: DbClient, o: { users: number; calls: number }) {
  const { projectId, key } = await createApiKey(client.db, PROJECT, `bench-${Date.now()}`);
  const [{ n } = { n: 0 }] = await client.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM cost_events WHERE project_id = ${projectId}`;
  const want = o.users * o.calls;
  if (n < want) {
    const rand = rng(77);
    const now = Date.now();
    const t0 = performance.now();
    for (let u = 0; u < o.users; u++) {
      const events = Array.from({ length: o.calls }, (_, i) => {
        const recent = i % 4 === 0;
        const ago = recent ? 3_600_000 + rand() * 29 * DAY : 31 * DAY + rand() * 299 * DAY;
        return {
          id: `h-${u}-${i}`,
          timestamp: new Date(now - Math.floor(ago)).toISOString(),
          provider: "openai",
          model: MODELS[Math.floor(rand() * MODELS.length)],
          feature: FEATURES[Math.floor(rand() * FEATURES.length)],
          inputTokens: 200 + Math.floor(rand() * 3000),
          outputTokens: 20 + Math.floor(rand() * 600),
          userId: `heavy-${u}`,
        };
      });
      for (let i = 0; i < events.length; i += 1000) {
        const r = await ingestEvents(client, projectId, events.slice(i, i + 1000));
        if (r.rejected.length > 0) throw new Error(`history seed rejected: ${JSON.stringify(r.rejected[0])}`);
      }
    }
    await foldAll(client.sql);
    await client.sql`VACUUM ANALYZE cost_events`;
    await client.sql`VACUUM ANALYZE user_totals`;
    await client.sql`VACUUM ANALYZE user_mix_totals`;
    await client.sql`VACUUM ANALYZE user_recent_totals`;
    console.log(`[bench] seeded ${fmtInt(want)} long-history calls (${fmtInt(o.users)} users) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  const [f] = await client.sql<{ before: number; inside: number }[]>`
    SELECT count(*) FILTER (WHERE ts < now() - interval '30 days')::int AS before, count(*) FILTER (WHERE ts >= now() - interval '30 days')::int AS inside
    FROM cost_events WHERE project_id = ${projectId}`;
  return { key, before: f?.before ?? 0, inside: f?.inside ?? 0 };
}
