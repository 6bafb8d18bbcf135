// An instance of its own (empty database, login limit 3, OIDC against a loopback provider): the
// first-run setup, the login rate limit per IP and per account, and OIDC sign-in end to end.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { prepareFirstRun } from "~/server/auth/setup";
import { createDbClient, type DbClient } from "~/server/db";
import { startAppServer, type AppServer } from "~/test/app-server";
import { cookiePair, freshDatabase } from "~/test/auth";
import { describeWithHttp, redisUrl } from "~/test/integration";
import { startOidcStub, type OidcStub } from "~/test/oidc-stub";

let db: Awaited<ReturnType<typeof freshDatabase>>;
let client: DbClient;
let server: AppServer;
let idp: OidcStub;
// Undone in reverse order, including when beforeAll fails half way (the database is always dropped).
const cleanups: (() => Promise<unknown>)[] = [];
const OWNER = { name: "Owner", email: "owner@first-run.test", password: "a long enough passphrase" };

// TRUSTED_PROXIES=127.0.0.1 lets the test speak for many client addresses through X-Forwarded-For.
const from = (ip: string) => ({ "x-forwarded-for": ip });

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.url, ...headers },
    body: JSON.stringify(body),
    redirect: "manual",
  });
}

describeWithHttp("first run, login rate limit and OIDC (own server)", () => {
  beforeAll(async () => {
    db = await freshDatabase();
    cleanups.push(() => db.drop());
    client = createDbClient(db.url, { max: 2 });
    cleanups.push(() => client.sql.end());
    idp = await startOidcStub({ sub: "idp-user-1", email: "sso.user@corp.test", name: "SSO User" });
    cleanups.push(() => idp.close());
    server = await startAppServer({
      DATABASE_URL: db.url,
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      RATE_LIMIT_PREFIX: `acp:test:${randomBytes(4).toString("hex")}`,
      RATE_LIMIT_LOGIN_PER_15_MIN: "3",
      TRUSTED_PROXIES: "127.0.0.1",
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: idp.clientId,
      OIDC_CLIENT_SECRET: idp.clientSecret,
      OIDC_DEFAULT_ROLE: "viewer",
    });
    cleanups.push(() => server.stop());
  }, 120_000);
  afterAll(async () => {
    for (const undo of cleanups.reverse()) await undo();
  });

  it("sends anonymous visitors to setup while no account exists; the page needs the one-time link", async () => {
    const home = await fetch(`${server.url}/`, { redirect: "manual" });
    expect(home.status).toBe(307);
    expect(home.headers.get("location")).toMatch(/\/setup$/);
    const page = await (await fetch(`${server.url}/setup`)).text();
    expect(page).toContain("one-time setup link");
    expect(page).not.toContain("Create the owner account");
    const forged = await post("/api/setup", { token: "x".repeat(32), ...OWNER }, from("198.51.100.1"));
    expect(forged.status).toBe(403);
  });

  it("creates the owner of project default with the link's token, signs them in, then closes for good", async () => {
    const run = await prepareFirstRun(client.db, { rotate: true });
    if (run.state !== "setup-link") throw new Error(`expected a setup link, got ${run.state}`);
    const page = await (await fetch(`${server.url}/setup?token=${run.token}`)).text();
    expect(page).toContain("Create the owner account");
    const weak = await post("/api/setup", { token: run.token, ...OWNER, password: "short" }, from("198.51.100.2"));
    expect(weak.status).toBe(400);
    expect(await weak.text()).toContain("password");
    const res = await post("/api/setup", { token: run.token, ...OWNER }, from("198.51.100.2"));
    expect(res.status).toBe(201);
    const cookie = cookiePair(res.headers.getSetCookie(), "acp.session_token");
    expect(cookie).not.toBeNull();
    const me = await fetch(`${server.url}/api/trpc/account.me`, { headers: { cookie: cookie ?? "" } });
    expect(((await me.json()) as { result: { data: { json: { role: string; user: { email: string } } } } }).result.data.json).toMatchObject({
      role: "owner",
      user: { email: OWNER.email },
    });
    expect((await fetch(`${server.url}/`, { headers: { cookie: cookie ?? "" }, redirect: "manual" })).status).toBe(200);
    // Used once: the same token, or any other, is refused now; the page sends people to sign-in.
    expect((await post("/api/setup", { token: run.token, ...OWNER, email: "second@first-run.test" }, from("198.51.100.2"))).status).toBe(403);
    expect((await prepareFirstRun(client.db)).state).toBe("ready");
    const after = await fetch(`${server.url}/setup`, { redirect: "manual" });
    expect(after.headers.get("location")).toMatch(/\/sign-in$/);
  });

  it("limits sign-in attempts per client IP with the ingestion limiter's headers; a right password is refused too", async () => {
    const ip = from("203.0.113.10");
    for (let i = 0; i < 3; i++) expect((await post("/api/auth/sign-in/email", { email: `nobody${i}@x.test`, password: "wrong password 1" }, ip)).status).toBe(401);
    const limited = await post("/api/auth/sign-in/email", { email: OWNER.email, password: OWNER.password }, ip);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get("x-ratelimit-limit")).toBe("3");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(((await limited.json()) as { error: string; requestId: string }).error).toBe("rate_limited");
    // Another address is not affected.
    expect((await post("/api/auth/sign-in/email", { email: OWNER.email, password: OWNER.password }, from("203.0.113.11"))).status).toBe(200);
  });

  it("limits setup attempts with the same 429 as every limited route (Retry-After, X-RateLimit-*, retryAfter)", async () => {
    const ip = from("203.0.113.20");
    for (let i = 0; i < 3; i++) expect((await post("/api/setup", { token: "x".repeat(43), ...OWNER }, ip)).status).not.toBe(429);
    const limited = await post("/api/setup", { token: "x".repeat(43), ...OWNER }, ip);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get("x-ratelimit-limit")).toBe("3");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(limited.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
    const body = (await limited.json()) as { error: string; retryAfter: number };
    expect(body).toMatchObject({ error: "rate_limited", retryAfter });
  });

  it("limits attempts per account across addresses (twice the per-IP limit)", async () => {
    const account = { email: "target@first-run.test", password: "wrong password 2" };
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await post("/api/auth/sign-in/email", account, from(`192.0.2.${20 + i}`))).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429]);
  });

  /** The browser's round trip: start, the provider's authorize redirect, the callback. */
  async function ssoSignIn(ip: Record<string, string>): Promise<Response> {
    const start = await post("/api/auth/sign-in/social", { provider: "oidc", callbackURL: "/", errorCallbackURL: "/sign-in?error=sso" }, ip);
    expect(start.status).toBe(200);
    const { url } = (await start.json()) as { url: string };
    const authorize = new URL(url);
    expect(authorize.origin).toBe(idp.issuer);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("state")).toBeTruthy();
    const jar = start.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    const back = await fetch(url, { redirect: "manual" });
    const callback = back.headers.get("location") ?? "";
    expect(callback.startsWith(`${server.url}/api/auth/`)).toBe(true);
    return fetch(callback, { headers: { cookie: jar, ...ip }, redirect: "manual" });
  }

  it("signs in with OIDC (PKCE, state, signed id token) and gives a new user OIDC_DEFAULT_ROLE on default", async () => {
    const done = await ssoSignIn(from("198.51.100.50"));
    expect(done.status).toBe(302);
    expect(idp.tokenCalls).toBe(1);
    const session = cookiePair(done.headers.getSetCookie(), "acp.session_token");
    expect(session).not.toBeNull();
    const me = await fetch(`${server.url}/api/trpc/account.me`, { headers: { cookie: session ?? "" } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { result: { data: { json: { role: string; user: { email: string } } } } }).result.data.json).toMatchObject({
      role: "viewer",
      user: { email: "sso.user@corp.test" },
    });
    // A viewer: reads, but cannot create keys.
    const key = await post("/api/trpc/keys.create", { json: { name: "sso" } }, { cookie: session ?? "" });
    expect(key.status).toBe(403);
  });

  it("does not merge an SSO identity into an existing password account with the same email", async () => {
    idp.user = { sub: "idp-user-2", email: OWNER.email, name: "Impostor" };
    const done = await ssoSignIn(from("198.51.100.51"));
    expect(cookiePair(done.headers.getSetCookie(), "acp.session_token")).toBeNull();
    expect(done.headers.get("location")).toMatch(/\/sign-in\?error=/);
  });
});
