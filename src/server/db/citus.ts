import "server-only";
import type postgres from "postgres";

/*
 * The schema on a Citus cluster (docs/citus.md). Runs after the migrations, only when the database
 * has the citus extension; plain PostgreSQL and PGlite never get here, so the migrations stay the
 * same everywhere. It discovers the tables from the catalog, so tables added by later migrations
 * are covered without edits here:
 *   - project-scoped: a NOT NULL project_id that is part of the primary key → distributed by
 *     project_id, all colocated with cost_events (a project's rows of every table share one
 *     shard group, so its statements are single-shard router queries);
 *   - every other table of the public schema → a reference table (a copy on every node).
 * Idempotent: tables already distributed are left alone. The HNSW index is created per shard by
 * Citus like any index.
 */

export const DISTRIBUTION_COLUMN = "project_id";
const ANCHOR = "cost_events";

/*
 * unfolded_events() (migration 0013: the events not folded into the rollups yet) on a cluster.
 * Reads add it to the rollup rows of the same project, so Citus routes them whole to the worker
 * holding the project's shards — and there, inside a query on a shard, a function may not run a
 * distributed query (on cost_events). So on a worker it reads the shards of cost_events placed on
 * that node (plain tables) and the node's copy of rollup_fold_state, in the calling statement's
 * snapshot (STABLE), the same one the rollup rows are read with; the caller's project filter keeps
 * its project's rows. On the coordinator (the fold, which spans every shard) it is the distributed
 * query of 0013. The xids and the fold state are the coordinator's on both sides (see
 * src/server/rollups/fold.ts), so the comparison means the same on every node.
 */
const CITUS_UNFOLDED_EVENTS = `
CREATE OR REPLACE FUNCTION unfolded_events() RETURNS SETOF cost_events
LANGUAGE plpgsql STABLE ROWS 1000 SET jit = off AS $fn$
DECLARE
  state text;
  shard text;
BEGIN
  IF (SELECT groupid FROM pg_dist_local_group) = 0 THEN
    RETURN QUERY SELECT e.* FROM cost_events e
      WHERE e.xid >= pg_snapshot_xmin((SELECT snap FROM rollup_fold_state WHERE id = 1))
        AND NOT pg_visible_in_snapshot(e.xid, (SELECT snap FROM rollup_fold_state WHERE id = 1));
    RETURN;
  END IF;
  SELECT format('%I', 'rollup_fold_state_' || s.shardid) INTO state
    FROM pg_dist_shard s WHERE s.logicalrelid = 'rollup_fold_state'::regclass;
  FOR shard IN
    SELECT format('%I', 'cost_events_' || s.shardid) FROM pg_dist_shard s
      JOIN pg_dist_placement p ON p.shardid = s.shardid
    WHERE s.logicalrelid = 'cost_events'::regclass AND p.groupid = (SELECT groupid FROM pg_dist_local_group)
  LOOP
    RETURN QUERY EXECUTE format(
      'SELECT e.* FROM public.%s e WHERE e.xid >= pg_snapshot_xmin((SELECT snap FROM public.%s WHERE id = 1))
         AND NOT pg_visible_in_snapshot(e.xid, (SELECT snap FROM public.%s WHERE id = 1))', shard, state, state);
  END LOOP;
END
$fn$`;

const known = new WeakMap<object, boolean>();

/** Whether this client's database is a Citus coordinator (asked once per client). */
export async function isCitus(sql: postgres.Sql): Promise<boolean> {
  const cached = known.get(sql);
  if (cached !== undefined) return cached;
  const yes = await hasCitus(sql);
  known.set(sql, yes);
  return yes;
}

export async function hasCitus(sql: postgres.Sql): Promise<boolean> {
  const rows = await sql<{ ok: number }[]>`SELECT 1 AS ok FROM pg_extension WHERE extname = 'citus'`;
  return rows.length > 0;
}

