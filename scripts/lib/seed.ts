import { promoteMetadataKey } from "~/features/analytics/server";
import { ingestEvents } from "~/features/ingestion/server";
import type { DbClient } from "~/server/db";
import { generateEvents, type GenerateOptions } from "./generate";

const BATCH = 1000;

/** Seeds through the ingestion service itself (same validation, pricing and rollups as the API). */
export async function seedEvents(
  client: DbClient,
  projectId: string,
  count: number,
  options: GenerateOptions & { concurrency?: number; onProgress?: (done: number) => void; promoteKeys?: string[]; chronological?: boolean } = {},
): Promise<{ accepted: number; duplicates: number; seconds: number }> {
  const started = performance.now();
  // The generated metadata's customer and plan are rolled up (fast breakdowns) unless told otherwise.
  for (const key of options.promoteKeys ?? ["customer", "plan"]) await promoteMetadataKey(client, projectId, key);
  const gen = options.chronological ? chronologicalEvents(count, options) : generateEvents(count, options);
  let accepted = 0;
  let duplicates = 0;
  let done = 0;
  const nextBatch = (): unknown[] => {
    const batch: unknown[] = [];
    for (let i = 0; i < BATCH; i++) {
      const next = gen.next();
      if (next.done) break;
      batch.push(next.value);
    }
    return batch;
  };
  const worker = async () => {
    for (let batch = nextBatch(); batch.length > 0; batch = nextBatch()) {
      const result = await ingestEvents(client, projectId, batch);
      if (result.rejected.length > 0) {
        throw new Error(`generator produced invalid events: ${JSON.stringify(result.rejected.slice(0, 3))}`);
      }
      accepted += result.accepted;
      duplicates += result.duplicates;
      done += batch.length;
      options.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  return { accepted, duplicates, seconds: (performance.now() - started) / 1000 };
}

const SLICE = 20_000;

/**
 * The same kind of events as generateEvents over the same days, in the order a live project
 * stores them: slice by slice of time (each slice's events sorted), so cost_events' heap follows
 * the clock as it does when events arrive as they happen. generateEvents alone spreads every
 * batch over all the days: the heap in random time order, one page read per event of any range.
 */
function* chronologicalEvents(count: number, options: GenerateOptions) {
  const slices = Math.max(1, Math.ceil(count / SLICE));
  const days = options.days ?? 30;
  const end = options.endMs ?? Date.now() - 60_000;
  const sliceMs = (days * 86_400_000) / slices;
  for (let k = 0; k < slices; k++) {
    const n = Math.floor(((k + 1) * count) / slices) - Math.floor((k * count) / slices);
    const events = [...generateEvents(n, {
      ...options,
      seed: (options.seed ?? 42) + k * 7919,
      idPrefix: `${options.idPrefix ?? "chrono"}c${k}`,
      days: sliceMs / 86_400_000,
      endMs: Math.round(end - (slices - 1 - k) * sliceMs),
    })];
    events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
    yield* events;
  }
}
