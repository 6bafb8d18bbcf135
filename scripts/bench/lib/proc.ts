// Where the CPU goes during a phase: the server's process tree, the PostgreSQL backends serving
// the bench database, every other PostgreSQL process, this load generator, and the whole machine.
// Read from /proc (Linux); elsewhere every figure is simply absent.
import { execSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";

const CPUS = Math.max(1, os.cpus().length);

const CLK_TCK = (() => {
  try {
    const n = Number(execSync("getconf CLK_TCK", { encoding: "utf8", timeout: 2000 }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** ticks = own CPU; childTicks = CPU of children that exited and were reaped (cutime + cstime). */
type ProcInfo = { pid: number; ppid: number; comm: string; ticks: number; childTicks: number };

function readProcs(): ProcInfo[] {
  let names: string[];
  try {
    names = fs.readdirSync("/proc");
  } catch {
    return [];
  }
  const out: ProcInfo[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const open = stat.indexOf("(");
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      out.push({
        pid: Number(name),
        ppid: Number(fields[1]),
        comm: stat.slice(open + 1, close),
        ticks: Number(fields[11]) + Number(fields[12]),
        childTicks: Number(fields[13]) + Number(fields[14]),
      });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

/** The pid and all its descendants. */
function tree(procs: ProcInfo[], root: number): Set<number> {
  const pids = new Set<number>([root]);
  for (let grew = true, rounds = 0; grew && rounds < 50; rounds++) {
    grew = false;
    for (const p of procs) {
      if (!pids.has(p.pid) && pids.has(p.ppid)) {
        pids.add(p.pid);
        grew = true;
      }
    }
  }
  return pids;
}

type Party = "server" | "pgBench" | "pgOther" | "other";

export type CpuSnapshot = {
  at: number;
  /** CPU ticks so far of every live process, with the party it belongs to. */
  procs: Map<number, { comm: string; ticks: number; party: Party }>;
  /** CPU ticks of the postmaster's reaped children (cutime + cstime). */
  pgReaped: number;
  self: number;
  busy: number;
  total: number;
};

/** Where every process's CPU time goes, as of now. */
export function cpuSnapshot(serverPid: number, dbName: string): CpuSnapshot {
  const list = readProcs();
  const serverPids = serverPid > 0 ? tree(list, serverPid) : new Set<number>();
  const comm = new Map(list.map((p) => [p.pid, p.comm]));
  const procs: CpuSnapshot["procs"] = new Map();
  let pgReaped = 0;
  for (const p of list) {
    if (p.pid === process.pid) continue;
    let party: Party = "other";
    if (serverPids.has(p.pid)) party = "server";
    else if (p.comm === "postgres") {
      // Backends retitle themselves "postgres: user database host(port) state" and autovacuum
      // workers "postgres: autovacuum worker database".
      party = ` ${cmdline(p.pid).trim()} `.includes(` ${dbName} `) ? "pgBench" : "pgOther";
      if (comm.get(p.ppid) !== "postgres") pgReaped += p.childTicks;
    }
    procs.set(p.pid, { comm: p.comm, ticks: p.ticks, party });
  }
  let busy = 0;
  let total = 0;
  try {
    const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const nums = line.trim().split(/\s+/).slice(1).map(Number);
    total = nums.slice(0, 8).reduce((s, n) => s + n, 0);
    busy = total - (nums[3] ?? 0) - (nums[4] ?? 0);
  } catch {
    // not Linux
  }
  const usage = process.cpuUsage();
  return { at: performance.now(), procs, pgReaped, self: (usage.user + usage.system) / 1e6, busy, total };
}

export type CpuSplit = {
  server: number; pgBench: number; pgOther: number; pgExited: number; self: number; machineBusyPct: number;
  /**
   * Cores busy machine-wide but not used by the parties above: other processes (including
   * short-lived ones no snapshot saw) and kernel time; otherTop names the biggest live ones.
   */
  other: number; otherTop: string;
};

/** Average cores used by each party between two snapshots (per-process deltas). */
export function cpuSplit(a: CpuSnapshot, b: CpuSnapshot): CpuSplit {
  const secs = Math.max(1e-3, (b.at - a.at) / 1000);
  const ticks: Record<Party, number> = { server: 0, pgBench: 0, pgOther: 0, other: 0 };
  const byName = new Map<string, number>();
  for (const [pid, p] of b.procs) {
    // A process absent from the first snapshot started during the phase: all its time counts.
    const d = p.ticks - (a.procs.get(pid)?.ticks ?? 0);
    if (d <= 0) continue;
    ticks[p.party] += d;
    if (p.party === "other") byName.set(p.comm, (byName.get(p.comm) ?? 0) + d);
  }
  // PostgreSQL processes that ended in between (autovacuum workers, closed connections): the
  // postmaster's reaped-children time grew by their whole lives; what they had used before the
  // first snapshot was already counted there.
  let before = 0;
  for (const [pid, p] of a.procs) if (p.party.startsWith("pg") && !b.procs.has(pid)) before += p.ticks;
  const pgExited = Math.max(0, b.pgReaped - a.pgReaped - before);
  const cores = (t: number) => t / CLK_TCK / secs;
  const split = {
    server: cores(ticks.server),
    pgBench: cores(ticks.pgBench),
    pgOther: cores(ticks.pgOther),
    pgExited: cores(pgExited),
    self: (b.self - a.self) / secs,
  };
  const total = b.total - a.total;
  const busyCores = total > 0 ? (CPUS * (b.busy - a.busy)) / total : Number.NaN;
  const attributed = split.server + split.pgBench + split.pgOther + split.pgExited + split.self;
  const otherTop = [...byName]
    .map(([name, t]) => [name, cores(t)] as const)
    .filter(([, c]) => c >= 0.05)
    .sort((x, y) => y[1] - x[1])
    .slice(0, 3)
    .map(([name, c]) => `${name} ${c.toFixed(2)}`)
    .join(", ");
  return {
    ...split,
    other: Number.isFinite(busyCores) ? Math.max(0, busyCores - attributed) : Number.NaN,
    otherTop,
    machineBusyPct: total > 0 ? (100 * (b.busy - a.busy)) / total : Number.NaN,
  };
}

/** VmHWM (peak RSS) and VmRSS in MiB of one process, when readable. */
export function memoryMiB(pid: number): { peak: number; current: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? Number.NaN);
    return { peak: kb("VmHWM") / 1024, current: kb("VmRSS") / 1024 };
  } catch {
    return null;
  }
}

/** Pids of the server's descendants (Next may fork workers). */
export function descendants(pid: number): number[] {
  return [...tree(readProcs(), pid)].filter((p) => p !== pid);
}
