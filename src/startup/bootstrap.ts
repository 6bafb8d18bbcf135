import "server-only";
import { count, eq } from "drizzle-orm";
import { env } from "~/env";
import { syncPriceCatalog } from "~/features/pricing/server";
import { createApiKey, ensureProject, storeApiKey } from "~/server/auth/api-keys";
import { DEFAULT_PROJECT } from "~/server/auth/users";
import type { Db, DbClient } from "~/server/db";
import { apiKeys, projects } from "~/server/db/schema";
import { runMigrations } from "~/server/db/migrate";

export { DEFAULT_PROJECT };

export type BootstrapResult = { projectId: string; createdKey: string | null };

/**
 * Everything a server needs before it serves: migrations, the shipped price catalog, and a
 * `default` project holding BOOTSTRAP_API_KEY (or, on a first start, a fresh key printed once).
 */
export async function prepareDatabase(url: string, client: DbClient): Promise<BootstrapResult> {
  await prepareSchema(url, client);
  return ensureDefaultKey(client.db);
}

/** Migrations and the shipped price catalog; safe to run from any number of processes at once. */
export async function prepareSchema(url: string, client: DbClient): Promise<void> {
  await runMigrations(url);
  await syncPriceCatalog(client.db);
}

export async function ensureDefaultKey(db: Db): Promise<BootstrapResult> {
  if (env.BOOTSTRAP_API_KEY) {
    const projectId = await ensureProject(db, DEFAULT_PROJECT);
    await storeApiKey(db, projectId, env.BOOTSTRAP_API_KEY, "bootstrap");
    return { projectId, createdKey: null };
  }
  const existing = await db.select({ id: projects.id }).from(projects).where(eq(projects.name, DEFAULT_PROJECT));
  if (existing[0]) {
    const keys = await db.select({ n: count() }).from(apiKeys).where(eq(apiKeys.projectId, existing[0].id));
    if ((keys[0]?.n ?? 0) > 0) return { projectId: existing[0].id, createdKey: null };
  }
  const created = await createApiKey(db, DEFAULT_PROJECT, "first-start");
  return { projectId: created.projectId, createdKey: created.key };
}
