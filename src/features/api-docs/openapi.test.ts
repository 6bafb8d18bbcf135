import { describe, expect, it } from "vitest";
import { EXPORT_COLUMNS, EXPORT_KINDS } from "~/features/export";
import { routeFiles, templateUrl } from "~/test/app-files";
import { openApiDocument } from "./openapi";


// Routes that speak their own protocol rather than REST; each is documented elsewhere. Keep this short.
const EXCLUDED: Record<string, string> = {
  "/api/trpc/{trpc}": "tRPC (superjson batches); procedures are listed in docs/api.md",
  "/api/auth/{...all}": "Better Auth's own endpoints (sign-in, sign-out, OIDC callback)",
};


describe("OpenAPI document", () => {
  const doc = openApiDocument("http://localhost:3000");
  const paths = doc.paths as Record<string, Record<string, unknown>>;
  const routes = routeFiles().map((r) => ({ ...r, url: templateUrl(r.segments) }));

  it("finds the route handlers (the glob itself works)", () => {
    expect(routes.map((r) => r.url)).toEqual(expect.arrayContaining(["/api/v1/events", "/api/export/{kind}", "/api/v1/otlp/v1/traces"]));
    for (const r of routes) expect(r.methods.length, `${r.file} exports no HTTP method`).toBeGreaterThan(0);
  });

  it("describes every route.ts with exactly the methods it exports", () => {
    for (const r of routes.filter((r) => !(r.url in EXCLUDED))) {
      expect(paths[r.url], `${r.file}: add ${r.url} to src/features/api-docs/openapi.ts`).toBeDefined();
      expect(Object.keys(paths[r.url] ?? {}).sort(), `${r.url}: methods`).toEqual(r.methods.map((m) => m.toLowerCase()).sort());
    }
  });

  it("describes no route that does not exist, and excludes only existing routes", () => {
    const urls = routes.map((r) => r.url);
    expect(Object.keys(paths).filter((p) => !urls.includes(p))).toEqual([]);
    expect(Object.keys(EXCLUDED).filter((p) => !urls.includes(p))).toEqual([]);
    expect(Object.keys(paths).filter((p) => p in EXCLUDED)).toEqual([]);
  });

  it("describes the event fields from the zod schema", () => {
    const event = doc.components.schemas.Event as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(event.properties)).toEqual(expect.arrayContaining(["provider", "model", "inputTokens", "cachedInputTokens", "costUsd", "metadata"]));
    expect(event.required).toEqual(expect.arrayContaining(["provider", "model", "inputTokens", "outputTokens"]));
  });

  it("describes the export filters and the setup form from their zod schemas", () => {
    const names = doc.paths["/api/export/{kind}"].get.parameters.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["kind", "format", "from", "to", "feature", "model", "provider", "userId", "status"]));
    const setup = doc.components.schemas.Setup as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(setup.properties).sort()).toEqual(["email", "name", "password", "token"]);
  });
  it("describes each export kind's row from the writers' column table", () => {
    const schemas: Record<string, unknown> = doc.components.schemas;
    for (const kind of EXPORT_KINDS) {
      const schema = schemas[`Export_${kind}`] as { properties: Record<string, { type: string }> };
      expect(Object.keys(schema.properties), kind).toEqual(EXPORT_COLUMNS[kind].map((c) => c.name));
    }
    const events = schemas.Export_events as { properties: Record<string, { type: string }> };
    expect(events.properties.costUsd?.type).toBe("string"); // exact decimal, never a float
    expect(events.properties.inputTokens?.type).toBe("integer");
  });
});
