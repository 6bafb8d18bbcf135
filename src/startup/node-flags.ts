// How a production server process is started: scripts/start.ts, the test and bench servers.
import path from "node:path";

// V8 flags for the server process.
//
// A list page or an insights query turns thousands of rows into short-lived objects. With V8's
// default young generation (16 MiB semi-spaces on 64-bit) a request still in flight sees several
// scavenges, and its rows are copied, then promoted, then collected as old garbage: on 7,000 token-mix rows
// (insights.whatIf at 1M events) garbage collection was 43% of the CPU time and readMix took
// ~120 ms; with 64 MiB semi-spaces ~55 ms. The cost is at most ~128 MiB more young generation in
// a busy server's RSS (docs/architecture.md#memory).
export const SERVER_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=64"];

/**
 * The arguments after `node` for the server on `port` and `host`: by default the production server,
 * scripts/serve.mjs (`next start` with the API routes called directly, see that file). `next`:
 * Next's own command instead — "start", every request through Next's request path (what
 * serve.int.test.ts compares answers with, and what `BENCH_SERVER=next` measures against), or "dev"
 * (`npm run dev`). Run from the project's root.
 */
export function serverArgs(port: number, host: string, o: { nodeArgs?: readonly string[]; next?: "start" | "dev" } = {}): string[] {
  const entry = o.next ? [path.resolve("node_modules/next/dist/bin/next"), o.next] : [path.resolve("scripts/serve.mjs")];
  return [...SERVER_NODE_FLAGS, ...(o.nodeArgs ?? []), ...entry, "-p", String(port), "-H", host];
}
