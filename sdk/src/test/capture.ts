// A profiler whose deliveries land in memory: for the wrapper tests, which check the events.
import { createProfiler } from "../profiler.js";
import type { Profiler, TrackEvent } from "../types.js";

export function capturingProfiler(options: { maxPromptChars?: number } = {}): { profiler: Profiler; events: () => Promise<TrackEvent[]> } {
  const events: TrackEvent[] = [];
  const fetchImpl: typeof fetch = (_input, init) => {
    const body = typeof init?.body === "string" ? init.body : "{}";
    const list = (JSON.parse(body) as { events: TrackEvent[] }).events;
    events.push(...list);
    return Promise.resolve(new Response(JSON.stringify({ accepted: list.length, duplicates: 0, rejected: [] }), { status: 200 }));
  };
  const profiler = createProfiler({ apiKey: "acp_test", baseUrl: "http://127.0.0.1:9", fetch: fetchImpl, flushOnExit: false, ...options });
  return {
    profiler,
    events: async () => {
      await profiler.flush();
      return events;
    },
  };
}