type TableRow = { name: string; scoped: boolean; done: boolean };
type FkRow = { child: string; parent: string; name: string; def: string };

export async function distributeTables(sql: postgres.Sql): Promise<{ distributed: string[]; reference: string[] }> {
  const tables = await sql<TableRow[]>`
    SELECT c.relname AS name,
      EXISTS (
        SELECT 1 FROM pg_constraint k JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
        WHERE k.conrelid = c.oid AND k.contype = 'p' AND a.attname = ${DISTRIBUTION_COLUMN} AND a.attnotnull
      ) AS scoped,
      EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid) AS done
    FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY c.relname`;
  const fks = await sql<FkRow[]>`
    SELECT k.conrelid::regclass::text AS child, k.confrelid::regclass::text AS parent, k.conname AS name,
      pg_get_constraintdef(k.oid) AS def
    FROM pg_constraint k
    WHERE k.contype = 'f' AND k.connamespace = 'public'::regnamespace AND k.conrelid <> k.confrelid`;

  // Referenced tables first: a foreign key may only point at a table Citus already knows.
  const byName = new Map(tables.map((t) => [t.name, t]));
  const ordered: TableRow[] = [];
  const seen = new Set<string>();
  const visit = (t: TableRow) => {
    if (seen.has(t.name)) return;
    seen.add(t.name);
    for (const fk of fks) {
      const parent = fk.child === t.name ? byName.get(fk.parent) : undefined;
      if (parent) visit(parent);
    }
    ordered.push(t);
  };
  // Reference tables before distributed ones (distributed → reference keys are allowed, not the
  // reverse), and the colocation anchor first among the distributed.
  const rank = (t: TableRow) => (t.scoped ? (t.name === ANCHOR ? 1 : 2) : 0);
  for (const t of [...tables].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))) visit(t);

  // A table with a key to a reference table would become a "Citus local table" (and those cannot
  // be distributed afterwards when they have an identity column): such keys from tables about to
  // be distributed are dropped first and added back once both sides are Citus tables.
  const moved = fks.filter((fk) => byName.get(fk.child)?.scoped && !byName.get(fk.child)?.done && !byName.get(fk.parent)?.scoped);
  for (const fk of moved) await sql.unsafe(`ALTER TABLE "${fk.child}" DROP CONSTRAINT "${fk.name}"`);

  const anchorScoped = byName.get(ANCHOR)?.scoped === true;
  const distributed: string[] = [];
  const reference: string[] = [];
  for (const t of ordered) {
    if (t.done) continue;
    if (t.scoped) {
      const colocate = anchorScoped && t.name !== ANCHOR ? ANCHOR : "default";
      await sql`SELECT create_distributed_table(${t.name}, ${DISTRIBUTION_COLUMN}, colocate_with => ${colocate})`;
      distributed.push(t.name);
    } else {
      await sql`SELECT create_reference_table(${t.name})`;
      reference.push(t.name);
    }
  }
  for (const fk of moved) await sql.unsafe(`ALTER TABLE "${fk.child}" ADD CONSTRAINT "${fk.name}" ${fk.def}`);

  // SQL functions the queries call (unfolded_events()) run where a router query lands, on a
  // worker: functions of the public schema Citus does not know yet are propagated to every node.
  const fns = await sql<{ sig: string }[]>`
    SELECT p.oid::regprocedure::text AS sig FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
      AND NOT EXISTS (SELECT 1 FROM pg_dist_object o WHERE o.classid = 'pg_proc'::regclass AND o.objid = p.oid)`;
  for (const f of fns) await sql`SELECT create_distributed_function(${f.sig})`;
  if (await sql`SELECT 1 FROM pg_proc WHERE oid = to_regprocedure('public.unfolded_events()')`.then((r) => r.length > 0)) {
    await sql.unsafe(CITUS_UNFOLDED_EVENTS);
  }
  return { distributed, reference };
}
