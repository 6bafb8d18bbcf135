// npm run bench -- <name> [--flags]: runs scripts/bench/<name>.ts, a module exporting
// `run(args, signal): Promise<number>` (the exit code). Add a benchmark by adding such a module;
// helpers shared between benchmarks live in scripts/bench/lib/.
// Ctrl-C (or SIGTERM) aborts the running benchmark, which then cleans up (server, database);
// a second Ctrl-C exits at once.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "./lib/args";
import { loadAfterLine, loadBeforeLine, startLoadWatch, stopLoadWatch } from "./bench/lib/load";

type BenchModule = { run: (args: Map<string, string>, signal: AbortSignal) => Promise<number> };

const dir = path.join(import.meta.dirname, "bench");
const available = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
  .map((f) => f.slice(0, -3))
  .sort();

const name = process.argv[2];
if (!name || name.startsWith("-") || !available.includes(name)) {
  if (name && !name.startsWith("-")) console.error(`unknown benchmark "${name}"`);
  console.error(`usage: npm run bench -- <${available.join("|")}> [--flags]`);
  console.error("  ingest: [--seconds 30] [--clients 4] [--batch 500] [--pg URL] [--keep] [--warmup 3]");
  console.error("          [--single-seconds 10] [--baseline-seconds 5] [--client http|fetch] [--redis URL|none]");
  console.error("          [--days 30] [--profile DIR]");
  process.exit(2);
}

function isBenchModule(m: unknown): m is BenchModule {
  return typeof m === "object" && m !== null && typeof (m as { run?: unknown }).run === "function";
}

const controller = new AbortController();
const onSignal = (sig: NodeJS.Signals) => {
  if (controller.signal.aborted) {
    console.error(`\n[bench] ${sig} again: exiting without cleanup`);
    process.exit(130);
  }
  console.error(`\n[bench] ${sig}: stopping and cleaning up (press Ctrl-C again to exit at once)…`);
  controller.abort();
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
// Output piped into `head` or `grep -m`: a closed pipe must still let the cleanup run.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") controller.abort();
  });
}

let code = 1;
// Every bench says how loaded the machine was (figures from a busy machine are not comparable).
startLoadWatch();
console.log(loadBeforeLine());
try {
  const mod: unknown = await import(pathToFileURL(path.join(dir, `${name}.ts`)).href);
  if (!isBenchModule(mod)) throw new Error(`scripts/bench/${name}.ts does not export run(args, signal)`);
  code = await mod.run(parseArgs(process.argv.slice(3)), controller.signal);
} catch (err) {
  console.error(`[bench] ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  code = 1;
}
stopLoadWatch();
console.log(loadAfterLine());
if (controller.signal.aborted && code === 0) code = 130;
// Keep-alive sockets or timers must not keep a finished benchmark alive.
process.exit(code);
