// Dot products of one vector against many for the bulk neighbour search, on vectors quantized to
// 8 bits (a scale per vector: the largest component maps to ±127), in WebAssembly SIMD. The search
// reads vectors at random, so it is bound by memory, not arithmetic: a 512-dimension vector of
// float32 is 2 KiB (~415 ns per product over 100k vectors, ~40 ns when cached), in 8 bits a
// quarter of that, and the kernel reads eight vectors at once so their waits overlap (the graph of
// bench:similarity's 100k vectors built and looked up in 62–75 s against 102–117 s one vector at a
// time, same process, alternated). The similarities are approximate (about 1e-3 off); the link
// stage keeps the database's exact ones (bulk-link.ts). The module is dots.wat (next to this
// file) assembled with wabt's wat2wasm (SIMD enabled); the bytes are inlined so nothing is
// compiled at run time; dots.test.ts checks them against a plain loop.
const WASM = "AGFzbQEAAAABCQFgBX9/f39/AAIPAQNlbnYGbWVtb3J5AgABAwIBAAcIAQRkb3RzAAAKjg0Biw0CCn8MewJAA0AgBUEIaiACSw0BIAEgBUECdGooAgAhByABIAVBAnRqKAIEIQggASAFQQJ0aigCCCEJIAEgBUECdGooAgwhCiABIAVBAnRqKAIQIQsgASAFQQJ0aigCFCEMIAEgBUECdGooAhghDSABIAVBAnRqKAIcIQ79DAAAAAAAAAAAAAAAAAAAAAAhE/0MAAAAAAAAAAAAAAAAAAAAACEU/QwAAAAAAAAAAAAAAAAAAAAAIRX9DAAAAAAAAAAAAAAAAAAAAAAhFv0MAAAAAAAAAAAAAAAAAAAAACEX/QwAAAAAAAAAAAAAAAAAAAAAIRj9DAAAAAAAAAAAAAAAAAAAAAAhGf0MAAAAAAAAAAAAAAAAAAAAACEaQQAhBgNAIAAgBmr9AAQAIQ8gD/2HASEQIA/9iAEhESAHIAZq/QAEACESIBMgECAS/YcB/boBIBEgEv2IAf26Af2uAf2uASETIAggBmr9AAQAIRIgFCAQIBL9hwH9ugEgESAS/YgB/boB/a4B/a4BIRQgCSAGav0ABAAhEiAVIBAgEv2HAf26ASARIBL9iAH9ugH9rgH9rgEhFSAKIAZq/QAEACESIBYgECAS/YcB/boBIBEgEv2IAf26Af2uAf2uASEWIAsgBmr9AAQAIRIgFyAQIBL9hwH9ugEgESAS/YgB/boB/a4B/a4BIRcgDCAGav0ABAAhEiAYIBAgEv2HAf26ASARIBL9iAH9ugH9rgH9rgEhGCANIAZq/QAEACESIBkgECAS/YcB/boBIBEgEv2IAf26Af2uAf2uASEZIA4gBmr9AAQAIRIgGiAQIBL9hwH9ugEgESAS/YgB/boB/a4B/a4BIRogBkEQaiEGIAYgBEkNAAsgEyAU/Q0AAQIDCAkKCxAREhMYGRobIBMgFP0NBAUGBwwNDg8UFRYXHB0eH/2uASEPIBUgFv0NAAECAwgJCgsQERITGBkaGyAVIBb9DQQFBgcMDQ4PFBUWFxwdHh/9rgEhEiADIAVBAnRqIA8gEv0NAAECAwgJCgsQERITGBkaGyAPIBL9DQQFBgcMDQ4PFBUWFxwdHh/9rgH9CwQAIBcgGP0NAAECAwgJCgsQERITGBkaGyAXIBj9DQQFBgcMDQ4PFBUWFxwdHh/9rgEhDyAZIBr9DQABAgMICQoLEBESExgZGhsgGSAa/Q0EBQYHDA0ODxQVFhccHR4f/a4BIRIgAyAFQQJ0aiAPIBL9DQABAgMICQoLEBESExgZGhsgDyAS/Q0EBQYHDA0ODxQVFhccHR4f/a4B/QsEECAFQQhqIQUMAAsLAkADQCAFQQRqIAJLDQEgASAFQQJ0aigCACEHIAEgBUECdGooAgQhCCABIAVBAnRqKAIIIQkgASAFQQJ0aigCDCEK/QwAAAAAAAAAAAAAAAAAAAAAIRP9DAAAAAAAAAAAAAAAAAAAAAAhFP0MAAAAAAAAAAAAAAAAAAAAACEV/QwAAAAAAAAAAAAAAAAAAAAAIRZBACEGA0AgACAGav0ABAAhDyAP/YcBIRAgD/2IASERIAcgBmr9AAQAIRIgEyAQIBL9hwH9ugEgESAS/YgB/boB/a4B/a4BIRMgCCAGav0ABAAhEiAUIBAgEv2HAf26ASARIBL9iAH9ugH9rgH9rgEhFCAJIAZq/QAEACESIBUgECAS/YcB/boBIBEgEv2IAf26Af2uAf2uASEVIAogBmr9AAQAIRIgFiAQIBL9hwH9ugEgESAS/YgB/boB/a4B/a4BIRYgBkEQaiEGIAYgBEkNAAsgEyAU/Q0AAQIDCAkKCxAREhMYGRobIBMgFP0NBAUGBwwNDg8UFRYXHB0eH/2uASEPIBUgFv0NAAECAwgJCgsQERITGBkaGyAVIBb9DQQFBgcMDQ4PFBUWFxwdHh/9rgEhEiADIAVBAnRqIA8gEv0NAAECAwgJCgsQERITGBkaGyAPIBL9DQQFBgcMDQ4PFBUWFxwdHh/9rgH9CwQAIAVBBGohBQwACwsCQANAIAUgAk8NASABIAVBAnRqKAIAIQf9DAAAAAAAAAAAAAAAAAAAAAAhE0EAIQYDQCAAIAZq/QAEACEPIAcgBmr9AAQAIRIgEyAP/YcBIBL9hwH9ugEgD/2IASAS/YgB/boB/a4B/a4BIRMgBkEQaiEGIAYgBEkNAAsgAyAFQQJ0aiAT/RsAIBP9GwFqIBP9GwIgE/0bA2pqNgIAIAVBAWohBQwACwsL";

