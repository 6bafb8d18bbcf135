import "server-only";
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "./db";
import { appSecrets } from "./db/schema";

const cache = new Map<string, Buffer>();

/** A 32-byte secret shared by every instance through the database, created on first use. */
export async function getSecret(db: Db, name: string): Promise<Buffer> {
  const hit = cache.get(name);
  if (hit) return hit;
  await db.insert(appSecrets).values({ name, value: randomBytes(32) }).onConflictDoNothing();
  const rows = await db.select({ value: appSecrets.value }).from(appSecrets).where(eq(appSecrets.name, name));
  const value = rows[0]?.value;
  if (!value) throw new Error(`secret ${name} could not be created`);
  cache.set(name, value);
  return value;
}
