import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import superjson from "superjson";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { AppRouter } from "~/trpc/root";
import { closeTestDb, describeWithHttp, newProject, postEvents, requireBaseUrl } from "~/test/integration";
import { generateEvents } from "../../../scripts/lib/generate";

afterAll(closeTestDb);

function client(key: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({ url: `${requireBaseUrl()}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${key}` } }),
    ],
  });
}

let key = "";
beforeAll(async () => {
  if (!requireBaseUrl) return;
  const p = await newProject("http");
  key = p.key;
  const events = [...generateEvents(600, { seed: 11, days: 2, idPrefix: "h" })];
  const res = await postEvents(key, { events });
  expect(res.status).toBe(200);
});

describeWithHttp("analytics over real HTTP (tRPC client + superjson)", () => {
  it("pages events.list to the end and agrees with stats.summary", async () => {
    const c = client(key);
    let cursor: string | null = null;
    let n = 0;
    do {
      const page: Awaited<ReturnType<typeof c.events.list.query>> = await c.events.list.query({ limit: 250, cursor });
      n += page.items.length;
      cursor = page.nextCursor;
    } while (cursor);
    const summary = await c.stats.summary.query({});
    expect(n).toBe(600);
    expect(summary.calls).toBe(600);
    const features = await c.features.list.query({ from: new Date(Date.now() - 3 * 86_400_000) });
    expect(features.items.reduce((s, f) => s + f.calls, 0)).toBe(600);
  });

  it("answers a bad cursor with 400 BAD_REQUEST naming the cursor, and a bad key with 401", async () => {
    const err = await client(key).events.list.query({ cursor: "x.y" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    const e = err as TRPCClientError<AppRouter>;
    expect(e.data?.httpStatus).toBe(400);
    expect(e.message).toMatch(/cursor/);
    const unauth = await client(`acp_${"z".repeat(43)}`).events.list.query({}).catch((x: unknown) => x);
    expect((unauth as TRPCClientError<AppRouter>).data?.httpStatus).toBe(401);
  });

  it("serves the OpenAPI document", async () => {
    const res = await fetch(`${requireBaseUrl()}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths["/api/v1/events"]).toBeDefined();
  });
});
