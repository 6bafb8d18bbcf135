import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, sql as dsql } from "drizzle-orm";
import { env } from "~/env";
import type { Db } from "~/server/db";
import { users, verifications } from "~/server/db/schema";
import { AppError } from "~/server/errors";
import { ensureProject } from "./api-keys";
import { DEFAULT_PROJECT, createPasswordUser, ensureUser, setMembership, type DbOrTx } from "./users";

// First run: the owner account is created by ADMIN_EMAIL/ADMIN_PASSWORD at start, by
// `npm run users:create`, or on the setup page — which needs a one-time token printed in the
// server's log, so whoever reaches the port before the operator cannot claim the instance.

const SETUP_IDENTIFIER = "setup-token";
const SETUP_TTL_MS = 24 * 3600_000;
// Two instances starting on an empty database, or two setup submissions, must not both win.
const SETUP_LOCK = dsql`SELECT pg_advisory_xact_lock(hashtext('acp:first-owner'))`;

const hashToken = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

export type FirstRun =
  | { state: "ready" }
  | { state: "created-admin"; email: string }
  | { state: "setup-link"; token: string }
  | { state: "setup-pending" };

/**
 * Called at start: nothing to do once a user exists; otherwise create the owner from ADMIN_EMAIL
 * or issue a setup token. Servers keep one live token (instances sharing a database do not
 * invalidate each other's link; a lost link expires after 24 h); `rotate` (npm start, run by the
 * operator in a terminal) replaces it, so every start prints a working link.
 */
export async function prepareFirstRun(db: Db, o: { rotate?: boolean } = {}): Promise<FirstRun> {
  return db.transaction(async (tx) => {
    await tx.execute(SETUP_LOCK);
    const any = await tx.select({ id: users.id }).from(users).limit(1);
    if (any[0]) return { state: "ready" };
    if (env.ADMIN_EMAIL && env.ADMIN_PASSWORD) {
      await ensureUser(tx, { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD, projectName: DEFAULT_PROJECT, role: "owner" });
      return { state: "created-admin", email: env.ADMIN_EMAIL };
    }
    const live = await tx
      .select({ id: verifications.id })
      .from(verifications)
      .where(and(eq(verifications.identifier, SETUP_IDENTIFIER), gt(verifications.expiresAt, dsql`now()`)))
      .limit(1);
    if (live[0] && !o.rotate) return { state: "setup-pending" };
    const token = randomBytes(24).toString("base64url");
    await tx.delete(verifications).where(eq(verifications.identifier, SETUP_IDENTIFIER));
    await tx.insert(verifications).values({ identifier: SETUP_IDENTIFIER, value: hashToken(token), expiresAt: new Date(Date.now() + SETUP_TTL_MS) });
    return { state: "setup-link", token };
  });
}

/** Whether a token from a setup link is (still) good, for the page to say so before the form. */
export async function setupTokenValid(db: DbOrTx, token: string): Promise<boolean> {
  const rows = await db
    .select({ id: verifications.id })
    .from(verifications)
    .where(and(eq(verifications.identifier, SETUP_IDENTIFIER), eq(verifications.value, hashToken(token)), gt(verifications.expiresAt, dsql`now()`)))
    .limit(1);
  return rows.length > 0;
}

const setupRefused = () => new AppError(403, "setup_closed", "setup is closed: the link is invalid or expired, or the owner exists (sign in instead)");

/** The setup page's submit: the owner of project `default`, once, with a valid token. */
export async function completeSetup(db: Db, input: { token: string; email: string; name: string; password: string }): Promise<string> {
  return db.transaction(async (tx) => {
    await tx.execute(SETUP_LOCK);
    const any = await tx.select({ id: users.id }).from(users).limit(1);
    if (any[0] || !(await setupTokenValid(tx, input.token))) throw setupRefused();
    const user = await createPasswordUser(tx, input);
    const projectId = await ensureProject(tx, DEFAULT_PROJECT);
    await setMembership(tx, projectId, user.id, "owner");
    await tx.delete(verifications).where(eq(verifications.identifier, SETUP_IDENTIFIER));
    return user.id;
  });
}

/** Where the setup page is, for the log line (APP_URL, else the address the server listens on). */
export function setupUrl(token: string): string {
  const base = env.APP_URL ?? `http://${env.HOSTNAME === "0.0.0.0" ? "127.0.0.1" : env.HOSTNAME}:${env.PORT}`;
  return `${base.replace(/\/+$/, "")}/setup?token=${token}`;
}

/** Settings that are half there: said once at start instead of failing a sign-in later. */
export function authConfigWarnings(): string[] {
  const out: string[] = [];
  if ((env.ADMIN_EMAIL === undefined) !== (env.ADMIN_PASSWORD === undefined)) out.push("ADMIN_EMAIL and ADMIN_PASSWORD work together: set both or neither");
  if ((env.OIDC_ISSUER === undefined) !== (env.OIDC_CLIENT_ID === undefined)) out.push("OIDC sign-in needs both OIDC_ISSUER and OIDC_CLIENT_ID");
  const loopback = ["127.0.0.1", "localhost", "::1"].includes(env.HOSTNAME);
  if (!loopback && env.APP_URL === undefined) out.push("APP_URL is unset while listening beyond loopback: set APP_URL=https://… so cookies are Secure and only that origin is trusted");
  return out;
}
