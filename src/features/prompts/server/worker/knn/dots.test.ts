// The inlined WebAssembly against a plain loop: the 8-bit products must stay within the
// quantization error of the exact ones (the bulk link's margin assumes ~1e-2 at most).
import { describe, expect, it } from "vitest";
import { createDotKernel, MAX_BATCH } from "./dots";

function unit(dim: number, seed: number): Float32Array {
  let s = seed;
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    v[i] = s / 2147483648 - 0.5;
  }
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
const exact = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

describe("8-bit dot products in WebAssembly SIMD", () => {
  it("match a plain loop within the quantization error, for dimensions that need padding too", () => {
    for (const dim of [512, 100, 7]) {
      const vs = Array.from({ length: 44 }, (_, i) => unit(dim, i + 1));
      // A near-duplicate of the first: similarity close to 1.
      const first = vs[0] ?? new Float32Array(dim);
      vs.push(first.map((x, i) => (i % 9 === 0 ? x * 0.5 : x)));
      const k = createDotKernel(dim, vs.length);
      vs.forEach((v, i) => k.set(i, v));
      const ids = vs.map((_, i) => i);
      const out = new Float32Array(ids.length);
      k.dots(0, ids, ids.length, out);
      for (const j of ids) {
        expect(Math.abs((out[j] ?? 0) - exact(first, vs[j] ?? first))).toBeLessThan(0.01);
        expect(k.dot(j, 0)).toBeCloseTo(out[j] ?? 0, 6);
      }
      expect(out[0]).toBeGreaterThan(0.99);
      // Eight at a time, then four, then one by one: every count gives the same products.
      for (const n of [1, 3, 4, 5, 8, 12, 13, 15, 16, 20]) {
        const part = new Float32Array(n);
        k.dots(0, ids.slice(ids.length - n), n, part);
        expect(Array.from(part)).toEqual(Array.from(out.subarray(ids.length - n)));
      }
    }
  });

  it("refuses what does not fit", () => {
    const k = createDotKernel(8, 2);
    expect(() => k.set(2, new Float32Array(8))).toThrow(RangeError);
    expect(() => k.set(0, new Float32Array(7))).toThrow(RangeError);
    expect(() => k.dots(0, new Int32Array(MAX_BATCH + 1), MAX_BATCH + 1, new Float32Array(MAX_BATCH + 1))).toThrow(RangeError);
  });
});
