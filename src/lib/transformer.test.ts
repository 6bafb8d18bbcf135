import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { isPlainJson, transformer } from "./transformer";

const plain: unknown[] = [
  null, "x", "", 0, 1.5, -3, true, false, [], {}, [1, "a", null, [2, { b: [] }]],
  { items: [{ id: "1", costUsd: "0.000001", metadata: { nested: { deep: [1, 2, { x: "é" }] } }, tags: null }], nextCursor: null },
  Object.assign(Object.create(null) as object, { a: 1 }),
];
const special: unknown[] = [
  new Date(0), 10n, new Map([[1, 2]]), new Set([1]), undefined, Number.NaN, Number.POSITIVE_INFINITY, -0,
  { a: undefined }, [undefined], { d: new Date(1) }, [1, , 3], /re/, { nested: { n: 1n } }, new (class K { x = 1 })(),
];

describe("tRPC transformer", () => {
  it("sends plain JSON as superjson's own form, unchanged", () => {
    for (const v of plain) {
      expect(isPlainJson(v, 0), JSON.stringify(v)).toBe(true);
      expect(transformer.serialize(v)).toEqual(superjson.serialize(v));
      expect(superjson.deserialize(JSON.parse(JSON.stringify(transformer.serialize(v))) as never)).toEqual(v);
    }
  });

  it("leaves everything JSON cannot carry to superjson, so the client reads the same values", () => {
    for (const v of special) {
      expect(isPlainJson(v, 0)).toBe(false);
      const wire = JSON.parse(JSON.stringify(transformer.serialize(v))) as never;
      expect(superjson.deserialize(wire)).toEqual(superjson.deserialize(JSON.parse(JSON.stringify(superjson.serialize(v))) as never));
    }
  });

  it("refuses what superjson refuses, and bounds depth", () => {
    const polluted = JSON.parse('{"__proto__": {"x": 1}}') as unknown;
    expect(isPlainJson(polluted, 0)).toBe(false);
    expect(() => transformer.serialize(polluted)).toThrow(/prototype pollution/);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(isPlainJson(deep, 0)).toBe(false);
    expect(superjson.deserialize(transformer.serialize(deep) as never)).toEqual(deep);
  });
});
