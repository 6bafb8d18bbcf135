import { seededRandom } from "~/lib/seeded-random";
import { createDotKernel, MAX_BATCH, type DotKernel } from "./dots";

// An HNSW graph in the worker's memory, for linking a large backlog in one pass (bulk-link.ts):
// every vector is inserted once, and the queued ones are then looked up among all of them; the
// search that placed a vector (its nearest among those inserted before it) adds its candidates
// too. Vectors are unit length, so similarity is the dot product.
// The layout follows the HNSW paper (Malkov & Yashunin): levels drawn with mL = 1/ln(M), 2M links
// on the ground layer, neighbours chosen by the paper's heuristic (a candidate is kept when it is
// nearer to the new vector than to every neighbour kept so far), also when a full list takes a new
// link. Vectors are held in 8 bits (dots.ts): the graph finds candidates, never final similarities.

export type MemoryHnswOptions = { dim: number; capacity: number; m?: number; efConstruction?: number; seed?: number };

/** A binary heap of (similarity, id); `max` orders the best (highest similarity) first. */
class Heap {
  sims: Float64Array;
  ids: Int32Array;
  size = 0;
  constructor(
    capacity: number,
    private readonly max: boolean,
  ) {
    this.sims = new Float64Array(capacity);
    this.ids = new Int32Array(capacity);
  }
  private before(a: number, b: number): boolean {
    const x = this.sims[a] ?? 0;
    const y = this.sims[b] ?? 0;
    return this.max ? x > y : x < y;
  }
  private swap(a: number, b: number) {
    const s = this.sims[a] ?? 0;
    this.sims[a] = this.sims[b] ?? 0;
    this.sims[b] = s;
    const i = this.ids[a] ?? 0;
    this.ids[a] = this.ids[b] ?? 0;
    this.ids[b] = i;
  }
  clear() {
    this.size = 0;
  }
  topSim(): number {
    return this.sims[0] ?? 0;
  }
  topId(): number {
    return this.ids[0] ?? 0;
  }
  push(sim: number, id: number) {
    if (this.size === this.sims.length) {
      const sims = new Float64Array(this.size * 2);
      sims.set(this.sims);
      this.sims = sims;
      const ids = new Int32Array(this.size * 2);
      ids.set(this.ids);
      this.ids = ids;
    }
    let i = this.size++;
    this.sims[i] = sim;
    this.ids[i] = id;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop() {
    const last = --this.size;
    if (last > 0) {
      this.sims[0] = this.sims[last] ?? 0;
      this.ids[0] = this.ids[last] ?? 0;
    }
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && this.before(r, l) ? r : l;
      if (!this.before(c, i)) break;
      this.swap(c, i);
      i = c;
    }
  }
}

export class MemoryHnsw {
  readonly kernel: DotKernel;
  private readonly m: number;
  private readonly m0: number;
  private readonly ef: number;
  private readonly random: () => number;
  private readonly ml: number;
  private count = 0;
  private stored = 0;
  private entry = -1;
  private top = -1;
  /** Ground layer: m0 links per vector, with their similarities (so a full list is trimmed without new products). */
  private readonly links0: Int32Array;
  private readonly sims0: Float32Array;
  private readonly n0: Uint8Array;
  /** Upper layers: only the few vectors drawn above the ground have lists there. */
  private readonly upper = new Map<number, { links: Int32Array; sims: Float32Array; n: number }>();
  private readonly visited: Uint32Array;
  private stamp = 0;
  private readonly candidates: Heap;
  private readonly results: Heap;
  private readonly batchIds = new Int32Array(MAX_BATCH);
  private readonly batchOut = new Float32Array(MAX_BATCH);

  constructor(o: MemoryHnswOptions) {
    this.m = o.m ?? 16;
    this.m0 = 2 * this.m;
    this.ef = Math.max(o.efConstruction ?? 64, this.m0);
    // Seeded: the graph's levels, so a run can be repeated.
    this.random = seededRandom(o.seed ?? 1);
    this.ml = 1 / Math.log(this.m);
    this.kernel = createDotKernel(o.dim, o.capacity);
    this.links0 = new Int32Array(o.capacity * this.m0);
    this.sims0 = new Float32Array(o.capacity * this.m0);
    this.n0 = new Uint8Array(o.capacity);
    this.visited = new Uint32Array(o.capacity);
    this.candidates = new Heap(this.ef * 4, true);
    this.results = new Heap(this.ef + 1, false);
  }

  /** Vectors in the graph. */
  get size(): number {
    return this.count;
  }

  private upperKey(node: number, level: number): number {
    return node * 64 + level;
  }

