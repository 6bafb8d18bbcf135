import "server-only";
import type { Readable } from "node:stream";
import type { ExportWriter } from "../writer";
import type { Snapshot } from "./snapshot";
import { encode, type Source } from "./source";

// Pieces handed to the response: big enough that per-chunk costs vanish, small enough that a
// paused client holds only this much (plus the socket buffers) in memory.
const CHUNK_BYTES = 128 * 1024;
const NEWLINE = 0x0a;
const COMMA_NEWLINE = Buffer.from(",\n");

/**
 * `COPY (query LIMIT cap + 1) TO STDOUT (FORMAT csv)` inside the snapshot: PostgreSQL writes the
 * CSV (quoting, "\n" records) and the query already neutralised the cells, so no row passes
 * through JS objects. Backpressure: the COPY stream is paused whenever a piece is ready, which
 * pauses postgres.js' socket, which blocks the backend on its write.
 *
 * The row cap is counted exactly: in COPY TO, PostgreSQL sends every row as one CopyData message
 * and postgres.js emits each as one 'data' chunk (one per event in flowing mode), so the chunk
 * past the cap is the (cap + 1)-th row, dropped before the marker row.
 *
 * `arrayCommas` (a JSON array, one element per line): every kept row but the last gets a comma
 * before its "\n" — also the last when the cap dropped a row, since the marker element follows.
 * Each row is held until the next one (or the end) says which it is.
 */
export async function openCopySource(
  snap: Snapshot,
  statement: string,
  writer: ExportWriter,
  limit: number,
  { arrayCommas = false }: { arrayCommas?: boolean } = {},
): Promise<Source> {
  const started = snap.sql.unsafe(statement).readable();
  let copyEnded: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => {
    copyEnded = resolve;
  });
  started.catch(() => copyEnded());
  let stream: Readable | null = null;
  // Registered before awaiting: a cancel arriving while COPY starts must still drain it.
  snap.busy(settled, () => {
    if (!stream) return;
    stream.removeAllListeners("data");
    stream.on("data", discard);
    stream.resume();
  });
  const copy = await started;
  stream = copy;

  let parts: Buffer[] = [];
  let size = 0;
  let rows = 0;
  let overflow = false;
  let ended = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };

  let held: Buffer | null = null;
  const add = (piece: Buffer) => {
    parts.push(piece);
    size += piece.length;
  };
  /** The held row, with its comma when another element follows it. */
  const release = (followed: boolean) => {
    if (!held) return;
    const row = held;
    held = null;
    if (!followed) return add(row);
    if (row[row.length - 1] !== NEWLINE) {
      failure ??= new Error("COPY sent a row without its line end");
      return;
    }
    add(row.subarray(0, row.length - 1));
    add(COMMA_NEWLINE);
  };
  copy.on("data", (chunk: Buffer) => {
    if (rows >= limit) {
      overflow = true;
      return;
    }
    rows++;
    if (arrayCommas) {
      release(true);
      held = chunk;
    } else add(chunk);
    if (size >= CHUNK_BYTES) {
      copy.pause();
      notify();
    }
  });
  // postgres.js pauses its socket when a CopyData push meets the high-water mark; if CopyDone
  // (or the cancel's ErrorResponse) sits in the same chunk, the stream ends with the socket still
  // paused and ReadyForQuery is never read: the connection hangs (porsager/postgres#499, fix
  // proposed in #1016). Readable#_read is postgres.js' socket.resume(): call it once it is over.
  const kick = () => copy._read(0);
  copy.once("end", () => {
    release(overflow);
    ended = true;
    kick();
    copyEnded();
    notify();
  });
  copy.once("error", (err: Error) => {
    failure = err;
    ended = true;
    kick();
    copyEnded();
    notify();
  });
  copy.once("close", () => {
    kick();
    copyEnded();
  });
  copy.pause();

  const take = (): Uint8Array => {
    const out = Buffer.concat(parts, size);
    parts = [];
    size = 0;
    return out;
  };

  let headDone = false;
  let tailDone = false;
  return {
    async next() {
      if (!headDone) {
        headDone = true;
        return encode(writer.head());
      }
      for (let guard = 0; guard < 1e9; guard++) {
        if (failure) throw failure;
        if (snap.closed) return null;
        if (size >= CHUNK_BYTES || (ended && size > 0)) return take();
        if (ended) {
          if (tailDone) return null;
          tailDone = true;
          await snap.close(); // COPY is over: give the connection back before the last piece
          const tail = writer.tail(overflow ? limit : null);
          return tail === "" ? null : encode(tail);
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          copy.resume();
        });
      }
      throw new Error("copy source did not make progress");
    },
    close: () => snap.close(),
  };
}

function discard(): void {}
