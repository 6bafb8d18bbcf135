// Every tRPC procedure, enumerated from the router itself, refuses an anonymous caller and a signed-in
// member of another project — in process (createCaller) and over HTTP. A procedure added without
// going through authedProcedure/projectProcedure fails here before it can ship open.
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { appRouter, createCaller } from "~/trpc/root";
import { createContext } from "~/server/api/trpc";
import { browserHeaders, newSignedInUser, type TestUser } from "~/test/auth";
import { closeTestDb, describeWithHttp, newProject, requireBaseUrl, testDb } from "~/test/integration";

type ProcedureDef = { _def: { type: "query" | "mutation" | "subscription" } };
// Typed as the nested router, stored flat by dotted path (what tRPC resolves requests against).
const FLAT = appRouter._def.procedures as unknown as Record<string, ProcedureDef>;
const PROCEDURES = Object.entries(FLAT).map(([path, p]) => ({ path, type: p._def.type }));

// Procedures that work above the project level (they must still refuse anonymous callers). What
// they do for a member of another project is checked one by one below; everything else must be 403.
const CALLER_LEVEL = new Set(["projects.list", "account.selectProject"]);

let victim: Awaited<ReturnType<typeof newProject>>;
let intruderProject: Awaited<ReturnType<typeof newProject>>;
let intruder: TestUser;
let owner: TestUser;

function callByPath(caller: unknown, path: string, input: unknown): Promise<unknown> {
  let node: unknown = caller;
  for (const segment of path.split(".")) node = (node as Record<string, unknown>)[segment];
  if (typeof node !== "function") throw new Error(`no procedure at ${path}`);
  return (node as (input: unknown) => Promise<unknown>)(input);
}

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return "OK";
  } catch (err) {
    if (err instanceof TRPCError) return err.code;
    throw err;
  }
}

// Same-origin headers, so a mutation is judged on membership, not refused as cross-site first.
const SAME_ORIGIN = { host: "127.0.0.1:3000", origin: "http://127.0.0.1:3000" };
const callerWith = (headers: Record<string, string>) => createCaller(createContext({ headers: new Headers(headers), client: testDb() }));

describeWithHttp("authorisation matrix: every tRPC procedure", () => {
  beforeAll(async () => {
    victim = await newProject("victim");
    intruderProject = await newProject("intruder");
    intruder = await newSignedInUser({ projectId: intruderProject.projectId, role: "owner" });
    owner = await newSignedInUser({ projectId: victim.projectId, role: "owner" });
  });
  afterAll(closeTestDb);

  it("finds the procedures (the matrix is not vacuous)", () => {
    expect(PROCEDURES.length).toBeGreaterThanOrEqual(20);
    expect(PROCEDURES.map((p) => p.path)).toEqual(expect.arrayContaining(["events.list", "keys.create", "prices.upsert", "members.set"]));
  });

  it("refuses an anonymous caller: UNAUTHORIZED for every procedure (in process)", async () => {
    const anonymous = callerWith(SAME_ORIGIN);
    for (const p of PROCEDURES) expect(await codeOf(callByPath(anonymous, p.path, {})), p.path).toBe("UNAUTHORIZED");
  });

  it("refuses a member of another project who selects it: FORBIDDEN for every project procedure", async () => {
    const caller = callerWith({ ...SAME_ORIGIN, ...browserHeaders(intruder, { project: victim.projectId }) });
    for (const p of PROCEDURES.filter((q) => !CALLER_LEVEL.has(q.path))) {
      expect(await codeOf(callByPath(caller, p.path, {})), p.path).toBe("FORBIDDEN");
    }
    expect(await codeOf(callByPath(caller, "account.selectProject", { projectId: victim.projectId }))).toBe("FORBIDDEN");
    const listed = (await callByPath(caller, "projects.list", undefined)) as { id: string }[];
    expect(listed.map((p) => p.id)).toEqual([intruderProject.projectId]);
  });

  it("control: the same calls as the project's owner are not refused for access", async () => {
    const caller = callerWith({ ...SAME_ORIGIN, ...browserHeaders(owner, { project: victim.projectId }) });
    for (const p of PROCEDURES) {
      // Empty input may be a BAD_REQUEST (or a 404 for ids); what matters is that access was granted.
      expect(await codeOf(callByPath(caller, p.path, {})), p.path).not.toMatch(/^(UNAUTHORIZED|FORBIDDEN)$/);
    }
  });

  it("an API key reads its own project only and never manages keys, prices or members", async () => {
    const caller = callerWith({ authorization: `Bearer ${intruderProject.key}`, ...SAME_ORIGIN, cookie: `acp_project=${victim.projectId}` });
    const me = (await callByPath(caller, "account.me", undefined)) as { projectId: string; role: string };
    expect(me).toMatchObject({ projectId: intruderProject.projectId, role: "viewer" });
    for (const path of ["keys.create", "keys.revoke", "prices.upsert", "prices.delete", "members.list", "members.set", "members.remove"]) {
      expect(await codeOf(callByPath(caller, path, {})), path).toBe("FORBIDDEN");
    }
  });

  it("over HTTP: anonymous → 401 and another project's member → 403 for every procedure", async () => {
    const base = requireBaseUrl();
    const send = (path: string, type: string, headers: Record<string, string>, input: unknown = {}) =>
      type === "query"
        ? fetch(`${base}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, { headers })
        : fetch(`${base}/api/trpc/${path}`, {
            method: "POST",
            headers: { ...headers, "content-type": "application/json", origin: base },
            body: JSON.stringify({ json: input }),
          });
    for (const p of PROCEDURES) {
      const anon = await send(p.path, p.type, {});
      expect(anon.status, `${p.path} anonymous`).toBe(401);
      const body = (await anon.json()) as { error: { json: { data: { requestId: string | null } } } };
      expect(body.error.json.data.requestId, "error bodies carry the request id").toMatch(/\S{8,}/);
      if (CALLER_LEVEL.has(p.path)) continue;
      const other = await send(p.path, p.type, browserHeaders(intruder, { project: victim.projectId }));
      expect(other.status, `${p.path} other project's member`).toBe(403);
    }
  });
});
