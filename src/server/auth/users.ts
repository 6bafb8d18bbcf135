import "server-only";
import { and, asc, count, eq, sql as dsql } from "drizzle-orm";
import { env } from "~/env";
import type { DbOrTx } from "~/server/db";

export type { DbOrTx };

/** The app's db handle or a transaction on it: the helpers below compose inside either. */
import { accounts, memberships, users, type ProjectRole } from "~/server/db/schema";
import { ensureProject } from "./api-keys";
import { hashPassword } from "./password";

// Users and memberships as the app manages them (the first owner, `npm run users:create`, owners
// adding members). Sessions and sign-in belong to Better Auth (./auth.ts).

export const DEFAULT_PROJECT = "default";

// Better Auth's format for an email/password account: provider `credential`, account id = user id.
const CREDENTIAL_PROVIDER = "credential";

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export async function hasUsers(db: DbOrTx): Promise<boolean> {
  const rows = await db.select({ n: count() }).from(users);
  return (rows[0]?.n ?? 0) > 0;
}

export async function findUserByEmail(db: DbOrTx, email: string) {
  const rows = await db.select().from(users).where(eq(users.email, normalizeEmail(email))).limit(1);
  return rows[0] ?? null;
}

export type NewUser = { email: string; name?: string; password: string };

/** Creates a user who signs in with email and password; throws if the email is taken. */
export async function createPasswordUser(db: DbOrTx, input: NewUser): Promise<{ id: string; email: string }> {
  const email = normalizeEmail(input.email);
  const hash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ email, name: input.name?.trim() || email.split("@")[0] || email })
      .returning({ id: users.id, email: users.email });
    if (!user) throw new Error("user was not created");
    await tx.insert(accounts).values({ userId: user.id, providerId: CREDENTIAL_PROVIDER, accountId: user.id, password: hash });
    return user;
  });
}

/** Replaces a user's password (users:create on an existing user with --password). */
export async function setPassword(db: DbOrTx, userId: string, password: string): Promise<void> {
  const hash = await hashPassword(password);
  const updated = await db
    .update(accounts)
    .set({ password: hash, updatedAt: dsql`now()` })
    .where(and(eq(accounts.userId, userId), eq(accounts.providerId, CREDENTIAL_PROVIDER)))
    .returning({ id: accounts.id });
  if (updated.length === 0) {
    await db.insert(accounts).values({ userId, providerId: CREDENTIAL_PROVIDER, accountId: userId, password: hash });
  }
}

/** Adds the user to the project or changes their role there. */
export async function setMembership(db: DbOrTx, projectId: string, userId: string, role: ProjectRole): Promise<void> {
  await db
    .insert(memberships)
    .values({ projectId, userId, role })
    .onConflictDoUpdate({ target: [memberships.projectId, memberships.userId], set: { role } });
}

export async function membershipRole(db: DbOrTx, projectId: string, userId: string): Promise<ProjectRole | null> {
  const rows = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.projectId, projectId), eq(memberships.userId, userId)))
    .limit(1);
  return rows[0]?.role ?? null;
}

/** The project a user lands on without a selection: the oldest project they own, else the oldest membership. */
export async function firstMembership(db: DbOrTx, userId: string): Promise<{ projectId: string; role: ProjectRole } | null> {
  const rows = await db
    .select({ projectId: memberships.projectId, role: memberships.role })
    .from(memberships)
    .where(eq(memberships.userId, userId))
    .orderBy(dsql`${memberships.role} <> 'owner'`, asc(memberships.createdAt), asc(memberships.projectId))
    .limit(1);
  return rows[0] ?? null;
}

/** A user created by an OIDC sign-in joins project `default` when OIDC_DEFAULT_ROLE says so. */
export async function grantOidcDefaultRole(db: DbOrTx, userId: string): Promise<void> {
  if (env.OIDC_DEFAULT_ROLE === "none") return;
  const projectId = await ensureProject(db, DEFAULT_PROJECT);
  await db.insert(memberships).values({ projectId, userId, role: env.OIDC_DEFAULT_ROLE }).onConflictDoNothing();
}

export type EnsureUserResult = { userId: string; created: boolean; projectId: string };

/**
 * `npm run users:create` and ADMIN_EMAIL: the user (created when new, password replaced when one is
 * given for an existing user) on project `projectName` (created if needed) with `role` — or, when
 * no role is given, the role they already have there, else `defaultRole` (never a silent demotion).
 */
export async function ensureUser(
  db: DbOrTx,
  input: { email: string; name?: string; password?: string; projectName: string; role?: ProjectRole; defaultRole?: ProjectRole },
): Promise<EnsureUserResult & { role: ProjectRole }> {
  const existing = await findUserByEmail(db, input.email);
  let userId: string;
  if (existing) {
    userId = existing.id;
    if (input.password !== undefined) await setPassword(db, userId, input.password);
  } else {
    if (input.password === undefined) throw new Error(`no user ${input.email} yet: a password is needed to create one`);
    userId = (await createPasswordUser(db, { email: input.email, name: input.name, password: input.password })).id;
  }
  const projectId = await ensureProject(db, input.projectName);
  const role = input.role ?? (await membershipRole(db, projectId, userId)) ?? input.defaultRole ?? "viewer";
  await setMembership(db, projectId, userId, role);
  return { userId, created: !existing, projectId, role };
}
