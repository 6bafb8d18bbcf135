import { describe, expect, it } from "vitest";
import { toFilterInput } from "~/lib/filters";
import { exportHref } from "./links";

describe("export links", () => {
  it("carry exactly the table's filters", () => {
    const input = toFilterInput({ range: "24h", model: "gpt-4o" }, Date.parse("2026-11-25T18:15:07.500Z"));
    const url = new URL(exportHref("events", "csv", input), "http://x");
    expect(url.pathname).toBe("/api/export/events");
    expect(Object.fromEntries(url.searchParams)).toEqual({ format: "csv", from: input.from, to: input.to, model: "gpt-4o" });
  });
});