/** The first page holds the scratch areas; vectors start at the second. */
const SCRATCH_IDS = 0;
const SCRATCH_OUT = 32 * 1024;
export const MAX_BATCH = (SCRATCH_OUT - SCRATCH_IDS) / 4;
const VECTORS_AT = 65536;
const PAGE = 65536;
/** wasm32 addresses: 4 GiB at most. */
const MAX_BYTES = 4 * 1024 ** 3 - VECTORS_AT - PAGE;

export type DotKernel = {
  /** Bytes per stored vector (the dimension padded to a multiple of 16). */
  readonly stride: number;
  readonly capacity: number;
  /** Stores vector `i`, quantized. */
  set(i: number, v: ArrayLike<number>): void;
  /** out[j] ≈ dot(vector q, vector ids[j]) for j < n (n ≤ MAX_BATCH). */
  dots(q: number, ids: ArrayLike<number>, n: number, out: Float32Array): void;
  dot(a: number, b: number): number;
};

export function createDotKernel(dim: number, capacity: number): DotKernel {
  const stride = Math.ceil(dim / 16) * 16;
  if (capacity * stride > MAX_BYTES) throw new Error(`${capacity} vectors of ${dim} dimensions do not fit 4 GiB`);
  const pages = Math.ceil((VECTORS_AT + capacity * stride) / PAGE);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(WASM, "base64")), { env: { memory } });
  const run = instance.exports.dots as (q: number, ids: number, n: number, out: number, bytes: number) => void;
  const i8 = new Int8Array(memory.buffer);
  const ids32 = new Uint32Array(memory.buffer, SCRATCH_IDS, MAX_BATCH);
  const out32 = new Int32Array(memory.buffer, SCRATCH_OUT, MAX_BATCH);
  /** 1 / scale of each vector: a product times both gives the similarity. */
  const unscale = new Float64Array(capacity);
  const at = (i: number) => VECTORS_AT + i * stride;
  return {
    stride,
    capacity,
    set(i, v) {
      if (i < 0 || i >= capacity) throw new RangeError(`vector ${i} outside 0..${capacity - 1}`);
      if (v.length !== dim) throw new RangeError(`a vector of ${v.length} dimensions, expected ${dim}`);
      let max = 0;
      for (let k = 0; k < dim; k++) max = Math.max(max, Math.abs(v[k] ?? 0));
      const scale = max > 0 ? 127 / max : 0;
      unscale[i] = max > 0 ? max / 127 : 0;
      const base = at(i);
      for (let k = 0; k < dim; k++) i8[base + k] = Math.round((v[k] ?? 0) * scale);
    },
    dots(q, ids, n, out) {
      if (n > MAX_BATCH) throw new RangeError(`at most ${MAX_BATCH} vectors per call`);
      for (let j = 0; j < n; j++) ids32[j] = at(ids[j] ?? 0);
      run(at(q), SCRATCH_IDS, n, SCRATCH_OUT, stride);
      const uq = unscale[q] ?? 0;
      for (let j = 0; j < n; j++) out[j] = (out32[j] ?? 0) * uq * (unscale[ids[j] ?? 0] ?? 0);
    },
    dot(a, b) {
      ids32[0] = at(b);
      run(at(a), SCRATCH_IDS, 1, SCRATCH_OUT, stride);
      return (out32[0] ?? 0) * (unscale[a] ?? 0) * (unscale[b] ?? 0);
    },
  };
}
