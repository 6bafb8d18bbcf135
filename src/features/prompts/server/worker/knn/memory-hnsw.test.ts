// The in-memory graph finds the true nearest neighbours of clustered vectors (families of
// near-duplicates among unrelated ones, the shape the link stage meets).
import { describe, expect, it } from "vitest";
import { MemoryHnsw } from "./memory-hnsw";

function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}
const normalise = (v: Float32Array) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

describe("in-memory HNSW", () => {
  it("finds the exact 10 nearest of almost every vector among 3,000 in families", () => {
    const dim = 64;
    const rnd = random(7);
    const centres = Array.from({ length: 150 }, () => normalise(Float32Array.from({ length: dim }, rnd)));
    const vs = Array.from({ length: 3000 }, (_, i) => normalise((centres[i % 150] ?? new Float32Array(dim)).map((x) => x + 0.08 * rnd())));
    const g = new MemoryHnsw({ dim, capacity: vs.length, efConstruction: 64 });
    for (const v of vs) g.insert(g.store(v));
    expect(g.size).toBe(3000);
    let hits = 0;
    let total = 0;
    for (let q = 0; q < vs.length; q += 37) {
      const query = vs[q] ?? new Float32Array(dim);
      const truth = vs
        .map((v, i) => ({ i, s: v.reduce((a, x, k) => a + x * (query[k] ?? 0), 0) }))
        .filter((x) => x.i !== q)
        .sort((a, b) => b.s - a.s)
        .slice(0, 10)
        .map((x) => x.i);
      const found = new Set(g.search(q, 40).ids);
      expect(found.has(q)).toBe(false);
      for (const t of truth) if (found.has(t)) hits += 1;
      total += truth.length;
    }
    expect(hits / total).toBeGreaterThan(0.97);
  });

  it("returns the search results best first, and nothing from an empty graph", () => {
    const g = new MemoryHnsw({ dim: 8, capacity: 3 });
    const a = g.store(normalise(Float32Array.of(1, 0, 0, 0, 0, 0, 0, 0.1)));
    expect(g.search(a, 5).ids.length).toBe(0);
    g.insert(a);
    g.insert(g.store(normalise(Float32Array.of(1, 0.2, 0, 0, 0, 0, 0, 0))));
    g.insert(g.store(normalise(Float32Array.of(0, 1, 0, 0, 0, 0, 0, 0))));
    const r = g.search(a, 5);
    expect([...r.ids]).toEqual([1, 2]);
    expect(r.sims[0]).toBeGreaterThan(r.sims[1] ?? 1);
    expect(() => g.insert(7)).toThrow(RangeError);
  });
});
