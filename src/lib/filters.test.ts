import { describe, expect, it } from "vitest";
import { parseFilters, previousWindow, resolveWindow, toSearchParams } from "./filters";

const NOW = Date.parse("2026-11-25T18:15:07.500Z");

describe("dashboard filters", () => {
  it("parses the URL and falls back to the default range", () => {
    expect(parseFilters(new URLSearchParams(""))).toEqual({ range: "30d" });
    expect(parseFilters(new URLSearchParams("range=bogus&status=maybe"))).toEqual({ range: "30d" });
    expect(parseFilters({ range: "7d", model: " gpt-4o ", status: "error", user: "u-1", feature: "" })).toEqual({
      range: "7d",
      model: "gpt-4o",
      status: "error",
      userId: "u-1",
      feature: "",
    });
  });

  it("accepts a custom range only when both ends are valid and ordered", () => {
    const ok = parseFilters(new URLSearchParams("range=custom&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00.000Z"));
    expect(ok).toEqual({ range: "custom", from: "2026-11-01T00:00:00.000Z", to: "2026-11-02T00:00:00.000Z" });
    expect(parseFilters(new URLSearchParams("range=custom&from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z")).range).toBe("30d");
  });

  it("anchors presets to the next whole minute so server and browser agree", () => {
    const a = resolveWindow({ range: "24h" }, NOW);
    const b = resolveWindow({ range: "24h" }, NOW + 20_000);
    expect(a).toEqual(b);
    expect(a).toEqual({ from: "2026-11-24T18:16:00.000Z", to: "2026-11-25T18:16:00.000Z" });
    expect(previousWindow(a)).toEqual({ from: "2026-11-23T18:16:00.000Z", to: "2026-11-24T18:16:00.000Z" });
  });

  it("round-trips through the query string", () => {
    const f = { range: "7d" as const, feature: "", provider: "openai", status: "success" as const };
    expect(parseFilters(toSearchParams(f))).toEqual(f);
    expect(toSearchParams({ range: "30d" }).toString()).toBe("");
  });
});
