// OpenAI (or any OpenAI-compatible server via OPENAI_BASE_URL) through the official client.
// The client's own retries are off: ours are bounded, jittered, honour Retry-After and stop
// when the caller's signal fires (the worker's lease), so one slow batch can never be embedded
// twice by two workers.
import OpenAI, { APIError, APIUserAbortError } from "openai";
import { MAX_TOKENS_PER_INPUT, planRequests, truncateToTokens } from "./batching";
import { backoffMs, DEFAULT_BACKOFF, isRetryableStatus, MAX_RETRY_AFTER_MS, retryAfterMs, sleep, type BackoffPolicy } from "./retry";
import { l2Normalize, PermanentEmbedError, type EmbedOptions, type Embedder } from "./types";

export type OpenAIEmbedderOptions = {
  apiKey: string;
  baseURL?: string;
  model: string;
  dimensions: number;
  /** base64 (default: a quarter of the bytes of JSON floats) or float for servers that lack base64. */
  encodingFormat?: "base64" | "float";
  backoff?: BackoffPolicy;
  /** Per-request timeout; a timeout is retried like a 5xx. */
  timeoutMs?: number;
  maxInputsPerRequest?: number;
  maxTokensPerRequest?: number;
  random?: () => number;
};

type Item = { index: number; embedding: unknown };

function decodeOne(raw: unknown, dims: number): Float32Array {
  let v: Float32Array;
  if (typeof raw === "string") {
    // Little-endian float32, as the API documents; copy so the vector owns aligned memory.
    const buf = Buffer.from(raw, "base64");
    if (buf.length % 4 !== 0) throw new PermanentEmbedError("embedding is not a whole number of float32 values");
    v = new Float32Array(buf.length / 4);
    for (let i = 0; i < v.length; i++) v[i] = buf.readFloatLE(i * 4);
  } else if (Array.isArray(raw) && raw.every((x) => typeof x === "number")) {
    v = Float32Array.from(raw);
  } else {
    throw new PermanentEmbedError("embedding is neither base64 nor an array of numbers");
  }
  if (v.length !== dims) {
    throw new PermanentEmbedError(`the server returned ${v.length} dimensions, expected ${dims} (does the model accept \`dimensions\`?)`);
  }
  return l2Normalize(v);
}

function decode(data: Item[], count: number, dims: number): Float32Array[] {
  if (data.length !== count) throw new PermanentEmbedError(`the server returned ${data.length} embeddings for ${count} inputs`);
  const out = new Array<Float32Array | undefined>(count);
  for (const item of data) {
    if (!Number.isInteger(item.index) || item.index < 0 || item.index >= count) throw new PermanentEmbedError("embedding index out of range");
    out[item.index] = decodeOne(item.embedding, dims);
  }
  return out.map((v) => {
    if (!v) throw new PermanentEmbedError("an input got no embedding");
    return v;
  });
}

const isLengthError = (err: unknown) => err instanceof APIError && err.status === 400 && /token|length|context/i.test(err.message);

export function createOpenAIEmbedder(o: OpenAIEmbedderOptions): Embedder {
  const client = new OpenAI({ apiKey: o.apiKey, baseURL: o.baseURL, maxRetries: 0, timeout: o.timeoutMs ?? 60_000 });
  const policy = o.backoff ?? DEFAULT_BACKOFF;
  const encoding = o.encodingFormat ?? "base64";

  async function request(input: string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await client.embeddings.create(
          { model: o.model, input, dimensions: o.dimensions, encoding_format: encoding },
          { signal },
        );
        return decode(res.data, input.length, o.dimensions);
      } catch (err) {
        if (signal?.aborted || err instanceof APIUserAbortError || !(err instanceof APIError)) throw err;
        // instanceof narrows to APIError<any, any>: restate the fields' real types.
        const status: number | undefined = typeof err.status === "number" ? err.status : undefined;
        const headers: Headers | undefined = err.headers instanceof Headers ? err.headers : undefined;
        if (!isRetryableStatus(status)) {
          throw isLengthError(err) ? err : new PermanentEmbedError(`embeddings request rejected: ${err.message}`, { cause: err });
        }
        const hinted = retryAfterMs(headers);
        if (attempt >= policy.maxAttempts || (hinted !== null && hinted > MAX_RETRY_AFTER_MS)) throw err;
        await sleep(hinted ?? backoffMs(attempt, policy, o.random), signal);
      }
    }
  }

  async function embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    // The API rejects empty strings; an empty prompt still needs a vector.
    const inputs = texts.map((t) => truncateToTokens(t === "" ? " " : t, MAX_TOKENS_PER_INPUT));
    const out: Float32Array[] = [];
    for (const { start, end } of planRequests(inputs, { maxInputs: o.maxInputsPerRequest, maxTokens: o.maxTokensPerRequest })) {
      const group = inputs.slice(start, end);
      try {
        out.push(...(await request(group, options.signal)));
      } catch (err) {
        if (!isLengthError(err)) throw err;
        // Our estimate was low for this text (code, unusual scripts): once more at half the budget.
        const tighter = group.map((t) => truncateToTokens(t, Math.floor(MAX_TOKENS_PER_INPUT / 2)));
        try {
          out.push(...(await request(tighter, options.signal)));
        } catch (again) {
          if (isLengthError(again)) throw new PermanentEmbedError("input too long even at half the token budget", { cause: again });
          throw again;
        }
      }
    }
    return out;
  }

  return {
    kind: "openai",
    model: `openai/${o.model}@${o.dimensions}`,
    dimensions: o.dimensions,
    batchSize: 512,
    embed,
  };
}
