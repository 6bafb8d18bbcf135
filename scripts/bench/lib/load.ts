// Is the machine quiet enough for a benchmark's figures to mean anything? Every bench prints the
// load average before and after (scripts/bench.ts), and a target is only reported as met or not
// when the work of OTHER processes stayed at or below BUSY_LOAD for the whole run; otherwise it
// says "not measured: machine busy".
//
// Why not the raw load average: a bench loads the two cores itself (its server, its database
// backends, Chromium, its load generator), so the 1-minute average passes 1.5 on every saturating
// run however quiet the machine is. Instead, once a second, the runnable tasks (threads in state
// R or D, which is what the load average counts) are counted outside this bench: outside this
// process's tree and outside PostgreSQL backends of the bench's databases (named acp_bench_…).
// Averaged over 30-second windows, that is the load others put on the machine.
import fs from "node:fs";
import os from "node:os";

export const BUSY_LOAD = 1.5;
const WINDOW_SAMPLES = 30;
const BENCH_DB = /\bacp_bench_\w+/;

type Watch = { before: number[]; samples: number[]; byName: Map<string, number>; timer: NodeJS.Timeout | null; startedAt: number };
const watch: Watch = { before: os.loadavg(), samples: [], byName: new Map(), timer: null, startedAt: performance.now() };

function readDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function read(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/**
 * Runnable tasks (threads) of other processes right now, in total and by process name; NaN where
 * /proc is absent. PostgreSQL's parallel workers serving a bench backend (a parallel index build,
 * a parallel scan) are the bench's own work too.
 */
function sampleOthers(selfPid: number): { total: number; byName: Map<string, number> } {
  const pids = readDir("/proc").filter((n) => /^\d+$/.test(n));
  if (pids.length === 0) return { total: Number.NaN, byName: new Map() };
  const parent = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const name of pids) {
    const stat = read(`/proc/${name}/stat`);
    const close = stat.lastIndexOf(")");
    if (close < 0) continue;
    parent.set(Number(name), Number(stat.slice(close + 2).split(" ")[1]));
    comm.set(Number(name), stat.slice(stat.indexOf("(") + 1, close));
  }
  const cmdline = (pid: number) => read(`/proc/${pid}/cmdline`).replace(/\0/g, " ").trim();
  const benchBackend = (pid: number) => comm.get(pid) === "postgres" && BENCH_DB.test(cmdline(pid));
  const ours = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      if (p === selfPid) return true;
      p = parent.get(p) ?? 0;
    }
    if (comm.get(pid) !== "postgres") return false;
    if (benchBackend(pid)) return true;
    const leader = /parallel worker for PID (\d+)/.exec(cmdline(pid))?.[1];
    return leader !== undefined && benchBackend(Number(leader));
  };
  const byName = new Map<string, number>();
  let total = 0;
  for (const name of pids) {
    const pid = Number(name);
    if (ours(pid)) continue;
    let n = 0;
    for (const tid of readDir(`/proc/${name}/task`)) {
      const stat = read(`/proc/${name}/task/${tid}/stat`);
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state === "R" || state === "D") n += 1;
    }
    if (n === 0) continue;
    total += n;
    // PostgreSQL's processes by their title ("postgres: 15/main: checkpointer"), others by name.
    const label = comm.get(pid) === "postgres" ? cmdline(pid).replace(/^postgres: [^:]*: /, "postgres: ").slice(0, 60) : (comm.get(pid) ?? name);
    byName.set(label, (byName.get(label) ?? 0) + n);
  }
  return { total, byName };
}

/** Starts sampling (once per process); the bench runner calls it before the bench starts. */
export function startLoadWatch(): void {
  if (watch.timer) return;
  watch.before = os.loadavg();
  watch.startedAt = performance.now();
  watch.samples = [];
  watch.byName = new Map();
  watch.timer = setInterval(() => {
    const s = sampleOthers(process.pid);
    if (!Number.isFinite(s.total)) return;
    watch.samples.push(s.total);
    for (const [k, v] of s.byName) watch.byName.set(k, (watch.byName.get(k) ?? 0) + v);
  }, 1000);
  watch.timer.unref();
}

export function stopLoadWatch(): void {
  if (watch.timer) clearInterval(watch.timer);
  watch.timer = null;
}

const mean = (xs: number[]) => (xs.length === 0 ? Number.NaN : xs.reduce((s, x) => s + x, 0) / xs.length);

/** Others' load: the mean over the run and the highest 30-second mean (the whole run when shorter). */
export function othersLoad(): { mean: number; max: number; samples: number } {
  const s = watch.samples;
  let max = s.length < WINDOW_SAMPLES ? mean(s) : 0;
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    sum += s[i] ?? 0;
    if (i >= WINDOW_SAMPLES) sum -= s[i - WINDOW_SAMPLES] ?? 0;
    if (i >= WINDOW_SAMPLES - 1) max = Math.max(max, sum / WINDOW_SAMPLES);
  }
  return { mean: mean(s), max, samples: s.length };
}

/**
 * True when others' load exceeded BUSY_LOAD so far in the run. The load average at the start is
 * not used when sampling works: it still holds the tail of a bench that just ended. Without /proc
 * the plain load averages before and now are all there is.
 */
export function machineBusy(): boolean {
  const o = othersLoad();
  if (Number.isFinite(o.max)) return o.max > BUSY_LOAD;
  return (watch.before[0] ?? 0) > BUSY_LOAD || (os.loadavg()[0] ?? 0) > BUSY_LOAD;
}

/** What a target line says: met / NOT met on a quiet machine, otherwise that it was not measured. */
export function verdict(met: boolean): string {
  if (machineBusy()) return "not measured: machine busy";
  return met ? "met" : "NOT met";
}

const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(" ");

export function loadBeforeLine(): string {
  return `[bench] load average before: ${fmt(watch.before)} (1, 5, 15 min) on ${os.cpus().length} cores`;
}

export function loadAfterLine(): string {
  const o = othersLoad();
  const others = Number.isFinite(o.mean)
    ? `; other processes' runnable tasks: mean ${o.mean.toFixed(2)}, highest 30-s mean ${o.max.toFixed(2)} (${o.samples} samples)`
    : "";
  const state = machineBusy() ? `machine busy (> ${BUSY_LOAD}): targets not measured` : `machine quiet (≤ ${BUSY_LOAD})`;
  // Who the others were (mean runnable tasks over the run), so a busy verdict can be checked.
  const top = [...watch.byName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([k, v]) => `${k} ${(v / Math.max(1, watch.samples.length)).toFixed(2)}`);
  const who = top.length > 0 ? `; others by name: ${top.join(", ")}` : "";
  return `[bench] load average after: ${fmt(os.loadavg())} (before ${fmt(watch.before)})${others}: ${state}${who}`;
}
