// Where the CPU goes during a phase: the server's process tree, the PostgreSQL backends serving
// the bench database, every other PostgreSQL process, this load generator, and the whole machine.
// Read from /proc (Linux); elsewhere every figure is simply absent.
import { execSync } from "node:child_process";
import fs from "node:fs";

const CLK_TCK = (() => {
  try {
    const n = Number(execSync("getconf CLK_TCK", { encoding: "utf8", timeout: 2000 }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

type ProcInfo = { pid: number; ppid: number; comm: string; ticks: number };

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

export type CpuSnapshot = { at: number; server: number; pgBench: number; pgOther: number; self: number; busy: number; total: number };

/** CPU seconds consumed so far by each party. */
export function cpuSnapshot(serverPid: number, dbName: string): CpuSnapshot {
  const procs = readProcs();
  const serverPids = serverPid > 0 ? tree(procs, serverPid) : new Set<number>();
  let server = 0;
  let pgBench = 0;
  let pgOther = 0;
  for (const p of procs) {
    if (serverPids.has(p.pid)) server += p.ticks;
    else if (p.comm === "postgres") {
      // Backends retitle themselves "postgres: user database host(port) state".
      if (cmdline(p.pid).includes(` ${dbName} `)) pgBench += p.ticks;
      else pgOther += p.ticks;
    }
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
  return {
    at: performance.now(),
    server: server / CLK_TCK,
    pgBench: pgBench / CLK_TCK,
    pgOther: pgOther / CLK_TCK,
    self: (usage.user + usage.system) / 1e6,
    busy,
    total,
  };
}

export type CpuSplit = { server: number; pgBench: number; pgOther: number; self: number; machineBusyPct: number };

/** Average cores used by each party between two snapshots. */
export function cpuSplit(a: CpuSnapshot, b: CpuSnapshot): CpuSplit {
  const secs = Math.max(1e-3, (b.at - a.at) / 1000);
  const total = b.total - a.total;
  return {
    server: (b.server - a.server) / secs,
    pgBench: (b.pgBench - a.pgBench) / secs,
    pgOther: (b.pgOther - a.pgOther) / secs,
    self: (b.self - a.self) / secs,
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
