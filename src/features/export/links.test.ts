import { describe, expect, it } from "vitest";
import { parseFilters, toFilterInput, toSearchParams } from "~/lib/filters";
import { exportHref } from "./links";
import { parseExportRequest } from "./schemas";

describe("export links", () => {
  it("carry exactly the table's filters", () => {
    const input = toFilterInput({ range: "24h", model: "gpt-4o" }, Date.parse("2026-11-25T18:15:07.500Z"));
    const url = new URL(exportHref("events", "csv", input), "http://x");
    expect(url.pathname).toBe("/api/export/events");
    expect(Object.fromEntries(url.searchParams)).toEqual({ format: "csv", from: input.from, to: input.to, model: "gpt-4o" });
  });

  it("carry tag, session and metadata (key=value) filters the export route parses back", () => {
    const f = parseFilters(new URLSearchParams("tag=beta&session=s-1&meta=plan%3Dpro%3Dplus&user=cafe\u0301"));
    expect(f).toMatchObject({ tag: "beta", sessionId: "s-1", metadata: { key: "plan", value: "pro=plus" }, userId: "café" });
    expect(toSearchParams(f).get("meta")).toBe("plan=pro=plus");
    const url = new URL(exportHref("users", "csv", toFilterInput(f, Date.parse("2026-11-25T18:15:07.500Z"))), "http://x");
    const parsed = parseExportRequest("users", url.searchParams);
    expect(parsed.ok && parsed.request.filters).toMatchObject({ tag: "beta", sessionId: "s-1", metadata: { key: "plan", value: "pro=plus" } });
  });
});
