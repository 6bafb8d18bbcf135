// A fresh database on PostgreSQL or on a Citus cluster, for the integration tier and the benches.
// On a cluster (the admin URL is a coordinator whose admin database has the citus extension and its
// workers, as scripts/cluster-local.sh makes it): Citus keeps its node list per database, so a new
// database needs the extensions on every node and its workers added again; the migrations then
// distribute the tables (src/server/db/citus.ts).
import postgres from "postgres";

export type ClusterNode = { host: string; port: number };
export type ClusterNodes = {
  coordinator: ClusterNode;
  workers: ClusterNode[];
  /** A started PostgreSQL with Citus that is not in the cluster (TEST_CITUS_SPARE_URL), for the rebalance test. */
  spare: ClusterNode | null;
};

function nodeUrl(base: string, node: ClusterNode, db: string): string {
  const u = new URL(base);
  u.hostname = node.host;
  u.port = String(node.port);
  u.pathname = `/${db}`;
  return u.toString();
}

async function onNode<T>(base: string, node: ClusterNode, db: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(nodeUrl(base, node, db), { max: 1, connect_timeout: 5, onnotice: () => undefined });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function prepareNode(base: string, node: ClusterNode, dbName: string): Promise<void> {
  await onNode(base, node, "postgres", (sql) => sql.unsafe(`CREATE DATABASE "${dbName}"`));
  await onNode(base, node, dbName, async (sql) => {
    await sql`CREATE EXTENSION IF NOT EXISTS citus`;
    await sql`CREATE EXTENSION IF NOT EXISTS vector`;
  });
}

/** The cluster's nodes when `admin` is a Citus coordinator with workers, else null. */
export async function clusterNodes(admin: postgres.Sql, adminUrl: string, spareUrl: string | null = null): Promise<ClusterNodes | null> {
  const citus = await admin`SELECT 1 FROM pg_extension WHERE extname = 'citus'`;
  if (citus.length === 0) return null;
  const rows = await admin<{ host: string; port: number; group: number }[]>`
    SELECT nodename AS host, nodeport AS port, groupid AS group FROM pg_dist_node WHERE noderole = 'primary' AND isactive ORDER BY groupid`;
  const admin0 = new URL(adminUrl);
  const coordinator = rows.find((r) => r.group === 0) ?? { host: admin0.hostname, port: Number(admin0.port || 5432) };
  const workers = rows.filter((r) => r.group !== 0).map((r) => ({ host: r.host, port: r.port }));
  if (workers.length === 0) throw new Error(`the Citus coordinator at ${adminUrl} has no workers (start it with npm run cluster:local)`);
  const spare = spareUrl ? { host: new URL(spareUrl).hostname, port: Number(new URL(spareUrl).port || 5432) } : null;
  return { coordinator: { host: coordinator.host, port: coordinator.port }, workers, spare };
}

async function createClusterDatabase(adminUrl: string, nodes: ClusterNodes, dbName: string): Promise<ClusterNodes> {
  for (const n of [nodes.coordinator, ...nodes.workers, ...(nodes.spare ? [nodes.spare] : [])]) await prepareNode(adminUrl, n, dbName);
  await onNode(adminUrl, nodes.coordinator, dbName, async (sql) => {
    await sql`SELECT citus_set_coordinator_host(${nodes.coordinator.host}, ${nodes.coordinator.port})`;
    for (const w of nodes.workers) await sql`SELECT citus_add_node(${w.host}, ${w.port})`;
  });
  return nodes;
}

async function dropClusterDatabase(admin: postgres.Sql, adminUrl: string, nodes: ClusterNodes, dbName: string): Promise<void> {
  await admin.unsafe(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  const url = adminUrl;
  for (const n of [...nodes.workers, ...(nodes.spare ? [nodes.spare] : [])]) {
    await onNode(url, n, "postgres", (sql) => sql.unsafe(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`)).catch(() => undefined);
  }
}

/**
 * CREATE DATABASE on plain PostgreSQL, or the same across the cluster when `admin` is a Citus
 * coordinator (and on `spareUrl`'s instance too, a node not in the cluster yet).
 */
export async function createDatabase(admin: postgres.Sql, adminUrl: string, dbName: string, spareUrl: string | null = null): Promise<ClusterNodes | null> {
  const nodes = await clusterNodes(admin, adminUrl, spareUrl);
  if (nodes) return createClusterDatabase(adminUrl, nodes, dbName);
  await admin.unsafe(`CREATE DATABASE "${dbName}"`);
  return null;
}

/** DROP DATABASE … WITH (FORCE), on every node of the cluster when `nodes` is given. */
export async function dropDatabase(admin: postgres.Sql, adminUrl: string, nodes: ClusterNodes | null, dbName: string): Promise<void> {
  if (nodes) return dropClusterDatabase(admin, adminUrl, nodes, dbName);
  await admin.unsafe(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
}
