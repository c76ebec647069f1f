// Benchmark arithmetic: latency percentiles, and CPU use of this process, the Postgres server and the machine.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';

/** Nearest-rank percentile of an ascending array (p in 0..1); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Busy and total jiffies over all cores since boot, from /proc/stat; undefined off Linux. */
function machineJiffies(): { busy: number; total: number } | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0); // user … steal; guest is already inside user
    const idle = cpu[3]! + (cpu[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by `pid` and its live children (a postmaster and its backends). */
function treeCpuSeconds(pid: number): number | undefined {
  try {
    let ticks = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue; // exited between readdir and read
      }
      // Fields after the parenthesised command name: state ppid … utime(14) stime(15), 1-based overall.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(rest[1]);
      if (Number(entry) !== pid && ppid !== pid) continue;
      ticks += Number(rest[11]) + Number(rest[12]);
    }
    return ticks / clockTicks();
  } catch {
    return undefined;
  }
}

export interface CpuReading {
  wallMs: number;
  node: NodeJS.CpuUsage;
  postgres: number | undefined;
  machine: { busy: number; total: number } | undefined;
}

export interface CpuShare {
  /** Percent of one core; 100 means one core fully busy. */
  nodePct: number;
  postgresPct: number | undefined;
  /** Percent of all cores together. */
  machinePct: number | undefined;
  /** Percent of a core used by neither this process nor Postgres: pgbench's client, or other tenants. */
  otherPct: number | undefined;
  cores: number;
}

export function readCpu(postgresPid: number | undefined): CpuReading {
  return {
    wallMs: performance.now(),
    node: process.cpuUsage(),
    postgres: postgresPid === undefined ? undefined : treeCpuSeconds(postgresPid),
    machine: machineJiffies(),
  };
}

/**
 * Postgres backends that exit inside the interval take their CPU time with them, so the Postgres share
 * is exact only while the connections stay open (true for both phases here: pools are opened first).
 */
export function cpuBetween(a: CpuReading, b: CpuReading): CpuShare {
  return cpuOver([[a, b]]);
}

/** The CPU share over several intervals taken together, as if they were one: each is a reading at its start and end. */
export function cpuOver(intervals: readonly (readonly [CpuReading, CpuReading])[]): CpuShare {
  const sum = (f: (a: CpuReading, b: CpuReading) => number | undefined) => {
    let total = 0;
    for (const [a, b] of intervals) {
      const d = f(a, b);
      if (d === undefined) return undefined;
      total += d;
    }
    return total;
  };
  const wallS = sum((a, b) => (b.wallMs - a.wallMs) / 1000)!;
  const nodeS = sum((a, b) => (b.node.user - a.node.user + b.node.system - a.node.system) / 1e6)!;
  const postgresS = sum((a, b) => (a.postgres !== undefined && b.postgres !== undefined ? b.postgres - a.postgres : undefined));
  const busy = sum((a, b) => (a.machine && b.machine ? b.machine.busy - a.machine.busy : undefined));
  const total = sum((a, b) => (a.machine && b.machine ? b.machine.total - a.machine.total : undefined));
  const cores = os.availableParallelism();
  const nodePct = (100 * nodeS) / wallS;
  const postgresPct = postgresS === undefined ? undefined : (100 * postgresS) / wallS;
  const machinePct = busy !== undefined && total ? (100 * busy) / total : undefined;
  const otherPct = machinePct !== undefined && postgresPct !== undefined ? Math.max(0, machinePct * cores - nodePct - postgresPct) : undefined;
  const r = (x: number | undefined) => (x === undefined ? undefined : round(x, 1));
  return { nodePct: round(nodePct, 1), postgresPct: r(postgresPct), machinePct: r(machinePct), otherPct: r(otherPct), cores };
}

/** CPU milliseconds per unit of work from a share of one core (percent) and a rate (per second). */
export const msPer = (pct: number | undefined, perSecond: number): number | null => (pct === undefined ? null : round((10 * pct) / perSecond, 2));

export function describeCpu(c: CpuShare): string {
  const parts = [`node ${c.nodePct}% of a core`];
  if (c.postgresPct !== undefined) parts.push(`postgres ${c.postgresPct}% of a core`);
  if (c.otherPct !== undefined) parts.push(`everything else ${c.otherPct}% of a core`);
  if (c.machinePct !== undefined) parts.push(`machine ${c.machinePct}% busy across ${c.cores} cores`);
  return parts.join(', ');
}

/** A whole-number setting ≥ 1 from the environment (BENCH_SECONDS, BENCH_LH_RUNS, …), or its default. */
export function wholeFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1, got "${raw}"`);
  return n;
}