  /** The links of `node` at `level` (a view: the caller reads, never keeps it). */
  private neighbours(node: number, level: number): { links: Int32Array; n: number } {
    if (level === 0) return { links: this.links0.subarray(node * this.m0, node * this.m0 + this.m0), n: this.n0[node] ?? 0 };
    const u = this.upper.get(this.upperKey(node, level));
    return u ? { links: u.links, n: u.n } : { links: this.links0.subarray(0, 0), n: 0 };
  }

  /** Greedy descent on an upper layer: the best vector reachable from `from`. */
  private greedy(q: number, from: number, fromSim: number, level: number): [number, number] {
    let best = from;
    let bestSim = fromSim;
    for (let changed = true; changed; ) {
      changed = false;
      const { links, n } = this.neighbours(best, level);
      if (n === 0) break;
      for (let j = 0; j < n; j++) this.batchIds[j] = links[j] ?? 0;
      this.kernel.dots(q, this.batchIds, n, this.batchOut);
      for (let j = 0; j < n; j++) {
        const s = this.batchOut[j] ?? 0;
        if (s > bestSim) {
          bestSim = s;
          best = this.batchIds[j] ?? 0;
          changed = true;
        }
      }
    }
    return [best, bestSim];
  }

  /** The best `ef` vectors found from `entry` on `level`, left in `results` (a min-heap). */
  private searchLayer(q: number, entry: number, entrySim: number, level: number, ef: number): void {
    this.stamp += 1;
    if (this.stamp === 0xffffffff) {
      this.visited.fill(0);
      this.stamp = 1;
    }
    const visited = this.visited;
    const stamp = this.stamp;
    const cand = this.candidates;
    const res = this.results;
    cand.clear();
    res.clear();
    visited[entry] = stamp;
    cand.push(entrySim, entry);
    res.push(entrySim, entry);
    while (cand.size > 0) {
      const cSim = cand.topSim();
      const c = cand.topId();
      if (res.size >= ef && cSim < res.topSim()) break;
      cand.pop();
      // The ground layer read in place (no view per visit: most of a search is there).
      let links = this.links0;
      let base = c * this.m0;
      let n = this.n0[c] ?? 0;
      if (level > 0) {
        const u = this.upper.get(this.upperKey(c, level));
        links = u?.links ?? links;
        base = 0;
        n = u?.n ?? 0;
      }
      let k = 0;
      for (let j = 0; j < n; j++) {
        const id = links[base + j] ?? 0;
        if (visited[id] === stamp) continue;
        visited[id] = stamp;
        this.batchIds[k++] = id;
      }
      if (k === 0) continue;
      this.kernel.dots(q, this.batchIds, k, this.batchOut);
      for (let j = 0; j < k; j++) {
        const s = this.batchOut[j] ?? 0;
        if (res.size < ef || s > res.topSim()) {
          const id = this.batchIds[j] ?? 0;
          cand.push(s, id);
          res.push(s, id);
          if (res.size > ef) res.pop();
        }
      }
    }
  }

  /** The results heap drained, best first. */
  private drainResults(): { ids: Int32Array; sims: Float32Array } {
    const n = this.results.size;
    const ids = new Int32Array(n);
    const sims = new Float32Array(n);
    for (let i = n - 1; i >= 0; i--) {
      ids[i] = this.results.topId();
      sims[i] = this.results.topSim();
      this.results.pop();
    }
    return { ids, sims };
  }

  /** The paper's heuristic: keep a candidate nearer to q than to every neighbour kept so far. */
  private select(ids: Int32Array, sims: Float32Array, max: number): number[] {
    const kept: number[] = [];
    for (let i = 0; i < ids.length && kept.length < max; i++) {
      const e = ids[i] ?? 0;
      const s = sims[i] ?? 0;
      let ok = true;
      if (kept.length > 0) {
        for (let j = 0; j < kept.length; j++) this.batchIds[j] = ids[kept[j] ?? 0] ?? 0;
        this.kernel.dots(e, this.batchIds, kept.length, this.batchOut);
        for (let j = 0; j < kept.length; j++) {
          if ((this.batchOut[j] ?? 0) > s) {
            ok = false;
            break;
          }
        }
      }
      if (ok) kept.push(i);
    }
    return kept;
  }

