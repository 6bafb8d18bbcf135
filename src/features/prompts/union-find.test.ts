import { describe, expect, it } from "vitest";
import { compareIds, components } from "./union-find";

describe("clusters as connected components", () => {
  it("orders decimal ids numerically", () => {
    expect(compareIds("9", "10")).toBeLessThan(0);
    expect(compareIds("100", "99")).toBeGreaterThan(0);
    expect(compareIds("42", "42")).toBe(0);
  });

  it("labels each component with its smallest id, ignores edges to unknown ids and leaves lone ids out", () => {
    const ids = ["10", "2", "30", "4", "50", "6", "7"];
    const m = components(ids, [["10", "30"], ["30", "4"], ["50", "6"], ["2", "999"], ["7", "7"]]);
    expect(Object.fromEntries(m)).toEqual({ "10": "4", "30": "4", "4": "4", "50": "6", "6": "6" });
  });

  it("handles a long chain without recursion", () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => String(i + 1));
    const edges = ids.slice(1).map((id, i): [string, string] => [id, ids[i] ?? "1"]).reverse();
    const m = components(ids, edges);
    expect(new Set(m.values())).toEqual(new Set(["1"]));
  });
});
