// On the Citus cluster target only: growing the cluster under load. A third worker (the spare
// node scripts/cluster-local.sh --spare starts, TEST_CITUS_SPARE_URL) joins and Citus's own
// rebalancer moves shards onto it while ingestion keeps running; afterwards every acknowledged
// event is stored exactly once and the rollups equal the raw events.
import postgres from "postgres";
import { afterAll, expect, inject, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { foldAll } from "~/server/rollups/fold";
import { closeTestDb, describeWithDb, newProject, pgUrl, testDb } from "~/test/integration";
import { generateEvents } from "../../../scripts/lib/generate";

afterAll(closeTestDb);

const citus = inject("citus");
const PROJECTS = 6;
const BATCH = 100;

describeWithDb("growing the Citus cluster", () => {
  it("adds a worker and rebalances while ingesting: every acknowledged event once, rollups equal raw", async () => {
    expect(citus, "the integration tier runs against a Citus coordinator").not.toBeNull();
    const spare = citus?.spare;
    expect(spare, "a spare worker is given (TEST_CITUS_SPARE_URL)").toBeTruthy();
    if (!spare || !pgUrl) return;
    const { sql } = testDb();
    const projects = await Promise.all(Array.from({ length: PROJECTS }, () => newProject("grow")));
    const acked = new Map<string, Set<string>>(projects.map((p) => [p.projectId, new Set<string>()]));

    let rebalancing = true;
    let batches = 0;
    const ingestion = Promise.all(
      projects.map(async (p, n) => {
        let seed = n * 1_000_000;
        // At least a few batches before and after the move, and all along it.
        for (let round = 0; rebalancing || round < 3; round++) {
          seed += 1;
          const events = [...generateEvents(BATCH, { seed, days: 2, idPrefix: `g${n}-${seed}-` })];
          const r = await ingestEvents(testDb(), p.projectId, events);
          expect(r.rejected).toEqual([]);
          for (const e of events) acked.get(p.projectId)?.add(e.id);
          // An SDK retry of the same batch (idempotent ids): stored once.
          if (round % 4 === 1) expect((await ingestEvents(testDb(), p.projectId, events)).accepted).toBe(0);
          batches += 1;
        }
      }),
    );

    const admin = postgres(pgUrl, { max: 1, onnotice: () => undefined });
    try {
      const before = await admin<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_dist_node WHERE noderole = 'primary' AND groupid <> 0`;
      await admin`SELECT citus_add_node(${spare.host}, ${spare.port})`;
      await admin`SELECT citus_rebalance_start()`;
      await admin`SELECT citus_rebalance_wait()`;
      const [job] = await admin<{ state: string }[]>`SELECT state::text FROM citus_rebalance_status()`;
      expect(job?.state).toBe("finished");
      const after = await admin<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_dist_node WHERE noderole = 'primary' AND groupid <> 0`;
      expect(after[0]?.n).toBe((before[0]?.n ?? 0) + 1);
      const [moved] = await admin<{ n: number }[]>`
        SELECT count(*)::int AS n FROM citus_shards WHERE table_name = 'cost_events'::regclass AND nodeport = ${spare.port}`;
      expect(moved?.n ?? 0).toBeGreaterThan(0);
    } finally {
      rebalancing = false;
      await ingestion.finally(() => admin.end({ timeout: 5 }));
    }
    expect(batches).toBeGreaterThan(PROJECTS * 3);

    await foldAll(sql);
    for (const p of projects) {
      const ids = acked.get(p.projectId) ?? new Set<string>();
      const rows = await sql<{ event_id: string }[]>`SELECT event_id FROM cost_events WHERE project_id = ${p.projectId}`;
      const stored = rows.map((r) => r.event_id);
      expect(stored.length).toBe(new Set(stored).size);
      expect(new Set(stored)).toEqual(ids);
      const [r] = await sql<{ raw: number; hourly: number; daily: number; cost: string; hcost: string; dcost: string; occ: number; with_prompt: number }[]>`
        SELECT (SELECT count(*)::int FROM cost_events WHERE project_id = ${p.projectId}) AS raw,
          (SELECT coalesce(sum(calls), 0)::int FROM usage_hourly WHERE project_id = ${p.projectId}) AS hourly,
          (SELECT coalesce(sum(calls), 0)::int FROM usage_daily WHERE project_id = ${p.projectId}) AS daily,
          (SELECT coalesce(sum(cost_usd), 0)::numeric::text FROM cost_events WHERE project_id = ${p.projectId}) AS cost,
          (SELECT coalesce(sum(cost_usd), 0)::numeric::text FROM usage_hourly WHERE project_id = ${p.projectId}) AS hcost,
          (SELECT coalesce(sum(cost_usd), 0)::numeric::text FROM usage_daily WHERE project_id = ${p.projectId}) AS dcost,
          (SELECT coalesce(sum(occurrences), 0)::int FROM prompts WHERE project_id = ${p.projectId}) AS occ,
          (SELECT count(*)::int FROM cost_events WHERE project_id = ${p.projectId} AND prompt_hash IS NOT NULL) AS with_prompt`;
      expect(r?.hourly).toBe(r?.raw);
      expect(r?.daily).toBe(r?.raw);
      expect(r?.hcost).toBe(r?.cost);
      expect(r?.dcost).toBe(r?.cost);
      expect(r?.occ).toBe(r?.with_prompt);
    }
  }, 300_000);
});
