// A closed-loop load runner: `workers` loops, each starting its next operation as soon as the
// previous one finished, until the deadline, the operation cap or an interrupt. Bounded in time
// and in count; failures are counted and printed (a limited number of lines), never swallowed.

export type OpOutcome = { ok: true; events: number } | { ok: false; error: string };

export type LoopResult = {
  ops: number;
  okOps: number;
  errors: number;
  events: number;
  latenciesMs: number[];
  seconds: number;
};

export type LoopOptions = {
  label: string;
  workers: number;
  seconds: number;
  maxOps: number;
  signal: AbortSignal;
  op: (seq: number) => Promise<OpOutcome>;
  /** Printed error lines per phase before errors are only counted. */
  maxErrorLines?: number;
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function closedLoop(o: LoopOptions): Promise<LoopResult> {
  const start = performance.now();
  const deadline = start + o.seconds * 1000;
  const maxLines = o.maxErrorLines ?? 10;
  const result: LoopResult = { ops: 0, okOps: 0, errors: 0, events: 0, latenciesMs: [], seconds: 0 };
  let seq = 0;
  const worker = async () => {
    while (!o.signal.aborted && seq < o.maxOps && performance.now() < deadline) {
      const n = seq++;
      const t0 = performance.now();
      let outcome: OpOutcome;
      try {
        outcome = await o.op(n);
      } catch (err) {
        outcome = { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
      result.latenciesMs.push(performance.now() - t0);
      result.ops += 1;
      if (outcome.ok) {
        result.okOps += 1;
        result.events += outcome.events;
      } else {
        result.errors += 1;
        if (result.errors <= maxLines) console.error(`  [error] ${o.label} #${n}: ${outcome.error}`);
        if (result.errors === maxLines) console.error(`  [error] ${o.label}: further errors are counted, not printed`);
        await sleep(20); // a failing server must not turn this loop into a busy spin
      }
    }
  };
  await Promise.all(Array.from({ length: o.workers }, worker));
  result.seconds = (performance.now() - start) / 1000;
  return result;
}

/** Nearest-rank percentile of unsorted samples (NaN when empty). */
export function percentiles(samples: number[], ps: number[]): number[] {
  if (samples.length === 0) return ps.map(() => Number.NaN);
  const sorted = Float64Array.from(samples).sort();
  return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN);
}

export const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
export const fmtMs = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0)) : "n/a");
