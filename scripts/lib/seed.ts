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
  options: GenerateOptions & { concurrency?: number; onProgress?: (done: number) => void; promoteKeys?: string[] } = {},
): Promise<{ accepted: number; duplicates: number; seconds: number }> {
  const started = performance.now();
  // The generated metadata's customer and plan are rolled up (fast breakdowns) unless told otherwise.
  for (const key of options.promoteKeys ?? ["customer", "plan"]) await promoteMetadataKey(client, projectId, key);
  const gen = generateEvents(count, options);
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
