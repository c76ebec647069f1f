// CPU shares during a bench:sync phase: this process, Postgres, the server instances (child processes),
// and whatever else runs on the machine, which on a shared machine is the figure that explains outliers.
import { readFileSync } from 'node:fs';
import { cpuBetween, readCpu, round, type CpuReading } from './stats';

/** CPU seconds of one process so far (user + system), from /proc; undefined off Linux or once it exited. */
function processSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

export interface PhaseCpu {
  reading: CpuReading;
  instances: number | undefined;
}

export function sampleCpu(postgresPid: number | undefined, instancePids: readonly number[]): PhaseCpu {
  const each = instancePids.map(processSeconds);
  return { reading: readCpu(postgresPid), instances: each.some((s) => s === undefined) ? undefined : each.reduce<number>((a, b) => a + b!, 0) };
}

/** One line: who used the cores during the phase, in percent of one core. */
export function describePhaseCpu(a: PhaseCpu, b: PhaseCpu): string {
  const share = cpuBetween(a.reading, b.reading);
  const wallS = (b.reading.wallMs - a.reading.wallMs) / 1000;
  const instancesPct = a.instances !== undefined && b.instances !== undefined ? round((100 * (b.instances - a.instances)) / wallS, 1) : undefined;
  // Postgres backends that exit during the phase take their CPU time with them (the sum can even fall):
  // then neither Postgres's share nor what is left for everything else can be told.
  const postgresKnown = share.postgresPct !== undefined && share.postgresPct >= 0;
  const parts = [`bench process ${share.nodePct}%`];
  if (instancesPct !== undefined) parts.push(`servers ${instancesPct}%`);
  if (postgresKnown) parts.push(`postgres ${share.postgresPct}%`);
  if (postgresKnown && share.otherPct !== undefined) parts.push(`everything else ${round(Math.max(0, share.otherPct - (instancesPct ?? 0)), 1)}%`);
  if (share.machinePct !== undefined) parts.push(`machine ${share.machinePct}% busy across ${share.cores} cores`);
  return `${parts.join(', ')} (percent of one core)`;
}
