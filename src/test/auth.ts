// Helpers for tests that act as signed-in users: a user with a role on a project, signed in over
// real HTTP (Better Auth's own endpoint), and the cookie headers a browser would send.
import { randomBytes } from "node:crypto";
import { createPasswordUser, setMembership } from "~/server/auth/users";
import type { ProjectRole } from "~/server/db/schema";
import { newProject, requireBaseUrl, testDb } from "./integration";

export const TEST_PASSWORD = "correct horse battery staple";

export type TestUser = { userId: string; email: string; cookie: string };

/** The `name=value` pair of a Set-Cookie header list, for the cookie named `name`. */
export function cookiePair(setCookies: string[], name: string): string | null {
  for (const c of setCookies) {
    const pair = c.split(";")[0] ?? "";
    if (pair.startsWith(`${name}=`) && pair.length > name.length + 1) return pair;
  }
  return null;
}

export async function signIn(baseUrl: string, email: string, password = TEST_PASSWORD): Promise<Response> {
  return fetch(`${baseUrl}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: baseUrl },
    body: JSON.stringify({ email, password }),
  });
}

/** A new user (optionally a member of `projectId` with `role`), signed in on the shared app server. */
export async function newSignedInUser(membership?: { projectId: string; role: ProjectRole }, baseUrl = requireBaseUrl()): Promise<TestUser> {
  const email = `u-${randomBytes(6).toString("hex")}@example.test`;
  const { id } = await createPasswordUser(testDb().db, { email, password: TEST_PASSWORD });
  if (membership) await setMembership(testDb().db, membership.projectId, id, membership.role);
  const res = await signIn(baseUrl, email);
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const cookie = cookiePair(res.headers.getSetCookie(), "acp.session_token");
  if (!cookie) throw new Error("sign-in set no session cookie");
  return { userId: id, email, cookie };
}

/** Request headers of that user's browser, optionally with a selected project. */
export function browserHeaders(user: TestUser, o: { project?: string; origin?: string } = {}): Record<string, string> {
  const cookie = o.project ? `${user.cookie}; acp_project=${o.project}` : user.cookie;
  return { cookie, ...(o.origin ? { origin: o.origin } : {}) };
}

/** A database of its own on the test PostgreSQL, migrated: for servers that need an empty instance. */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const { default: postgres } = await import("postgres");
  const { createDbClient } = await import("~/server/db");
  const { prepareSchema } = await import("~/startup/bootstrap");
  const { pgUrl } = await import("./integration");
  if (!pgUrl) throw new Error("no test database");
  const admin = new URL(pgUrl);
  admin.pathname = "/postgres";
  const name = `acp_auth_${randomBytes(6).toString("hex")}`;
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => undefined });
  await sql.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  const client = createDbClient(url.toString(), { max: 2 });
  await prepareSchema(url.toString(), client);
  await client.sql.end();
  return {
    url: url.toString(),
    drop: async () => {
      await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await sql.end();
    },
  };
}

export type TestProject = Awaited<ReturnType<typeof newProject>>;

/** A new project and a signed-in owner of it. */
export async function newOwnedProject(label: string): Promise<{ project: TestProject; owner: TestUser }> {
  const project = await newProject(label);
  const owner = await newSignedInUser({ projectId: project.projectId, role: "owner" });
  return { project, owner };
}