  /** Adds the link node → to (similarity s); a full list drops its farthest when `to` is nearer. */
  private link(node: number, to: number, s: number, level: number): void {
    if (level === 0) {
      const base = node * this.m0;
      const n = this.n0[node] ?? 0;
      if (n < this.m0) {
        this.links0[base + n] = to;
        this.sims0[base + n] = s;
        this.n0[node] = n + 1;
        return;
      }
      // Full: the list is chosen again by the heuristic among its links and the new one.
      const order = Array.from({ length: n + 1 }, (_, j) => j).sort(
        (x, y) => (y < n ? (this.sims0[base + y] ?? 0) : s) - (x < n ? (this.sims0[base + x] ?? 0) : s),
      );
      const ids = Int32Array.from(order, (j) => (j < n ? (this.links0[base + j] ?? 0) : to));
      const sims = Float32Array.from(order, (j) => (j < n ? (this.sims0[base + j] ?? 0) : s));
      const kept = this.select(ids, sims, this.m0);
      kept.forEach((k, j) => {
        this.links0[base + j] = ids[k] ?? 0;
        this.sims0[base + j] = sims[k] ?? 0;
      });
      this.n0[node] = kept.length;
      return;
    }
    const key = this.upperKey(node, level);
    let u = this.upper.get(key);
    if (!u) {
      u = { links: new Int32Array(this.m), sims: new Float32Array(this.m), n: 0 };
      this.upper.set(key, u);
    }
    if (u.n < this.m) {
      u.links[u.n] = to;
      u.sims[u.n] = s;
      u.n += 1;
      return;
    }
    let worst = 0;
    for (let j = 1; j < u.n; j++) if ((u.sims[j] ?? 0) < (u.sims[worst] ?? 0)) worst = j;
    if (s > (u.sims[worst] ?? 0)) {
      u.links[worst] = to;
      u.sims[worst] = s;
    }
  }

  /**
   * The nearest vectors to vector `q` (already in the graph) among the whole graph, best first,
   * itself left out: a lookup like the database's (ef candidates on the ground layer).
   */
  search(q: number, ef: number): { ids: Int32Array; sims: Float32Array } {
    if (this.entry < 0) return { ids: new Int32Array(0), sims: new Float32Array(0) };
    let ep = this.entry;
    let epSim = this.kernel.dot(q, ep);
    for (let l = this.top; l > 0; l--) [ep, epSim] = this.greedy(q, ep, epSim, l);
    this.searchLayer(q, ep, epSim, 0, ef + 1);
    const w = this.drainResults();
    const keep = w.ids.findIndex((id) => id === q);
    if (keep < 0) return { ids: w.ids.subarray(0, ef), sims: w.sims.subarray(0, ef) };
    return {
      ids: Int32Array.from([...w.ids.subarray(0, keep), ...w.ids.subarray(keep + 1)]),
      sims: Float32Array.from([...w.sims.subarray(0, keep), ...w.sims.subarray(keep + 1)]),
    };
  }

  /** Stores a vector (unit length) in the next slot, not yet in the graph; returns the slot. */
  store(vector: ArrayLike<number>): number {
    const slot = this.stored;
    if (slot >= this.kernel.capacity) throw new RangeError("the graph is full");
    this.kernel.set(slot, vector);
    this.stored += 1;
    return slot;
  }

  /**
   * Inserts a stored vector into the graph and returns the vectors in the graph before it that
   * the search met, best first (up to efConstruction: its nearest among them).
   */
  insert(q: number): { ids: Int32Array; sims: Float32Array } {
    if (q < 0 || q >= this.stored) throw new RangeError(`slot ${q} holds no vector`);
    this.count += 1;
    const level = Math.min(63, Math.floor(-Math.log(1 - this.random()) * this.ml));
    if (this.entry < 0) {
      this.entry = q;
      this.top = level;
      return { ids: new Int32Array(0), sims: new Float32Array(0) };
    }
    let ep = this.entry;
    let epSim = this.kernel.dot(q, ep);
    for (let l = this.top; l > level; l--) [ep, epSim] = this.greedy(q, ep, epSim, l);
    let found: { ids: Int32Array; sims: Float32Array } = { ids: new Int32Array(0), sims: new Float32Array(0) };
    for (let l = Math.min(level, this.top); l >= 0; l--) {
      this.searchLayer(q, ep, epSim, l, this.ef);
      const w = this.drainResults();
      if (l === 0) found = w;
      const max = l === 0 ? this.m0 : this.m;
      for (const i of this.select(w.ids, w.sims, max)) {
        const e = w.ids[i] ?? 0;
        const s = w.sims[i] ?? 0;
        this.link(q, e, s, l);
        this.link(e, q, s, l);
      }
      ep = w.ids[0] ?? ep;
      epSim = w.sims[0] ?? epSim;
    }
    if (level > this.top) {
      this.top = level;
      this.entry = q;
    }
    return found;
  }
}
