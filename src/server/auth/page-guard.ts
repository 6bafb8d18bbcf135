import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { connection } from "next/server";
import { getDbClient } from "~/server/db";
import { getSessionUser, type SessionUser } from "./session";
import { hasUsers } from "./users";

/**
 * Dashboard pages: the signed-in user, or a redirect to sign-in (to first-run setup while no user
 * exists). Data is guarded by every tRPC procedure anyway; this keeps anonymous visitors off the shell.
 */
export async function requireSignedIn(): Promise<SessionUser> {
  await connection();
  const { db } = getDbClient();
  const user = await getSessionUser(db, new Headers(await headers()));
  if (user) return user;
  redirect((await hasUsers(db)) ? "/sign-in" : "/setup");
}

/** Sign-in and setup pages: the session user if there is one (they go to the dashboard instead). */
export async function currentUser(): Promise<SessionUser | null> {
  await connection();
  return getSessionUser(getDbClient().db, new Headers(await headers()));
}
