// The measured window of a timed phase: lanes start at once, the first warmupS seconds are warm-up, the
// next `seconds` are measured, then the lanes stop after their current step. CPU is read as the window
// opens and as it closes, and a progress line is printed every five seconds in between.
import { setTimeout as delay } from 'node:timers/promises';
import type { Sql } from '../src/db/sql';
import { cpuBetween, describeCpu, percentile, readCpu, round, type CpuShare } from './stats';

const PROGRESS_EVERY_MS = 5_000;

/**
 * Seconds of warm-up before a window opens: what a server that has been up for a while would show, not its
 * first seconds. At 3 s V8 was still compiling the hot paths (its optimizing compiler took about 8% of the
 * machine 10 s in), and every pooled connection was still in Postgres's first five custom plans of each
 * statement; bench:commands measured 2.54 ms of CPU per command after 3 s of warm-up and 2.25 ms after
 * 10 s (two runs each, interleaved).
 */
export const WARMUP_S = 10;

/**
 * Halfway through the warm-up, the benches analyze their database: what autovacuum would have done by then
 * in a server that has been up a minute (its naptime), and what `pgbench -i` does for pgbench's tables.
 * Without it, every pooled connection keeps the plans it made while the tables were nearly empty for the
 * whole run, sequential scans among them: in the foreign-key checks and the ledger's triggers, re-reading
 * ever longer tables on every posting. Measured in bench:ledger, two interleaved pairs: about 20,000
 * sequential scans of ledger_accounts a run without it, 3,500 with it (those before it); Postgres CPU per
 * cycle transaction 2.43 and 2.59 ms without, 1.95 and 1.80 ms with.
 */
export async function analyzeMidWarmup(sql: Sql, warmupS: number, signal: AbortSignal): Promise<void> {
  await delay(warmupS * 500, undefined, { signal });
  await sql`analyze`;
}

export function latencyLine(sorted: readonly number[]): string {
  return `p50 ${round(percentile(sorted, 0.5), 2)} ms, p99 ${round(percentile(sorted, 0.99), 2)} ms, max ${round(sorted.at(-1) ?? NaN, 2)} ms`;
}

/** What the phase has counted so far, for the progress lines. */
export interface Tally {
  /** Units finished before the window opened. */
  warmup: number;
  /** Latencies of the units finished inside the window. */
  latencies: readonly number[];
  rejected: number;
}

export interface WindowRun {
  /** What a latency is of, in the plural: "commands", "cycles". */
  unit: string;
  tally(): Tally;
  /** The postmaster, whose backends' CPU time is read from /proc. */
  postgresPid: number | undefined;
  /** Stops the lanes after their current step; the run then throws. */
  signal: AbortSignal;
  say(line: string): void;
  /** Called as the window opens. */
  onOpen?: () => void;
  /** Run alongside the warm-up (analyzeMidWarmup); the phase fails if it does. */
  duringWarmup?: Promise<void>;
}

/** A lane works until `stop` says so; the first lane to fail stops the others. */
export type Lane = (stop: () => boolean) => Promise<void>;

export interface MeasuredWindow {
  /** performance.now() at which the warm-up ends. */
  from: number;
  inWindow(t: number): boolean;
  /** Runs the lanes through warm-up and window; the CPU share is the window's. */
  run(o: WindowRun, lanes: readonly Lane[]): Promise<CpuShare>;
}

/** The window's clock starts now, so that recorders can place what finishes from the first lane on. */
export function measuredWindow(warmupS: number, seconds: number): MeasuredWindow {
  const started = performance.now();
  const from = started + warmupS * 1000;
  const until = from + seconds * 1000;
  return {
    from,
    inWindow: (t) => t >= from && t < until,
    async run({ unit, tally, postgresPid, signal, say, onOpen, duringWarmup }, lanes) {
      let stopping = false;
      let failure: unknown;
      const warming = duringWarmup?.catch((e: unknown) => {
        failure ??= e;
      });
      let cpuFrom = readCpu(postgresPid);
      let cpuUntil = cpuFrom;
      let last = { at: from, count: 0, cpu: cpuFrom };
      const timers = [
        setTimeout(() => {
          cpuFrom = readCpu(postgresPid);
          last = { at: performance.now(), count: 0, cpu: cpuFrom };
          say(`  warm-up done (${tally().warmup} ${unit}); measuring`);
          onOpen?.();
        }, from - started),
        setTimeout(() => {
          cpuUntil = readCpu(postgresPid);
          stopping = true;
        }, until - started),
      ];
      const progress = setInterval(() => {
        const now = performance.now();
        if (now < from + 1 || stopping) return;
        const cpu = readCpu(postgresPid);
        const { latencies, rejected } = tally();
        const count = latencies.length;
        const rate = ((count - last.count) * 1000) / (now - last.at);
        say(
          `  [${round((now - from) / 1000, 0)} s] ${count} ${unit}, ${round(rate, 0)}/s lately, ${rejected} rejected; ` +
            `${latencyLine([...latencies].sort((a, b) => a - b))}; ${describeCpu(cpuBetween(last.cpu, cpu))}`,
        );
        last = { at: now, count, cpu };
      }, PROGRESS_EVERY_MS);

      await Promise.all(
        lanes.map((lane) =>
          lane(() => stopping || failure !== undefined || signal.aborted).catch((e: unknown) => {
            failure ??= e;
          }),
        ),
      );
      timers.forEach(clearTimeout);
      clearInterval(progress);
      await warming;
      if (failure !== undefined) throw failure;
      signal.throwIfAborted();
      return cpuBetween(cpuFrom, cpuUntil);
    },
  };
}
