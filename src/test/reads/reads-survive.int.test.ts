// Issue 18, "reads survive any stored data": fast-check generates events that the route accepts
// (hostile strings, extreme numbers, the deepest and oddest metadata allowed), ingests them over
// HTTP, then calls every read procedure, every export kind and format, and renders the event
// drawer for every stored row. Every answer must be 2xx; nothing may throw.
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import fc from "fast-check";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import superjson from "superjson";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EventDrawer } from "~/features/analytics";
import { EXPORT_FORMATS, EXPORT_KINDS } from "~/features/export";
import type { AppRouter } from "~/trpc/root";
import { TRPCProvider } from "~/trpc/react";
import { closeTestDb, describeWithHttp, newProject, requireBaseUrl } from "~/test/integration";
import { eventArb } from "./arbitraries";

let project: Awaited<ReturnType<typeof newProject>>;

function client() {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${requireBaseUrl()}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${project.key}` } })],
  });
}

/** Runs a read; a failure reports the procedure and its HTTP status (the property's counterexample). */
async function read<T>(name: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    const status = err instanceof TRPCClientError ? (err.data as { httpStatus?: number } | undefined)?.httpStatus : undefined;
    throw new Error(`${name} failed (${status ?? "no status"}): ${err instanceof Error ? err.message : String(err)}`);
  }
}

type Item = Awaited<ReturnType<ReturnType<typeof client>["events"]["list"]["query"]>>["items"][number];

function renderDrawer(item: Item): string {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const trpcClient = client();
  const drawer = createElement(EventDrawer, { event: item, onClose: () => undefined });
  return renderToString(createElement(QueryClientProvider, { client: queryClient }, createElement(TRPCProvider, { trpcClient, queryClient } as Parameters<typeof TRPCProvider>[0], drawer)));
}

describeWithHttp("reads survive any accepted data (fast-check, HTTP)", () => {
  beforeAll(async () => {
    project = await newProject("reads");
  });
  afterAll(closeTestDb);

  it("every read procedure, export and the drawer answer 2xx over generated events", { timeout: 600_000 }, async () => {
    const trpc = client();
    const from = new Date(Date.now() - 366 * 86_400_000);
    const to = new Date(Date.now() + 25 * 3_600_000);
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 8 }), async (events) => {
        const res = await fetch(`${requireBaseUrl()}/api/v1/events`, {
          method: "POST",
          headers: { authorization: `Bearer ${project.key}`, "content-type": "application/json" },
          body: JSON.stringify({ events }),
        });
        const answer = await res.text();
        expect(res.status, answer.slice(0, 500)).toBeLessThan(500);
        if (res.status === 200 || res.status === 207) stored += (JSON.parse(answer) as { accepted: number }).accepted;

        const page = await read("events.list", trpc.events.list.query({ limit: 500, from, to }));
        const one = page.items[0];
        // Filters built from stored (hostile) values, as the dashboard builds them from a row.
        const filters = one ? { from, to, feature: one.feature ?? "", model: one.model, provider: one.provider, ...(one.userId ? { userId: one.userId } : {}) } : { from, to };
        await Promise.all([
          read("events.list (filtered)", trpc.events.list.query({ ...filters, limit: 50 })),
          read("features.list", trpc.features.list.query({ from, to, limit: 500 })),
          read("models.list", trpc.models.list.query({ ...filters, limit: 500 })),
          read("prompts.list", trpc.prompts.list.query({ from, to, limit: 500, search: one ? Array.from(one.model).slice(0, 50).join("") : undefined })),
          read("prompts.clusters", trpc.prompts.clusters.query({ from, to, limit: 50 })),
          read("stats.summary", trpc.stats.summary.query(filters)),
          read("stats.timeseries day/feature", trpc.stats.timeseries.query({ from, to, bucket: "day", groupBy: "feature" })),
          read("stats.timeseries hour/model", trpc.stats.timeseries.query({ ...filters, bucket: "hour", groupBy: "model" })),
          read("filters.options", trpc.filters.options.query({ from: from.toISOString(), to: to.toISOString() })),
          read("keys.list", trpc.keys.list.query()),
          read("prices.list", trpc.prices.list.query()),
          read("projects.list", trpc.projects.list.query()),
          read("account.me", trpc.account.me.query()),
        ]);
        for (const item of page.items.slice(0, 20)) {
          if (item.promptId) {
            await read("prompts.text", trpc.prompts.text.query({ promptId: item.promptId }));
            await read("prompts.similar", trpc.prompts.similar.query({ promptId: item.promptId, limit: 5 }));
          }
          expect(renderDrawer(item)).toContain("Event details");
        }
        // breakdown needs a dimension: the hostile ones (free-text tags, user ids, a metadata key).
        const exports = EXPORT_KINDS.flatMap((kind): { kind: string; by: string }[] => (kind === "breakdown" ? ["user", "tag", "metadata:plan"].map((by) => ({ kind, by })) : [{ kind, by: "" }]));
        for (const { kind, by } of exports) {
          for (const format of EXPORT_FORMATS) {
            const q = new URLSearchParams({ format, from: from.toISOString(), to: to.toISOString(), ...(by ? { by } : {}) });
            const r = await fetch(`${requireBaseUrl()}/api/export/${kind}?${q.toString()}`, { headers: { authorization: `Bearer ${project.key}` } });
            const body = await r.text();
            expect(r.status, `export ${kind}${by ? ` by ${by}` : ""} ${format}: ${body.slice(0, 300)}`).toBe(200);
            if (format === "json") expect(() => JSON.parse(body) as unknown, `export ${kind} json`).not.toThrow();
            if (format === "ndjson") for (const line of body.split("\n").filter(Boolean)) JSON.parse(line);
          }
        }
      }),
      { numRuns: 12, endOnFailure: true },
    );
    // The property is about stored data: make sure a good share of what was generated was stored.
    expect(stored).toBeGreaterThan(12);
  });
});
