import "server-only";
import type { Db } from "~/server/db";
import { getAuth, secureCookies } from "./auth";

// The signed-in user behind a request's cookies (Better Auth checks the signature, looks the
// session row up and its expiry), and the project-selection cookie.

const SESSION_COOKIE = `${secureCookies ? "__Secure-" : ""}acp.session_token`;

// The dashboard's selected project. It is a preference, not a credential: every request checks
// the user's membership of the project it names.
export const PROJECT_COOKIE = "acp_project";

export type SessionUser = { userId: string; sessionId: string; email: string; name: string };

function cookieValue(headers: Headers, name: string): string | null {
  const header = headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export function hasSessionCookie(headers: Headers): boolean {
  return cookieValue(headers, SESSION_COOKIE) !== null;
}

/** null when there is no session cookie, or it is forged, expired or signed out. */
export async function getSessionUser(db: Db, headers: Headers): Promise<SessionUser | null> {
  // No cookie, no database round trip: API-key scripts and anonymous probes stay cheap.
  if (!hasSessionCookie(headers)) return null;
  const auth = await getAuth(db);
  const found = await auth.api.getSession({ headers, query: { disableCookieCache: true } });
  if (!found) return null;
  return { userId: found.user.id, sessionId: found.session.id, email: found.user.email, name: found.user.name };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The project id the browser selected, when it looks like one (anything else counts as no selection). */
export function selectedProjectId(headers: Headers): string | null {
  const value = cookieValue(headers, PROJECT_COOKIE);
  return value !== null && UUID.test(value) ? value.toLowerCase() : null;
}

export function projectCookie(projectId: string): string {
  const attrs = ["Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${365 * 24 * 3600}`];
  if (secureCookies) attrs.push("Secure");
  return `${PROJECT_COOKIE}=${projectId}; ${attrs.join("; ")}`;
}
