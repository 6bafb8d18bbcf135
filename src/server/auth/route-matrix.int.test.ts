// Every route handler, found by globbing src/app/**/route.ts, refuses anonymous callers and members
// of another project; the few public ones are listed here with what they may and may not reveal.
import { afterAll, beforeAll, expect, it } from "vitest";
import { routeFiles } from "~/test/app-files";
import { browserHeaders, newSignedInUser, type TestUser } from "~/test/auth";
import { closeTestDb, describeWithHttp, newProject, requireBaseUrl } from "~/test/integration";


// A sample value for each dynamic segment: a new route with a new segment name fails until added.
const SAMPLES: Record<string, string> = { "[kind]": "events", "[trpc]": "events.list", "[...all]": "get-session" };

// tRPC answers a POST to a query with 405 before any procedure runs: POSTs go to a mutation.
const POST_URL: Record<string, string> = { "/api/trpc/events.list": "/api/trpc/keys.create" };
const urlFor = (r: Route, method: string) => (method === "GET" || method === "HEAD" ? r.url : (POST_URL[r.url] ?? r.url));

type Route = { file: string; url: string; methods: string[] };

/** Dynamic segments get their sample value: a new segment name fails until SAMPLES has one. */
const ROUTES: Route[] = routeFiles().map((r) => ({
  file: r.file,
  methods: r.methods.filter((m) => m !== "OPTIONS"),
  url: `/${r.segments
    .map((s) => {
      if (!s.startsWith("[")) return s;
      const sample = SAMPLES[s];
      if (sample === undefined) throw new Error(`route ${r.file}: add a sample for the segment ${s} to SAMPLES`);
      return sample;
    })
    .join("/")}`,
}));


// Public by design. Each entry says what an anonymous caller gets; nothing else may be public.
const PUBLIC: Record<string, (res: Response, method: string) => Promise<void> | void> = {
  // Liveness for load balancers: only ok/absent/down per component.
  "/api/health": async (res) => {
    expect(Object.keys((await res.json()) as object).sort()).toEqual(["db", "embedder", "embeddings", "redis"]);
  },
  // The API's description, generated from the schemas: no data.
  "/api/openapi.json": (res) => {
    expect(res.status).toBe(200);
  },
  // Better Auth: anonymous callers must be able to sign in; without a cookie there is no session.
  "/api/auth/get-session": async (res, method) => {
    if (method === "GET") expect(await res.text()).toBe("null");
    else expect(res.status).toBeGreaterThanOrEqual(400);
  },
  // First-run setup: open to anyone with the one-time token, so without one it refuses.
  "/api/setup": (res) => {
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  },
};

let victim: Awaited<ReturnType<typeof newProject>>;
let intruder: TestUser;

function request(url: string, method: string, headers: Record<string, string> = {}): Promise<Response> {
  const base = requireBaseUrl();
  const body = method === "GET" || method === "HEAD" ? undefined : "{}";
  return fetch(`${base}${url}`, { method, headers: { ...(body ? { "content-type": "application/json", origin: base } : {}), ...headers }, body, redirect: "manual" });
}

describeWithHttp("authorisation matrix: every route handler", () => {
  beforeAll(async () => {
    victim = await newProject("victim");
    const own = await newProject("intruder");
    intruder = await newSignedInUser({ projectId: own.projectId, role: "owner" });
  });
  afterAll(closeTestDb);

  it("finds the route handlers", () => {
    expect(ROUTES.map((r) => r.url)).toEqual(expect.arrayContaining(["/api/v1/events", "/api/export/events", "/api/trpc/events.list"]));
    for (const r of ROUTES) expect(r.methods.length, `${r.file} exports no HTTP method`).toBeGreaterThan(0);
  });

  it("refuses anonymous callers with 401 unless the route is public (and then reveals nothing)", async () => {
    for (const r of ROUTES) {
      for (const method of r.methods) {
        const res = await request(urlFor(r, method), method);
        const check = PUBLIC[r.url];
        if (check) await check(res, method);
        else expect(res.status, `${method} ${r.url} (${r.file})`).toBe(401);
        if (method !== "HEAD" && res.status >= 400) expect(await res.text().catch(() => ""), "no stack traces").not.toMatch(/\bat .+\(.+:\d+:\d+\)|node_modules/);
      }
    }
  });

  it("refuses a signed-in member of another project: 403 where sessions count, 401 where only API keys do", async () => {
    const headers = browserHeaders(intruder, { project: victim.projectId });
    for (const r of ROUTES) {
      if (PUBLIC[r.url]) continue;
      for (const method of r.methods) {
        const res = await request(urlFor(r, method), method, headers);
        const keyOnly = r.url.startsWith("/api/v1/");
        expect(res.status, `${method} ${r.url}`).toBe(keyOnly ? 401 : 403);
      }
    }
  });

  it("ingestion and OTLP take API keys only: a valid session is not enough", async () => {
    const res = await request("/api/v1/events", "POST", browserHeaders(intruder));
    expect(res.status).toBe(401);
  });
});
