import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { storableJson, storableText } from "./storable-text";

const storable = (s: string) => !s.includes("\0") && Buffer.from(s, "utf8").toString("utf8") === s;

describe("storableText", () => {
  it("replaces NUL and unpaired surrogates, keeps pairs and everything else", () => {
    expect(storableText("a\u0000b")).toBe("a\ufffdb");
    expect(storableText("x\ud800y\udfffz")).toBe("x\ufffdy\ufffdz");
    expect(storableText("🚀 café")).toBe("🚀 café");
  });

  // Generous timeout: a few seconds alone, longer while the integration tier loads both cores.
  it("always returns text PostgreSQL can store, unchanged when it already was (property)", { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const out = storableText(s);
        expect(storable(out)).toBe(true);
        expect(out.length).toBe(s.length);
        if (storable(s)) expect(out).toBe(s);
      }),
    );
  });

  it("cleans keys and values of nested JSON", () => {
    expect(storableJson({ "k\u0000": ["\ud800", { deep: "a\u0000" }], n: 1, b: null })).toEqual({ "k\ufffd": ["\ufffd", { deep: "a\ufffd" }], n: 1, b: null });
  });
});
