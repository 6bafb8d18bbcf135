import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CLIPPED, clipJson, jsonDepthIssue, mapJson, withinDepth } from "./json-bounds";
import { storableJson } from "./storable-text";

const nested = (depth: number) => JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`) as unknown;

describe("json bounds (issue 18: nothing recursive can overflow)", () => {
  it("measures depth without recursion, naming the first path too deep", () => {
    expect(jsonDepthIssue({ a: [1, { b: 2 }] }, 3)).toBeNull();
    expect(jsonDepthIssue({ a: [1, { b: {} }] }, 3)).toEqual({ path: "a.1.b", message: "must be nested at most 3 levels deep" });
    expect(jsonDepthIssue("text", 0)).toBeNull();
    // A million levels: JSON.stringify throws RangeError on this; the walk does not.
    const deep = nested(1_000_000);
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(jsonDepthIssue({ x: deep }, 20, "metadata")?.path).toMatch(/^metadata\.x\.0\.0\.0\.0\.0\.0\.0…$/);
  });

  it("withinDepth agrees with jsonDepthIssue, also without recursion (property)", { timeout: 30_000 }, () => {
    expect(withinDepth({ x: nested(1_000_000) }, 20)).toBe(false);
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "medium" }, fc.string(), fc.integer(), fc.constant(null), tie("array"), tie("object")),
      array: fc.array(tie("value"), { maxLength: 3 }),
      object: fc.dictionary(fc.string(), tie("value"), { maxKeys: 3 }),
    }));
    fc.assert(
      fc.property(json.value, fc.integer({ min: 0, max: 6 }), (v, max) => {
        expect(withinDepth(v, max)).toBe(jsonDepthIssue(v, max) === null);
      }),
    );
  });

  it("clips and cleans deep values without recursion, keeping odd keys as plain own keys", () => {
    const clipped = clipJson({ a: nested(50) }, 3) as { a: unknown[] };
    expect(JSON.stringify(clipped)).toBe(`{"a":[["${CLIPPED}"]]}`);
    expect(clipJson(nested(5), 0)).toBe(CLIPPED);
    const cleaned = storableJson({ ["__proto__"]: "x\u0000", list: ["\ud800"], n: 1, t: true, z: null }) as Record<string, unknown>;
    expect(Object.keys(cleaned)).toEqual(["__proto__", "list", "n", "t", "z"]);
    expect(cleaned.list).toEqual(["\ufffd"]);
    expect(Object.getPrototypeOf(cleaned)).toBe(Object.prototype);
    expect(() => storableJson(nested(1_000_000))).not.toThrow();
    expect(mapJson({ k: "v" }, 5, (s) => s.toUpperCase())).toEqual({ K: "V" });
    // Keys superjson refuses (it throws, failing the whole events.list page) are shown bracketed.
    const refused = JSON.parse('{"constructor":{"prototype":1,"__proto__":2},"ok":3}') as unknown;
    expect(JSON.stringify(clipJson(refused))).toBe('{"[constructor]":{"[prototype]":1,"[__proto__]":2},"ok":3}');
  });
});
