import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { storableBoundedJson, storableJson, storableText } from "./storable-text";

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

  it("storableBoundedJson equals storableJson, and is the value itself when nothing needs a change (property)", { timeout: 30_000 }, () => {
    // Strings over every UTF-16 unit (lone surrogates and NUL included), plus the text "\\u0000" itself.
    const text = fc.oneof(fc.string({ unit: "binary" }), fc.constantFrom("\\u0000", "\\ud800", "a\u0000", "\ud83d", "\ud83d\ude80"));
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small", withCrossShrink: true }, text, fc.integer(), fc.boolean(), fc.constant(null), tie("array"), tie("object")),
      array: fc.array(tie("value"), { maxLength: 4 }),
      object: fc.dictionary(text, tie("value"), { maxKeys: 4 }),
    }));
    fc.assert(
      fc.property(json.object, (m) => {
        const out = storableBoundedJson(m);
        expect(out).toEqual(storableJson(m));
        // No escape of the kind looked for (a backslash-u in the text itself may cost a copy: still equal).
        if (!/\\u(?:0000|d[89a-f])/i.test(JSON.stringify(m))) expect(out).toBe(m);
        else if (JSON.stringify(storableJson(m)) !== JSON.stringify(m)) expect(out).not.toBe(m);
      }),
      { numRuns: 2000 },
    );
    expect(storableBoundedJson({ "k\u0000": "x" })).toEqual({ "k\ufffd": "x" });
    expect(storableBoundedJson({ k: ["\udc00"] })).toEqual({ k: ["\ufffd"] });
  });
});
