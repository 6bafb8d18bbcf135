// Sessions over real HTTP: the cookie's attributes, sign-out that ends the session on the server,
// cross-site writes refused, and what a viewer may not do.
import { afterAll, beforeAll, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { setMembership } from "~/server/auth/users";
import { sessions } from "~/server/db/schema";
import { browserHeaders, cookiePair, newSignedInUser, signIn, TEST_PASSWORD, type TestProject, type TestUser, newOwnedProject } from "~/test/auth";
import { closeTestDb, describeWithHttp, newProject, requireBaseUrl, testDb } from "~/test/integration";

let project: TestProject;
let owner: TestUser;

const me = (headers: Record<string, string>) => fetch(`${requireBaseUrl()}/api/trpc/account.me`, { headers });

function mutate(path: string, input: unknown, headers: Record<string, string>) {
  return fetch(`${requireBaseUrl()}/api/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ json: input }),
  });
}

describeWithHttp("sessions, sign-out and CSRF (HTTP)", () => {
  beforeAll(async () => ({ project, owner } = await newOwnedProject("sessions")));
  afterAll(closeTestDb);

  it("signs in with a session cookie that is HttpOnly, SameSite=Lax and expires; the body carries no token", async () => {
    const res = await signIn(requireBaseUrl(), owner.email);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty("token");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("acp.session_token="));
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Max-Age=604800/);
    // Plain http on loopback in tests: Secure comes with APP_URL=https://… (see security-headers tests).
    expect(cookie).not.toMatch(/; Secure/i);
  });

  it("refuses a wrong password with 401 and the same answer for an unknown email", async () => {
    const wrong = await signIn(requireBaseUrl(), owner.email, "not the password at all");
    const unknown = await signIn(requireBaseUrl(), "nobody@example.test", TEST_PASSWORD);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const a = (await wrong.json()) as { message: string };
    const b = (await unknown.json()) as { message: string };
    expect(a.message).toBe(b.message);
  });

  it("sign-out deletes the session: the old cookie is refused at once (401), by tRPC and export alike", async () => {
    const user = await newSignedInUser({ projectId: project.projectId, role: "viewer" });
    expect((await me(browserHeaders(user))).status).toBe(200);
    const out = await fetch(`${requireBaseUrl()}/api/auth/sign-out`, {
      method: "POST",
      headers: { ...browserHeaders(user, { origin: requireBaseUrl() }), "content-type": "application/json" },
      body: "{}",
    });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie().some((c) => /^acp\.session_token=;.*Max-Age=0/i.test(c))).toBe(true);
    // The browser would drop the cookie; an attacker who copied it sends it anyway.
    expect((await me(browserHeaders(user))).status).toBe(401);
    expect((await fetch(`${requireBaseUrl()}/api/export/events?format=csv`, { headers: browserHeaders(user) })).status).toBe(401);
    const left = await testDb().db.select().from(sessions).where(eq(sessions.userId, user.userId));
    expect(left).toEqual([]);
  });

  it("refuses cross-site writes: tRPC mutations need the app's own Origin (or Sec-Fetch-Site: same-origin)", async () => {
    const input = { name: "csrf-probe" };
    const evil = await mutate("keys.create", input, browserHeaders(owner, { origin: "https://evil.example" }));
    expect(evil.status).toBe(403);
    expect(await evil.text()).toContain("cross-site");
    const nullOrigin = await mutate("keys.create", input, browserHeaders(owner, { origin: "null" }));
    expect(nullOrigin.status).toBe(403);
    const noProof = await mutate("keys.create", input, browserHeaders(owner));
    expect(noProof.status).toBe(403);
    const crossFetch = await mutate("keys.create", input, { ...browserHeaders(owner), "sec-fetch-site": "cross-site" });
    expect(crossFetch.status).toBe(403);
    const sameSite = await mutate("keys.create", input, { ...browserHeaders(owner), "sec-fetch-site": "same-origin" });
    expect(sameSite.status).toBe(200);
    const sameOrigin = await mutate("keys.create", input, browserHeaders(owner, { origin: requireBaseUrl() }));
    expect(sameOrigin.status).toBe(200);
    // A link or an <img> is a GET: tRPC never runs a mutation for one.
    const viaGet = await fetch(`${requireBaseUrl()}/api/trpc/keys.create?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, {
      headers: browserHeaders(owner),
    });
    expect(viaGet.status).toBe(405);
  });

  it("refuses cross-site sign-out, sign-in and setup (Better Auth's origin check and ours)", async () => {
    const base = requireBaseUrl();
    const out = await fetch(`${base}/api/auth/sign-out`, {
      method: "POST",
      headers: { ...browserHeaders(owner, { origin: "https://evil.example" }), "content-type": "application/json" },
      body: "{}",
    });
    expect(out.status).toBe(403);
    expect((await me(browserHeaders(owner))).status).toBe(200);
    const login = await fetch(`${base}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://evil.example" },
      body: JSON.stringify({ email: owner.email, password: TEST_PASSWORD }),
    });
    expect(login.status).toBe(403);
    expect(cookiePair(login.headers.getSetCookie(), "acp.session_token")).toBeNull();
    const setup = await fetch(`${base}/api/setup`, { method: "POST", headers: { "content-type": "application/json", origin: "https://evil.example" }, body: "{}" });
    expect(setup.status).toBe(403);
  });

  it("viewers read but cannot manage keys, prices or members; members manage keys and prices but not members", async () => {
    const viewer = await newSignedInUser({ projectId: project.projectId, role: "viewer" });
    const member = await newSignedInUser({ projectId: project.projectId, role: "member" });
    const origin = { origin: requireBaseUrl() };
    expect((await fetch(`${requireBaseUrl()}/api/trpc/keys.list`, { headers: browserHeaders(viewer) })).status).toBe(200);
    const price = { provider: "self-hosted", model: "roles-model", input: "1", output: "2", effectiveFrom: "2026-01-01", source: "test" };
    expect((await mutate("keys.create", { name: "viewer-key" }, browserHeaders(viewer, origin))).status).toBe(403);
    expect((await mutate("prices.upsert", price, browserHeaders(viewer, origin))).status).toBe(403);
    expect((await mutate("members.set", { email: viewer.email, role: "owner" }, browserHeaders(viewer, origin))).status).toBe(403);
    expect((await mutate("keys.create", { name: "member-key" }, browserHeaders(member, origin))).status).toBe(200);
    expect((await mutate("members.set", { email: member.email, role: "owner" }, browserHeaders(member, origin))).status).toBe(403);
    // The owner can promote, but never leave the project without an owner.
    expect((await mutate("members.set", { email: viewer.email, role: "member" }, browserHeaders(owner, origin))).status).toBe(200);
    const demoteSelf = await mutate("members.set", { email: owner.email, role: "viewer" }, browserHeaders(owner, origin));
    expect(demoteSelf.status).toBe(409);
  });

  it("switching projects: only to a project the user is a member of; the choice is a checked cookie", async () => {
    const other = await newProject("switch");
    const origin = { origin: requireBaseUrl() };
    expect((await mutate("account.selectProject", { projectId: other.projectId }, browserHeaders(owner, origin))).status).toBe(403);
    // A viewer of a second project too: now the switch is allowed and sets the cookie.
    await setMembership(testDb().db, other.projectId, owner.userId, "viewer");
    const ok = await mutate("account.selectProject", { projectId: other.projectId }, browserHeaders(owner, origin));
    expect(ok.status).toBe(200);
    const set = ok.headers.getSetCookie().find((c) => c.startsWith("acp_project="));
    expect(set).toContain(other.projectId);
    expect(set).toMatch(/HttpOnly/i);
    const res = await me(browserHeaders(owner, { project: other.projectId }));
    expect(((await res.json()) as { result: { data: { json: { projectId: string; role: string } } } }).result.data.json).toMatchObject({
      projectId: other.projectId,
      role: "viewer",
    });
  });
});
