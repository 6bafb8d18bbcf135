import "server-only";
import { errorFields, logger } from "~/server/logger";

/** A pull-based producer of the file: one piece per call, null at the end. */
export type Source = {
  next(): Promise<Uint8Array | null>;
  /** Stops producing and gives the database connection back at once. Idempotent. */
  close(): Promise<void>;
};

const encoder = new TextEncoder();
export const encode = (text: string): Uint8Array => encoder.encode(text);

/**
 * The response body: `pull` asks the source for one piece only when the consumer wants more
 * (HTTP backpressure reaches PostgreSQL), `cancel` — the client went away, Next aborts the pipe
 * — closes the source, which cancels the running statement and releases the connection.
 * Never a Node stream piped into a web stream: that path leaked listeners (../shared/STACK.md).
 */
export function toWebStream(source: Source, context: Record<string, unknown>): ReadableStream<Uint8Array> {
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await source.next();
        if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      } catch (err) {
        await source.close();
        // A statement we cancelled ourselves fails with 57014: that is the cancel, not an error.
        if (cancelled) return;
        logger.error("export failed mid-stream", { ...context, ...errorFields(err) });
        // Erroring the stream aborts the response: the client sees a broken transfer, never a
        // file that looks complete.
        controller.error(err);
      }
    },
    async cancel() {
      cancelled = true;
      await source.close();
    },
  });
}
