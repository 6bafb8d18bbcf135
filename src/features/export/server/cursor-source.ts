import "server-only";
import { sql, type SQL } from "drizzle-orm";
import type { ExportWriter } from "../writer";
import type { Snapshot } from "./snapshot";
import { encode, type Source } from "./source";

export type Row = Record<string, unknown>;

/** What to stream: a query (already capped at limit + 1 rows) and how a fetched batch becomes rows of values. */
export type CursorPlan = {
  query: SQL;
  /** May query the same snapshot (e.g. latency histograms for the batch's groups). */
  toValues: (rows: Row[]) => Promise<unknown[][]> | unknown[][];
};

// Batches aim at about 256 KiB of output: small rows come 2,000 at a time, rows carrying 32 KiB
// prompts 50 at a time, so memory stays flat whatever the rows hold (a batch lives as row
// objects, then as text, then as bytes before the next one is fetched).
const TARGET_CHARS = 256 * 1024;
const MIN_BATCH = 50;
const MAX_BATCH = 2_000;
const FIRST_BATCH = 500;

/**
 * A server-side cursor (DECLARE … NO SCROLL) inside the snapshot, one FETCH per pull. Plain SQL
 * rather than postgres.js' `.cursor()`: nothing is pending between pulls, so a cancel never
 * waits on an iterator that cannot be returned while its next() is in flight.
 */
export async function openCursorSource(snap: Snapshot, plan: CursorPlan, writer: ExportWriter, limit: number): Promise<Source> {
  // drizzle's execute() is a lazy thenable that runs again on every then(): settle it once.
  const declared = Promise.resolve(snap.db.execute(sql`DECLARE acp_export NO SCROLL CURSOR FOR ${plan.query}`));
  snap.busy(declared);
  await declared;
  let headDone = false;
  let done = false;
  let emitted = 0;
  let batch = FIRST_BATCH;

  const produce = async (): Promise<string> => {
    const want = Math.min(batch, limit + 1 - emitted);
    const fetched = snap.sql.unsafe<Row[]>(`FETCH FORWARD ${want} FROM acp_export`);
    snap.busy(fetched);
    const rows = await fetched;
    const mapping = Promise.resolve(plan.toValues(rows));
    snap.busy(mapping);
    let values = await mapping;
    const truncated = emitted + values.length > limit;
    if (truncated) values = values.slice(0, limit - emitted);
    emitted += values.length;
    let out = writer.rows(values);
    if (truncated || rows.length < want) {
      out += writer.tail(truncated ? limit : null);
      done = true;
    } else {
      batch = Math.max(MIN_BATCH, Math.min(MAX_BATCH, Math.round((rows.length * TARGET_CHARS) / Math.max(1, out.length))));
    }
    return out;
  };

  return {
    async next() {
      if (!headDone) {
        headDone = true;
        const head = writer.head();
        if (head !== "") return encode(head);
      }
      while (!done && !snap.closed) {
        const text = await produce();
        // Release the connection before handing over the last piece, not after the client read it.
        if (done) await snap.close();
        if (text !== "") return encode(text);
      }
      return null;
    },
    close: () => snap.close(),
  };
}
