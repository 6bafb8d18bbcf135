// Plain-text report lines shared by the benchmarks.
import { fmtInt, fmtMs, percentiles, type LoopResult } from "./loop";
import type { CpuSplit } from "./proc";

export const row = (label: string, value: string) => `  ${label.padEnd(34)}${value}`;

export function latencyLine(r: LoopResult, ps = [50, 95, 99]): string {
  const values = percentiles(r.latenciesMs, ps);
  const max = r.latenciesMs.reduce((m, v) => Math.max(m, v), 0);
  return [...ps.map((p, i) => `p${p} ${fmtMs(values[i] ?? Number.NaN)}`), `max ${fmtMs(max)}`].join("  ") + " ms";
}

export function rate(n: number, seconds: number): string {
  return seconds > 0 ? `${fmtInt(n / seconds)}/s` : "n/a";
}

export const CPU_HEADER = `  ${"phase".padEnd(26)}${["server", "pg bench", "pg other", "pg exited", "loadgen", "other", "machine"].map((h) => h.padStart(10)).join("")}`;

/**
 * One line of average cores used (machine = % of all cores busy), then the CPU time per unit
 * (event or request) spent in Node (server + this process) and in the bench database's backends;
 * it is less sensitive than throughput to other work sharing the machine.
 */
export function cpuLine(label: string, c: CpuSplit, perSecond: number, unit: string): string {
  const cores = [c.server, c.pgBench, c.pgOther, c.pgExited, c.self, c.other].map((v) => v.toFixed(2).padStart(10)).join("");
  const machine = Number.isFinite(c.machineBusyPct) ? `${c.machineBusyPct.toFixed(0)}%` : "n/a";
  const us = (cores: number) => (perSecond > 0 ? ((cores * 1e6) / perSecond).toFixed(0) : "n/a");
  const cost = `  node ${us(c.server + c.self)} µs + pg ${us(c.pgBench + c.pgExited)} µs per ${unit}`;
  return `  ${label.padEnd(26)}${cores}${machine.padStart(10)}${cost}${c.otherTop ? `  (other: ${c.otherTop})` : ""}`;
}

/** The command line as typed, for copy-paste. */
export function commandLine(argv: string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);
  const [name, ...rest] = argv;
  return `npm run bench -- ${[name ?? "", ...rest].map(quote).join(" ")}`.trim();
}
