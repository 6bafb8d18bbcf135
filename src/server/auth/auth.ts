import "server-only";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { genericOAuth } from "better-auth/plugins";
import { env } from "~/env";
import type { Db } from "~/server/db";
import { accounts, sessions, users, verifications } from "~/server/db/schema";
import { logger } from "~/server/logger";
import { getSecret } from "~/server/secrets";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, hashPassword, verifyPassword } from "./password";
import { grantOidcDefaultRole } from "./users";

// Better Auth does the session work we should not hand-roll: random session tokens stored
// server-side, signed HttpOnly cookies, sign-out that deletes the row, OIDC with PKCE and state.
// The app keeps: who may see which project (memberships), the login rate limit (the ingestion
// limiter, src/server/auth/login-rate-limit.ts) and the password hash parameters (./password.ts).

export const AUTH_BASE_PATH = "/api/auth";
export const SESSION_TTL_SECONDS = 7 * 24 * 3600;
// Where the app sends the client's address for the session row (set by the /api/auth route from the
// socket-derived client IP, never taken from the client).
export const CLIENT_IP_HEADER = "x-acp-client-ip";
export const OIDC_PROVIDER_ID = "oidc";

export const secureCookies = env.APP_URL?.startsWith("https://") ?? false;

export function oidcEnabled(): boolean {
  return env.OIDC_ISSUER !== undefined && env.OIDC_CLIENT_ID !== undefined;
}

function discoveryUrl(issuer: string): string {
  return issuer.includes("/.well-known/") ? issuer : `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

function buildAuth(db: Db, secret: string) {
  return betterAuth({
    appName: "AI Cost Profiler",
    // Unset: each request's own origin (local use). Behind a proxy, APP_URL is the public origin.
    baseURL: env.APP_URL,
    basePath: AUTH_BASE_PATH,
    secret,
    database: drizzleAdapter(db, {
      provider: "pg",
      schema: { user: users, session: sessions, account: accounts, verification: verifications },
    }),
    emailAndPassword: {
      enabled: true,
      // Accounts come from the first-run setup, `npm run users:create` or OIDC, never from a public form.
      disableSignUp: true,
      minPasswordLength: PASSWORD_MIN_LENGTH,
      maxPasswordLength: PASSWORD_MAX_LENGTH,
      password: { hash: hashPassword, verify: ({ hash, password }) => verifyPassword(hash, password) },
    },
    session: {
      expiresIn: SESSION_TTL_SECONDS,
      // Absolute lifetime: a stolen cookie is not kept alive by use. No cookie cache either: every
      // request reads the session row, so signing out (or deleting a user) takes effect at once.
      disableSessionRefresh: true,
      cookieCache: { enabled: false },
    },
    // Sign-in attempts are limited by the app's own limiter before they reach Better Auth (per IP
    // and per account, shared by all instances through Redis); its per-process limiter would not be.
    rateLimit: { enabled: false },
    trustedOrigins: env.APP_URL ? [new URL(env.APP_URL).origin] : undefined,
    advanced: {
      // Explicit: Better Auth turns its origin check off by itself when NODE_ENV=test or TEST is set.
      disableOriginCheck: false,
      disableCSRFCheck: false,
      useSecureCookies: secureCookies,
      cookiePrefix: "acp",
      database: { generateId: "uuid" },
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
    },
    plugins: oidcEnabled()
      ? [
          genericOAuth({
            config: [
              {
                providerId: OIDC_PROVIDER_ID,
                name: env.OIDC_NAME,
                discoveryUrl: discoveryUrl(env.OIDC_ISSUER ?? ""),
                clientId: env.OIDC_CLIENT_ID ?? "",
                clientSecret: env.OIDC_CLIENT_SECRET,
                scopes: env.OIDC_SCOPES.split(/[\s,]+/).filter(Boolean),
                pkce: true,
              },
            ],
          }),
        ]
      : [],
    databaseHooks: {
      user: {
        create: {
          // Users created by an OIDC callback may join project `default` (OIDC_DEFAULT_ROLE).
          after: async (user, ctx) => {
            if (ctx?.path.startsWith("/callback/")) await grantOidcDefaultRole(db, user.id);
          },
        },
      },
    },
    onAPIError: { errorURL: "/sign-in" },
    logger: {
      level: "warn",
      log: (level, message) => {
        // Deriving the origin from each request is the intended local default (see APP_URL);
        // start-server.ts warns when that matters (listening beyond loopback without APP_URL).
        if (message.includes("Base URL is not set")) return;
        logger[level](`auth: ${message}`);
      },
    },
    telemetry: { enabled: false },
  });
}

export type Auth = ReturnType<typeof buildAuth>;

// One instance per database handle (the app's, or a test's), built once its secret is known.
const instances = new WeakMap<Db, Promise<Auth>>();

export function getAuth(db: Db): Promise<Auth> {
  let auth = instances.get(db);
  if (!auth) {
    auth = (async () => buildAuth(db, env.AUTH_SECRET ?? (await getSecret(db, "auth")).toString("base64url")))();
    // A database outage must not poison the cache: the next request tries again.
    auth.catch(() => instances.delete(db));
    instances.set(db, auth);
  }
  return auth;
}
