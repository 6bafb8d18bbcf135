import "server-only";
import { eq } from "drizzle-orm";
import type { Db } from "~/server/db";
import { projects } from "~/server/db/schema";
import { notFound } from "~/server/errors";

export type ProjectSettings = { timeZone: string };

export async function getProjectSettings(db: Db, projectId: string): Promise<ProjectSettings> {
  const [row] = await db.select({ timeZone: projects.timeZone }).from(projects).where(eq(projects.id, projectId));
  if (!row) throw notFound("no such project");
  return row;
}

/** The zone budget periods are counted in; alerts of periods already started keep their bounds. */
export async function setTimeZone(db: Db, projectId: string, timeZone: string): Promise<ProjectSettings> {
  const [row] = await db.update(projects).set({ timeZone }).where(eq(projects.id, projectId)).returning({ timeZone: projects.timeZone });
  if (!row) throw notFound("no such project");
  return row;
}
