import { describe, expect, it } from "vitest";
import { parseVectorLiteral, toVectorLiteral } from "./types";

describe("vector literals (pgvector package)", () => {
  it("round-trip float32 values exactly", () => {
    const v = Float32Array.from([0, 1, -1, 0.1, 1e-8, -3.4028234663852886e38, 0.333333343267]);
    const text = toVectorLiteral(v);
    expect(text.startsWith("[") && text.endsWith("]")).toBe(true);
    expect(Array.from(parseVectorLiteral(text))).toEqual(Array.from(v));
  });
  it("parses an empty vector", () => {
    expect(parseVectorLiteral("[]").length).toBe(0);
  });
});
