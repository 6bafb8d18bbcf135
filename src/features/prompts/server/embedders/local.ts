// The default embedder when no OpenAI key is set: deterministic, no network, no model file.
// Signed feature hashing ("the hashing trick") of word unigrams and bigrams plus character
// 3–5-grams into `dimensions` buckets, L2-normalised. What it measures is LEXICAL overlap:
// the same prompt with a name, number or a few words changed scores high, a paraphrase with
// other words scores low. It finds near-duplicate prompts (templates with variations), which
// is what the savings estimates need; it is not a semantic model.
import { l2Normalize, type Embedder } from "./types";

export const LOCAL_MODEL_VERSION = "hash-v1"; // bump when the features change: vectors stop being comparable

// Long prompts: the head decides near-duplication and keeps the cost bounded per prompt.
const MAX_CHARS = 32_768;
// Equal say for words (order, vocabulary) and character n-grams (spelling, numbers, punctuation).
const WORD_WEIGHT = Math.SQRT1_2;
const CHAR_WEIGHT = Math.SQRT1_2;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** murmur3's finalizer: spreads FNV's weak low bits so bucket and sign bits are independent. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashString(s: string, seed: number): number {
  let h = (FNV_OFFSET ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return fmix32(h);
}

/** Adds `weight` to the feature's bucket with the sign taken from the hash's top bit. */
function add(v: Float64Array, hash: number, weight: number): void {
  const bucket = hash % v.length;
  v[bucket] = (v[bucket] ?? 0) + (hash & 0x80000000 ? -weight : weight);
}

function wordFeatures(text: string, dims: number): Float64Array {
  const v = new Float64Array(dims);
  // Digit runs become one token: "order 1234" and "order 5678" share their word features
  // (the character n-grams still tell them apart a little).
  const words = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  const counts = new Map<number, number>();
  const bump = (h: number) => counts.set(h, (counts.get(h) ?? 0) + 1);
  let prev = -1;
  for (const raw of words) {
    const w = /\p{Nd}/u.test(raw) ? raw.replace(/\p{Nd}+/gu, "0") : raw;
    const h = hashString(w, 1);
    bump(h);
    if (prev >= 0) bump(fmix32(Math.imul(prev, 31) ^ h ^ 0x5bd1e995));
    prev = h;
  }
  // Sublinear term frequency: boilerplate repeated ten times must not drown everything else.
  for (const [h, n] of counts) add(v, h, 1 + Math.log(n));
  return v;
}

function charFeatures(text: string, dims: number): Float64Array {
  const v = new Float64Array(dims);
  const s = ` ${text} `;
  // Rolling FNV over UTF-16 code units: every 3-, 4- and 5-gram without allocating substrings.
  for (let i = 0; i + 3 <= s.length; i++) {
    let h = FNV_OFFSET;
    for (let n = 1; n <= 5 && i + n <= s.length; n++) {
      h = Math.imul(h ^ s.charCodeAt(i + n - 1), FNV_PRIME);
      if (n >= 3) add(v, fmix32(h ^ (n << 24)), 1);
    }
  }
  return v;
}

export function localEmbedding(text: string, dims: number): Float32Array {
  // An empty prompt still gets a (fixed) direction: a zero vector has no cosine.
  const t = text.slice(0, MAX_CHARS).normalize("NFC").toLowerCase().replace(/\s+/g, " ").trim() || "\u2400";
  const w = l2Normalize(wordFeatures(t, dims));
  const c = l2Normalize(charFeatures(t, dims));
  const out = new Float64Array(dims);
  for (let i = 0; i < dims; i++) out[i] = WORD_WEIGHT * (w[i] ?? 0) + CHAR_WEIGHT * (c[i] ?? 0);
  return l2Normalize(out);
}

export function createLocalEmbedder(dimensions: number): Embedder {
  return {
    kind: "local",
    model: `local/${LOCAL_MODEL_VERSION}@${dimensions}`,
    dimensions,
    batchSize: 256,
    embed: (texts) => Promise.resolve(texts.map((t) => localEmbedding(t, dimensions))),
  };
}
