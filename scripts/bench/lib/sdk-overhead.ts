// What wrapping costs on the caller's path: a stub client whose create() resolves at once, called
// plain and wrapped in alternation; per pair, wrapped − unwrapped. The profiler behind the wrapper
// is real (it buffers and delivers); its delivery runs between timed calls, as in an application.
import type { Profiler } from "../../../sdk/src/index";

export type OverheadResult = {
  label: string;
  calls: number;
  plainNs: number[];
  wrappedNs: number[];
  diffNs: number[];
};

type Rec = Record<string, unknown>;
const usage = {
  prompt_tokens: 1200,
  completion_tokens: 300,
  total_tokens: 1500,
  prompt_tokens_details: { cached_tokens: 1024 },
  completion_tokens_details: { reasoning_tokens: 64 },
};
const completion = { id: "c", object: "chat.completion", model: "gpt-4o-mini-2024-07-18", choices: [{ index: 0, message: { role: "assistant", content: "ok" } }], usage };

/** Shaped like the openai client: `chat.completions.create` returns an immediately resolved result. */
function stubClient() {
  return {
    chat: {
      completions: {
        create(params: Rec): Promise<unknown> {
          if (params.stream !== true) return Promise.resolve(completion);
          // A stream read through an own `iterator`, like openai's Stream; 20 chunks, usage last.
          const opts = params.stream_options as { include_usage?: boolean } | undefined;
          const chunks: unknown[] = Array.from({ length: 20 }, () => ({ model: completion.model, choices: [{ index: 0, delta: { content: "x" } }], usage: null }));
          if (opts?.include_usage) chunks.push({ model: completion.model, choices: [], usage });
          const stream = {
            iterator(): AsyncIterator<unknown> {
              let i = 0;
              return { next: () => Promise.resolve(i < chunks.length ? { done: false, value: chunks[i++] } : { done: true, value: undefined }) };
            },
            [Symbol.asyncIterator]() {
              return this.iterator();
            },
          };
          return Promise.resolve(stream);
        },
      },
    },
  };
}

type Client = ReturnType<typeof stubClient>;
const messages = [{ role: "user", content: "What does search cost us per day?" }];

async function callOnce(client: Client, stream: boolean): Promise<void> {
  const out = await client.chat.completions.create({ model: "gpt-4o-mini", messages, stream });
  if (stream) for await (const _ of out as AsyncIterable<unknown>) void _;
}

/** `calls` pairs; yields to the event loop every 500 pairs so the profiler can deliver. */
export async function measureOverhead(profiler: Profiler, stream: boolean, calls: number, signal: AbortSignal): Promise<OverheadResult> {
  const plain = stubClient();
  const wrapped = profiler.wrapOpenAI(stubClient(), { feature: "bench" });
  const result: OverheadResult = { label: stream ? "chat.completions.create, stream of 20 chunks" : "chat.completions.create", calls: 0, plainNs: [], wrappedNs: [], diffNs: [] };
  for (let i = 0; i < 2000; i++) {
    await callOnce(plain, stream); // warm-up: JIT both paths before timing
    await callOnce(wrapped, stream);
  }
  await profiler.flush();
  for (let i = 0; i < calls && !signal.aborted; i++) {
    // Alternate which goes first so neither side always gets the warmer cache.
    const wrappedFirst = i % 2 === 1;
    const t0 = process.hrtime.bigint();
    await callOnce(wrappedFirst ? wrapped : plain, stream);
    const t1 = process.hrtime.bigint();
    await callOnce(wrappedFirst ? plain : wrapped, stream);
    const t2 = process.hrtime.bigint();
    const first = Number(t1 - t0);
    const second = Number(t2 - t1);
    const w = wrappedFirst ? first : second;
    const p = wrappedFirst ? second : first;
    result.plainNs.push(p);
    result.wrappedNs.push(w);
    result.diffNs.push(w - p);
    result.calls += 1;
    if (i % 500 === 499) await new Promise((r) => setImmediate(r));
  }
  return result;
}

/** Nearest-rank percentile of unsorted samples. */
export function pct(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
