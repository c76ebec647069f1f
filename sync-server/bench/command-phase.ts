// The command phase: lanes of clients and operators applying commands, warmed up, then measured in slices
// that take turns with another workload (pgbench) on the same server, with latencies, outcomes, CPU and
// server writes recorded for the slices.
import { setTimeout as delay } from 'node:timers/promises';
import type { CommandType } from '@shared/commands';
import { createSql, type Sql } from '../src/db/sql';
import { describeWrites, tableWrites, walPlus, walSince, walTotals, type WalDelta } from './server-stats';
import { analyzeMidWarmup } from './measured-window';
import { reportStatements, resetStatements } from './statements';
import { cpuOver, describeCpu, readCpu, round, type CpuReading, type CpuShare } from './stats';
import { createPairs, runLane, type Recorder } from './workload';

export interface CommandPhase {
  /** Measured seconds: the slices' lengths added up. */
  seconds: number;
  latencies: number[];
  applied: number;
  rejected: number;
  byType: Map<CommandType, number[]>;
  rejections: Map<string, number>;
  events: number[];
  warmupCommands: number;
  cpu: CpuShare;
  /**
   * From each slice's start until its last command finished (nothing straddles these intervals, unlike the
   * slices themselves, which end with commands in flight): the commands that finished, the wall time, and the
   * WAL written. CPU per command is taken over these intervals.
   */
  drained: { commands: number; seconds: number };
  wal: WalDelta;
  writes: string[];
}

/** A turn of the schedule: a slice of commands, or the other workload's turn. */
export type Turn = 'commands' | 'other';

/**
 * Turns in ABBA order (commands, other, other, commands, …), so that a drift of the machine over the run, which
 * sequential phases would hand to whichever ran second, falls on both sides alike.
 */
export function abba(slices: number): Turn[] {
  const turns: Turn[] = [];
  for (let i = 0; i < slices; i++) turns.push(...(i % 2 === 0 ? (['commands', 'other'] as const) : (['other', 'commands'] as const)));
  return turns;
}

export interface PhaseOptions {
  actors: number;
  warmupS: number;
  /** Length of each commands slice. */
  sliceS: number;
  turns: readonly Turn[];
  /** Runs the other workload's turn while the lanes wait (their in-flight commands have finished). */
  other(turn: number): Promise<void>;
  /** The postmaster, whose backends' CPU time is read from /proc. */
  postgresPid: number | undefined;
  /** Reset (after warm-up) and report pg_stat_statements for the commands. */
  statements: boolean;
  /** Stops the lanes after their current command; the phase then throws. */
  signal: AbortSignal;
}

/**
 * Lets lanes through while open; closing it waits for the steps in flight. A lane waits in `enter` while it
 * is closed, and `release` lets every lane through for good (to see that it should stop).
 */
export class Gate {
  private open = true;
  private released = false;
  private waiting: (() => void)[] = [];
  private drained: (() => void) | undefined;
  inFlight = 0;

  async enter(): Promise<void> {
    while (!this.open && !this.released) await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight++;
  }

  leave(): void {
    this.inFlight--;
    if (this.inFlight === 0) this.drained?.();
  }

  openUp(): void {
    this.open = true;
    this.waiting.splice(0).forEach((r) => r());
  }

  async close(): Promise<void> {
    this.open = false;
    if (this.inFlight > 0) await new Promise<void>((r) => (this.drained = r));
    this.drained = undefined;
  }

  release(): void {
    this.released = true;
    this.openUp();
  }
}

/**
 * Has every pooled backend publish its statistics now. An idle backend that published less than a second ago
 * holds what it counted since for up to 10 s (PGSTAT_IDLE_INTERVAL), which would land in pgbench's turn.
 */
async function flushStatistics(sql: Sql, connections: number): Promise<void> {
  const reserved = await Promise.all(Array.from({ length: connections }, () => sql.reserve()));
  try {
    await Promise.all(reserved.map((db) => db`select pg_stat_force_next_flush()`));
  } finally {
    reserved.forEach((db) => db.release());
  }
}

/** Waits, or stops waiting when the run is aborted (check() then throws). */
const sleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined);

