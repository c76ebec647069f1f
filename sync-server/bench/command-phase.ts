// The command phase: lanes of clients and operators applying commands for a fixed time, with latencies,
// outcomes, CPU and server writes recorded for the measured window.
import type { CommandType } from '@shared/commands';
import { createSql, type Sql } from '../src/db/sql';
import { describeWrites, tableWrites, walSince, walTotals, type WalDelta } from './server-stats';
import { reportStatements, resetStatements } from './statements';
import { measuredWindow } from './measured-window';
import type { CpuShare } from './stats';
import { createPairs, runLane, type Recorder } from './workload';

export interface CommandPhase {
  seconds: number;
  latencies: number[];
  applied: number;
  rejected: number;
  byType: Map<CommandType, number[]>;
  rejections: Map<string, number>;
  events: number[];
  warmupCommands: number;
  cpu: CpuShare;
  wal: WalDelta;
  writes: string[];
}

export interface PhaseOptions {
  actors: number;
  warmupS: number;
  seconds: number;
  /** The postmaster, whose backends' CPU time is read from /proc. */
  postgresPid: number | undefined;
  /** Reset and report pg_stat_statements around the phase. */
  statements: boolean;
  /** Stops the lanes after their current command; the phase then throws. */
  signal: AbortSignal;
}

/** `admin` is a connection to another database, for server-wide statistics. */
export async function commandPhase(url: string, admin: Sql, o: PhaseOptions, say: (line: string) => void): Promise<CommandPhase> {
  const { actors, warmupS, seconds, postgresPid, statements, signal } = o;
  const sql = createSql(url, { max: actors, applicationName: 'fieldwork-bench' });
  try {
    const pairs = await createPairs(sql, actors);
    // Open every pool connection before the clock starts, as pgbench's tps excludes connecting.
    await Promise.all(Array.from({ length: actors }, () => sql`select pg_sleep(0.05)`));
    if (statements) await resetStatements(admin);

    const phase: CommandPhase = {
      seconds,
      latencies: [],
      applied: 0,
      rejected: 0,
      byType: new Map(),
      rejections: new Map(),
      events: [],
      warmupCommands: 0,
      cpu: undefined as never,
      wal: undefined as never,
      writes: [],
    };
    const walBefore = await walTotals(admin);
    const writesBefore = await tableWrites(sql);
    const clock = measuredWindow(warmupS, seconds);

    const recorder: Recorder = {
      command(type, finishedAt, ms, outcome) {
        if (!clock.inWindow(finishedAt)) {
          if (finishedAt < clock.from) phase.warmupCommands++;
          return;
        }
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
        if (clock.inWindow(finishedAt)) phase.events.push(ms);
      },
    };

    say(`command phase: ${actors} lanes, ${warmupS} s warm-up, then ${seconds} s measured`);
    const tally = () => ({ warmup: phase.warmupCommands, latencies: phase.latencies, rejected: phase.rejected });
    phase.cpu = await clock.run(
      { unit: 'commands', tally, postgresPid, signal, say },
      pairs.map((pair, i) => (stop) => runLane(sql, pair, i, stop, recorder)),
    );
    phase.wal = walSince(walBefore, await walTotals(admin));
    phase.writes = describeWrites(writesBefore, await tableWrites(sql), phase.warmupCommands + phase.latencies.length, 'command');
    // Warm-up included, and the payment events: about one event per seven commands.
    if (statements) await reportStatements(admin, 'fieldwork', phase.warmupCommands + phase.latencies.length, 'cmd', say);
    return phase;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
