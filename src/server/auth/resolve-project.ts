import "server-only";
import { eq } from "drizzle-orm";
import { DEFAULT_PROJECT } from "../bootstrap";
import type { Db } from "../db";
import { projects } from "../db/schema";
import { unauthorized } from "../errors";
import { bearerToken } from "../http";
import { findActiveApiKey } from "./api-keys";

/**
 * The caller's project for reads (tRPC, exports): a project API key (`Authorization: Bearer`)
 * reads only its own project; without one, the dashboard's server-side default project
 * (until accounts exist). A key that is sent but invalid is always a 401.
 */
export async function resolveProject(db: Db, headers: Headers): Promise<string> {
  const token = bearerToken(headers);
  if (token) {
    const owner = await findActiveApiKey(db, token);
    if (!owner) throw unauthorized("invalid or revoked API key");
    return owner.projectId;
  }
  const rows = await db.select({ id: projects.id }).from(projects).where(eq(projects.name, DEFAULT_PROJECT)).limit(1);
  const id = rows[0]?.id;
  if (!id) throw unauthorized("send Authorization: Bearer <project API key>");
  return id;
}
