import "server-only";
import { and, asc, eq, sql as dsql } from "drizzle-orm";
import { accessFor, type Principal } from "~/server/auth/resolve-project";
import { findUserByEmail, type DbOrTx } from "~/server/auth/users";
import type { Db } from "~/server/db";
import { memberships, projects, users, type ProjectRole } from "~/server/db/schema";
import { AppError, notFound } from "~/server/errors";

// Projects a caller can switch between, and an owner's view of a project's members.

// More projects than this in one account is an admin tool's job, not a dropdown's.
const MAX_PROJECTS_LISTED = 500;
const MAX_MEMBERS_LISTED = 1000;

/** The project a caller is on now, or null when their selection is not (or no longer) theirs. */
export async function currentProjectId(db: Db, principal: Principal, headers: Headers): Promise<string | null> {
  try {
    return (await accessFor(db, principal, headers)).projectId;
  } catch (err) {
    if (err instanceof AppError && err.status === 403) return null;
    throw err;
  }
}

export type ProjectChoice = { id: string; name: string; createdAt: Date; role: ProjectRole; current: boolean };

/** A user's memberships (an API key: its own project, with the viewer role it has in the API). */
export async function listProjectsFor(db: Db, principal: Principal, currentProjectId: string | null): Promise<ProjectChoice[]> {
  if (principal.kind === "apiKey") {
    const rows = await db
      .select({ id: projects.id, name: projects.name, createdAt: projects.createdAt })
      .from(projects)
      .where(eq(projects.id, principal.projectId));
    return rows.map((r) => ({ ...r, role: "viewer" as const, current: true }));
  }
  const rows = await db
    .select({ id: projects.id, name: projects.name, createdAt: projects.createdAt, role: memberships.role })
    .from(memberships)
    .innerJoin(projects, eq(projects.id, memberships.projectId))
    .where(eq(memberships.userId, principal.userId))
    .orderBy(asc(projects.name))
    .limit(MAX_PROJECTS_LISTED);
  return rows.map((r) => ({ ...r, current: r.id === currentProjectId }));
}

export type Member = { userId: string; email: string; name: string; role: ProjectRole; since: Date };

export async function listMembers(db: Db, projectId: string): Promise<Member[]> {
  return db
    .select({ userId: users.id, email: users.email, name: users.name, role: memberships.role, since: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.projectId, projectId))
    .orderBy(asc(users.email))
    .limit(MAX_MEMBERS_LISTED);
}

const lastOwner = () =>
  new AppError(409, "last_owner", "a project keeps at least one owner: make someone else owner first", {
    issues: [{ path: "role", message: "the last owner cannot be removed or demoted" }],
  });

/** Locks the project's owner rows, so two owners demoting each other at once cannot leave none. */
async function otherOwners(tx: DbOrTx, projectId: string, userId: string): Promise<number> {
  const rows = await tx.execute<{ user_id: string }>(
    dsql`SELECT user_id FROM memberships WHERE project_id = ${projectId} AND role = 'owner' FOR UPDATE`,
  );
  return [...rows].filter((r) => r.user_id !== userId).length;
}

/** Adds an existing user (by email) to the project or changes their role. */
export async function setMember(db: Db, projectId: string, email: string, role: ProjectRole): Promise<Member> {
  const user = await findUserByEmail(db, email);
  if (!user) {
    throw new AppError(404, "not_found", "no user with this email: create one with `npm run users:create`, or let them sign in with SSO first", {
      issues: [{ path: "email", message: "no user with this email" }],
    });
  }
  return db.transaction(async (tx) => {
    if (role !== "owner" && (await otherOwners(tx, projectId, user.id)) === 0) {
      const current = await tx
        .select({ role: memberships.role })
        .from(memberships)
        .where(and(eq(memberships.projectId, projectId), eq(memberships.userId, user.id)));
      if (current[0]?.role === "owner") throw lastOwner();
    }
    const [row] = await tx
      .insert(memberships)
      .values({ projectId, userId: user.id, role })
      .onConflictDoUpdate({ target: [memberships.projectId, memberships.userId], set: { role } })
      .returning({ since: memberships.createdAt });
    return { userId: user.id, email: user.email, name: user.name, role, since: row?.since ?? new Date() };
  });
}

export async function removeMember(db: Db, projectId: string, userId: string): Promise<void> {
  await db.transaction(async (tx) => {
    if ((await otherOwners(tx, projectId, userId)) === 0) {
      const current = await tx
        .select({ role: memberships.role })
        .from(memberships)
        .where(and(eq(memberships.projectId, projectId), eq(memberships.userId, userId)));
      if (current[0]?.role === "owner") throw lastOwner();
    }
    const removed = await tx
      .delete(memberships)
      .where(and(eq(memberships.projectId, projectId), eq(memberships.userId, userId)))
      .returning({ userId: memberships.userId });
    if (removed.length === 0) {
      throw notFound("no such member in this project", "userId");
    }
  });
}
