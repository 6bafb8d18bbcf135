import pgvector from "pgvector";
// One interface for every embedder, so the worker, the search and the tests never care which
// one runs. Vectors are Float32Array: what pgvector stores (float4) and what the OpenAI API sends.

export type EmbedOptions = { signal?: AbortSignal };

export interface Embedder {
  readonly kind: "openai" | "local";
  /**
   * The vector space, stored with every vector (`prompt_embeddings.model`): provider, model and
   * dimension, e.g. `openai/text-embedding-3-small@512`. Only vectors with the same key are compared.
   */
  readonly model: string;
  readonly dimensions: number;
  /** Texts the worker should hand to one `embed` call (the embedder splits further if it must). */
  readonly batchSize: number;
  /** One vector per text, in order, each of `dimensions` floats, L2-normalised. */
  embed(texts: string[], options?: EmbedOptions): Promise<Float32Array[]>;
}

/** An error that retrying the same input will not fix (e.g. HTTP 400): the worker isolates the culprit. */
export class PermanentEmbedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PermanentEmbedError";
  }
}

export function l2Normalize(v: Float32Array | Float64Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const out = new Float32Array(v.length);
  if (sum === 0) return out;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] ?? 0) * inv;
  return out;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** pgvector's text form, through the pgvector package (float32 values print exactly as doubles). */
export function toVectorLiteral(v: Float32Array): string {
  return String(pgvector.toSql(Array.from(v)));
}

export function parseVectorLiteral(text: string): Float32Array {
  // pgvector.fromSql reads "[]" as one NaN.
  if (/^\s*\[\s*\]\s*$/.test(text)) return new Float32Array(0);
  const values: unknown = pgvector.fromSql(text);
  return Float32Array.from(Array.isArray(values) ? values.map(Number) : []);
}
