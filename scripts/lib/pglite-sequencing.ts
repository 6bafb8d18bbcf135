// PGlite is one backend shared by every socket connection. pglite-socket 0.2.17 queues wire
// messages one at a time and keeps a connection's turn only inside a transaction, so two clients'
// extended-protocol sequences (Parse, Bind, Execute … Sync) could interleave and bind one client's
// parameters to the other's unnamed statement. Its queue asks `db.isInTransaction()` to decide
// whether the last connection keeps its turn: answering "yes" also between a sequence's first
// message and its Sync keeps each sequence whole. That lets the app and a CLI share the server.
import type { PGlite } from "@electric-sql/pglite";

// Frontend message types that end a unit of work: Sync, simple Query, Terminate.
const ENDS_SEQUENCE = new Set(["S".charCodeAt(0), "Q".charCodeAt(0), "X".charCodeAt(0)]);
// Types that open or continue one: Parse, Bind, Describe, Execute, Close, Flush.
const IN_SEQUENCE = new Set(["P", "B", "D", "E", "C", "H"].map((c) => c.charCodeAt(0)));

/** The backend as the socket server should see it: sequence-aware `isInTransaction`. */
export function serializedBackend(db: PGlite): PGlite {
  let midSequence = false;
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === "isInTransaction") return () => midSequence || target.isInTransaction();
      if (prop === "execProtocolRawStream") {
        return async (message: Uint8Array, options: Parameters<PGlite["execProtocolRawStream"]>[1]) => {
          const type = message[0] ?? 0;
          if (IN_SEQUENCE.has(type)) midSequence = true;
          else if (ENDS_SEQUENCE.has(type)) midSequence = false;
          return target.execProtocolRawStream(message, options);
        };
      }
      if (prop === "exec") {
        // The queue's clean-up after a client vanished mid-transaction or mid-sequence.
        return async (query: string) => {
          midSequence = false;
          return target.exec(query);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      // PGlite's methods use private fields: call them on the real instance.
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
