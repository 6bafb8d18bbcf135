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
const NEWLINE_BYTE = Buffer.from("\n");

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

  // Rows are copied into one output buffer as they arrive: no object per row survives the 'data'
  // event. (Keeping each row's view into postgres.js' socket buffer, plus a separate ",\n" piece
  // for JSON, until the piece was joined grew the server's RSS with the row count on JSON exports.)
  let out = Buffer.allocUnsafe(CHUNK_BYTES * 2);
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
  const write = (bytes: Buffer, end = bytes.length) => {
    if (size + end > out.length) {
      const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, size + end));
      out.copy(bigger, 0, 0, size);
      out = bigger;
    }
    size += bytes.copy(out, size, 0, end);
  };
  // JSON array: every row goes out without its "\n"; the next row (or the marker element after a
  // cap) puts ",\n" before itself, the end a plain "\n" — the bytes of the JS writer.
  copy.on("data", (chunk: Buffer) => {
    if (rows >= limit) {
      overflow = true;
      return;
    }
    rows++;
    if (arrayCommas) {
      if (chunk[chunk.length - 1] !== NEWLINE) {
        failure ??= new Error("COPY sent a row without its line end");
        return;
      }
      if (rows > 1) write(COMMA_NEWLINE);
      write(chunk, chunk.length - 1);
    } else write(chunk);
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
    if (arrayCommas && rows > 0) write(overflow ? COMMA_NEWLINE : NEWLINE_BYTE);
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
    const piece = out.subarray(0, size);
    out = Buffer.allocUnsafe(CHUNK_BYTES * 2);
    size = 0;
    return piece;
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