/** `admin` is a connection to another database, for server-wide statistics. */
export async function commandPhase(url: string, admin: Sql, o: PhaseOptions, say: (line: string) => void): Promise<CommandPhase> {
  const { actors, warmupS, sliceS, turns, postgresPid, statements, signal } = o;
  const sql = createSql(url, { max: actors, applicationName: 'fieldwork-bench' });
  try {
    const pairs = await createPairs(sql, actors);
    // Open every pool connection before the clock starts, as pgbench's tps excludes connecting.
    await Promise.all(Array.from({ length: actors }, () => sql`select pg_sleep(0.05)`));

    const phase: CommandPhase = {
      seconds: 0,
      latencies: [],
      applied: 0,
      rejected: 0,
      byType: new Map(),
      rejections: new Map(),
      events: [],
      warmupCommands: 0,
      cpu: undefined as never,
      drained: { commands: 0, seconds: 0 },
      wal: { bytes: 0, records: 0, fpi: 0 },
      writes: [],
    };
    const gate = new Gate();
    /** The slice being measured: [from, until) in performance.now() time; none during warm-up and turns. */
    let slice: { from: number; until: number } | undefined;
    let warming = true;
    let finished = 0;
    const inSlice = (t: number) => slice !== undefined && t >= slice.from && t < slice.until;

    const recorder: Recorder = {
      enter: () => gate.enter(),
      leave: () => gate.leave(),
      command(type, finishedAt, ms, outcome) {
        finished++;
        if (warming) phase.warmupCommands++;
        if (!inSlice(finishedAt)) return;
        phase.latencies.push(ms);
        let perType = phase.byType.get(type);
        if (!perType) phase.byType.set(type, (perType = []));
        perType.push(ms);
        if (outcome.status === 'applied') phase.applied++;
        else {
          phase.rejected++;
          const key = `${type}: ${outcome.rejection?.code}`;
          phase.rejections.set(key, (phase.rejections.get(key) ?? 0) + 1);
        }
      },
      event(finishedAt, ms) {
        if (inSlice(finishedAt)) phase.events.push(ms);
      },
    };

    let stopping = false;
    let failure: unknown;
    const lanes = pairs.map((pair, i) =>
      runLane(sql, pair, i, () => stopping || failure !== undefined || signal.aborted, recorder).catch((e: unknown) => {
        failure ??= e;
        gate.release();
      }),
    );
    const check = () => {
      if (failure !== undefined) throw failure;
      signal.throwIfAborted();
    };

    const cpu: [CpuReading, CpuReading][] = [];
    try {
      say(`command phase: ${actors} lanes, ${warmupS} s warm-up, then ${turns.filter((t) => t === 'commands').length} slices of ${sliceS} s taking turns with pgbench (${turns.map((t) => (t === 'commands' ? 'C' : 'P')).join(' ')})`);
      await analyzeMidWarmup(sql, warmupS, signal);
      await sleep(warmupS * 500, signal);
      await gate.close();
      warming = false;
      check();
      say(`  warm-up done (${phase.warmupCommands} commands)`);
      const writesBefore = await tableWrites(sql);
      if (statements) await resetStatements(admin);
      const commandsBefore = finished;

      for (const [i, turn] of turns.entries()) {
        if (turn === 'other') {
          await o.other(i);
          check();
          continue;
        }
        const walBefore = await walTotals(admin);
        const finishedBefore = finished;
        const [count, rejected] = [phase.latencies.length, phase.rejected];
        const cpuFrom = readCpu(postgresPid);
        slice = { from: cpuFrom.wallMs, until: cpuFrom.wallMs + sliceS * 1000 };
        gate.openUp();
        await sleep(sliceS * 1000, signal);
        await gate.close();
        const cpuUntil = readCpu(postgresPid);
        check();
        cpu.push([cpuFrom, cpuUntil]);
        phase.seconds += sliceS;
        phase.drained.commands += finished - finishedBefore;
        phase.drained.seconds += (cpuUntil.wallMs - cpuFrom.wallMs) / 1000;
        await flushStatistics(sql, actors);
        const wal = walSince(walBefore, await walTotals(admin));
        phase.wal = walPlus(phase.wal, wal);
        const n = phase.latencies.length - count;
        say(`  [slice ${i + 1}] ${n} commands, ${round(n / sliceS, 0)}/s, ${phase.rejected - rejected} rejected; ${describeCpu(cpuOver([[cpuFrom, cpuUntil]]))}`);
      }
      phase.cpu = cpuOver(cpu);
      await flushStatistics(sql, actors);
      phase.writes = describeWrites(writesBefore, await tableWrites(sql), finished - commandsBefore, 'command');
      // The payment events included: about one event per seven commands.
      if (statements) await reportStatements(admin, 'fieldwork', finished - commandsBefore, 'cmd', say);
    } finally {
      stopping = true;
      gate.release();
      await Promise.all(lanes);
    }
    check();
    return phase;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
