import { describe, expect, it } from "vitest";
import { openApiDocument } from "./openapi";

describe("OpenAPI document", () => {
  const doc = openApiDocument("http://localhost:3000");
  it("describes the event fields from the zod schema", () => {
    const event = doc.components.schemas.Event as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(event.properties)).toEqual(expect.arrayContaining(["provider", "model", "inputTokens", "cachedInputTokens", "costUsd", "metadata"]));
    expect(event.required).toEqual(expect.arrayContaining(["provider", "model", "inputTokens", "outputTokens"]));
  });
  it("lists every REST route and the export filters", () => {
    expect(Object.keys(doc.paths)).toEqual(["/api/v1/events", "/api/health", "/api/export/{kind}"]);
    const names = doc.paths["/api/export/{kind}"].get.parameters.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["kind", "format", "from", "to", "feature", "model", "provider", "userId", "status"]));
  });
});
