import "server-only";
import type { Db } from "../db";
import type { ProjectRole } from "../db/schema";
import { forbidden, unauthorized } from "../errors";
import { bearerToken } from "../http";
import { findApiKeyOwner } from "./api-keys";
import { getSessionUser, selectedProjectId } from "./session";
import { firstMembership, membershipRole } from "./users";

// Who is calling and which project they may act on — the one place tRPC procedures and route
// handlers (exports) get it from. Callers are either a project API key (`Authorization: Bearer`),
// which acts on its own project only and with a viewer's rights in the API (it cannot manage keys,
// prices or members: a leaked ingestion key must not be able to mint keys), or a signed-in user,
// acting on the project their browser selected (cookie `acp_project`) if they are a member of it.

export type Principal =
  | { kind: "apiKey"; keyId: string; projectId: string }
  | { kind: "user"; userId: string; sessionId: string; email: string; name: string };

export type Access = { principal: Principal; projectId: string; role: ProjectRole };

export { forbidden };

const SIGN_IN = "sign in, or send Authorization: Bearer <project API key>";

/** The caller, or 401. A key that is sent but unknown or revoked is a 401 even with a session. */
export async function resolveCaller(db: Db, headers: Headers): Promise<Principal> {
  const token = bearerToken(headers);
  if (token) {
    const owner = await findApiKeyOwner(db, token);
    if (!owner) throw unauthorized("invalid or revoked API key");
    return { kind: "apiKey", keyId: owner.keyId, projectId: owner.projectId };
  }
  const user = await getSessionUser(db, headers);
  if (!user) throw unauthorized(`authentication required: ${SIGN_IN}`);
  return { kind: "user", ...user };
}

/** The project a caller acts on and their role there: 401 without a caller, 403 without a membership. */
export async function accessFor(db: Db, principal: Principal, headers: Headers): Promise<Access> {
  if (principal.kind === "apiKey") return { principal, projectId: principal.projectId, role: "viewer" };
  const selected = selectedProjectId(headers);
  if (selected) {
    const role = await membershipRole(db, selected, principal.userId);
    if (!role) throw forbidden("you are not a member of the selected project: pick another one in the project switcher");
    return { principal, projectId: selected, role };
  }
  const first = await firstMembership(db, principal.userId);
  if (!first) throw forbidden("your account has no project yet: ask a project owner to add you");
  return { principal, projectId: first.projectId, role: first.role };
}

export async function resolveAccess(db: Db, headers: Headers): Promise<Access> {
  return accessFor(db, await resolveCaller(db, headers), headers);
}

/** Route handlers that only read (exports): the caller's project id, or 401/403. */
export async function resolveProject(db: Db, headers: Headers): Promise<string> {
  return (await resolveAccess(db, headers)).projectId;
}
