// Command throughput against pgbench on the same Postgres: `npm run bench:commands` (about two minutes).
//
// What it measures. One embedded Postgres in a temp folder with durable defaults (fsync, synchronous_commit
// and full_page_writes on; the settings are printed), used by two workloads:
//   - Commands: in a migrated `fieldwork` database, 32 lanes each pair a client with an operator and walk
//     gigs through their life with one command in flight per lane (32 concurrent actors on a 32-connection
//     pool): gig.post → gig.accept → [payment_confirmed: a server event, timed but not counted] →
//     booking.start → message.send ×2 → booking.deliver → booking.approve. Each call is applyCommand, the
//     write path behind the sync endpoint, minus HTTP.
//   - pgbench: TPC-B-like `pgbench -c 32 -j 2` against a `pgbench` database (`pgbench -i -s 10` first).
// The commands warm up for 10 s (WARMUP_S in measured-window.ts), the database analyzed halfway as autovacuum
// would have by then (analyzeMidWarmup; `pgbench -i` analyzes pgbench's tables too). Then the two take turns in slices of
// BENCH_SECONDS / 4 whole seconds (at least 3; default 20 s, so 5 s slices), four each, in ABBA order
// (C P P C C P P C): a machine shared with others drifts, and sequential phases would hand the drift to
// whichever ran second. While pgbench has its turn the lanes wait, their commands in flight finished, with
// their pool open.
//
// How to read it. commands_per_s counts applyCommand calls that finished inside a commands slice, over the
// slices' time; pgbench_tps is pgbench's transactions over its runs' time without connecting (each turn is
// a fresh pgbench run, which vacuums its tables first, untimed); ratio = commands_per_s / pgbench_tps and
// the target is ≥ 0.5. p50_ms / p99_ms are command latencies in the slices, waits for a pool connection
// included. The "cpu" lines split the machine between Node and Postgres and turn that into milliseconds of
// CPU per command and per pgbench transaction: when the machine is busy, the ratio is roughly
// pg-ms-per-tx / (pg-ms + node-ms per command), because pgbench's C client costs almost nothing while Node
// shares the same cores; CPU is read from each slice's start until its last command finished, and divided
// by the commands that finished meanwhile. The "wal" lines count what each side's turns wrote (pgbench's
// vacuum of its tables before each run included). The "rows" lines say how many rows each unit writes and
// how many updates were HOT (an update that is not HOT writes a new entry into every index of the table).
// BENCH_STATEMENTS=1 also loads pg_stat_statements and lists each side's costliest statements after warm-up.
// More than 1% rejected commands means the workload is broken, and the run fails. The last line printed
// is one JSON object with the figures; everything before it is for people.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { migrate } from '../src/db/migrate';
import { installJobSchema } from '../src/jobs/runner';
import { createSql, withDatabase, type Sql } from '../src/db/sql';
import { PGBENCH_SCALE, PGBENCH_THREADS, TPCB_OTHER_CPU_ALLOWANCE_PCT, combinedRuns, ensurePgbench, initPgbench, measuredTpcb, targetOf, type MeasuredTpcb, type PgbenchResult } from './pgbench';
import { abba, commandPhase, type CommandPhase } from './command-phase';
import { WARMUP_S, latencyLine } from './measured-window';
import { describeWrites, tableWrites, walPlus, walSince, walTotals, type WalDelta } from './server-stats';
import { STATEMENTS_SETTINGS, reportStatements } from './statements';
import { cpuOver, describeCpu, msPer, percentile, round, wholeFromEnv, type CpuReading, type CpuShare } from './stats';
import { runBench, startThrowawayPostgres } from './throwaway-postgres';
import { LIFECYCLE } from './workload';

const ACTORS = 32;
/** Turns each side gets: BENCH_SECONDS is split into this many slices per side. */
const SLICES = 4;

/** BENCH_STATEMENTS=1 preloads pg_stat_statements (for both phases) and prints what the commands ran. */
const STATEMENTS = process.env.BENCH_STATEMENTS === '1';

const say = (line = '') => process.stdout.write(`${line}\n`);

async function settingsLine(admin: Sql): Promise<string[]> {
  const names = [
    'server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'wal_level',
    'shared_buffers', 'wal_buffers', 'max_wal_size', 'checkpoint_timeout', 'commit_delay', 'max_connections',
  ];
  const rows = await admin<{ name: string; setting: string; unit: string | null }[]>`
    select name, setting, unit from pg_settings where name = any(${names}) order by array_position(${names}::text[], name)`;
  return rows.map((r) => `${r.name}=${r.setting}${r.unit ? ` (${r.unit})` : ''}`);
}

function fsType(dir: string): string {
  try {
    return execFileSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** Commands per second over the intervals CPU was read over (see CommandPhase.drained). */
const drainedRate = (c: CommandPhase) => c.drained.commands / c.drained.seconds;

async function main(): Promise<void> {
  const seconds = wholeFromEnv('BENCH_SECONDS', 20);
  const pgbench = ensurePgbench(say);

  // Ctrl-C: let the lanes finish their command (or stop pgbench), then clean up on the normal path.
  const tp = await startThrowawayPostgres('fieldwork-bench', say, STATEMENTS ? { settings: STATEMENTS_SETTINGS } : {});
  const { pg, dir, pid: postgresPid, signal } = tp;
  let admin: Sql | undefined;

  let commands: CommandPhase;
  let tpcb: PgbenchResult;
  let tpcbCpu: CpuShare | undefined;
  try {
    admin = createSql(pg.url, { max: 1, applicationName: 'fieldwork-bench-admin' });
    say(`postgres: ${dir} (${fsType(dir)}), port ${pg.port}, ${os.availableParallelism()} cores on this machine`);
    say(`settings: ${(await settingsLine(admin)).join(', ')}`);

    await admin.unsafe('create database fieldwork');
    await admin.unsafe('create database pgbench');
    const fieldworkUrl = withDatabase(pg.url, 'fieldwork');
    const migrator = createSql(fieldworkUrl, { max: 1 });
    await migrate(migrator).finally(() => migrator.end());
    await installJobSchema(fieldworkUrl); // commands queue escrow timers into it
    const target = targetOf(withDatabase(pg.url, 'pgbench'));

    say(`\n1. pgbench -i -s ${PGBENCH_SCALE}`);
    await initPgbench(pgbench.bin, target, PGBENCH_SCALE, say, signal);

    signal.throwIfAborted();
    const sliceS = Math.max(3, Math.round(seconds / SLICES));
    const turns = abba(SLICES);
    say(`\n2. commands and pgbench -c ${ACTORS} -j ${PGBENCH_THREADS} -T ${sliceS}, taking turns`);
    await admin`checkpoint`;
    const pgbenchDb = createSql(withDatabase(pg.url, 'pgbench'), { max: 1, applicationName: 'fieldwork-bench-admin' });
    const tpcbRuns: MeasuredTpcb[] = [];
    let tpcbWal: WalDelta = { bytes: 0, records: 0, fpi: 0 };
    try {
      const tpcbWritesBefore = await tableWrites(pgbenchDb);
      const other = async (turn: number) => {
        const walBefore = await walTotals(admin!);
        const run = await measuredTpcb(pgbench.bin, target, { clients: ACTORS, threads: PGBENCH_THREADS, seconds: sliceS, postgresPid }, () => {}, signal);
        const wal = walSince(walBefore, await walTotals(admin!));
        tpcbWal = walPlus(tpcbWal, wal);
        tpcbRuns.push(run);
        say(`  [slice ${turn + 1}] pgbench ${round(run.result.tps, 0)} tps${run.cpu ? `; ${describeCpu(run.cpu)}` : ''}`);
      };
      commands = await commandPhase(fieldworkUrl, admin, { actors: ACTORS, warmupS: WARMUP_S, sliceS, turns, other, postgresPid, statements: STATEMENTS, signal }, say);

      const measured = commands.latencies.length;
      const rejectedShare = measured === 0 ? 1 : commands.rejected / measured;
      if (measured === 0 || rejectedShare > 0.01)
        throw new Error(
          `${round(100 * rejectedShare, 2)}% of commands were rejected, so the workload is not exercising the happy path: ` +
            [...commands.rejections].map(([k, n]) => `${k} ×${n}`).join(', '),
        );
      say(`\n  commands: ${measured} in ${commands.seconds} s: ${commands.applied} applied, ${commands.rejected} rejected; ${latencyLine([...commands.latencies].sort((a, b) => a - b))}`);
      for (const [type, ms] of [...commands.byType].sort(([a], [b]) => LIFECYCLE.indexOf(a) - LIFECYCLE.indexOf(b)))
        say(`    ${type.padEnd(16)} ${String(ms.length).padStart(7)}  ${latencyLine(ms.sort((a, b) => a - b))}`);
      say(`    ${'(payment event)'.padEnd(16)} ${String(commands.events.length).padStart(7)}  ${latencyLine(commands.events.sort((a, b) => a - b))}  — not counted`);
      say(`  cpu: ${describeCpu(commands.cpu)} (each slice until its last command finished)`);
      say(`       ≈ ${msPer(commands.cpu.nodePct, drainedRate(commands))} ms of node CPU and ${msPer(commands.cpu.postgresPct, drainedRate(commands))} ms of postgres CPU per command`);
      say(`  wal: ${round(commands.wal.bytes / commands.drained.commands, 0)} bytes, ${round(commands.wal.records / commands.drained.commands, 1)} records per command`);
      for (const line of commands.writes) say(`  rows: ${line}`);

      tpcb = combinedRuns(tpcbRuns.map((r) => r.result), sliceS);
      const readings = tpcbRuns.map((r) => r.readings);
      tpcbCpu = readings.every((r) => r !== undefined) ? cpuOver(readings as [CpuReading, CpuReading][]) : undefined;
      const txs = tpcb.transactions!;
      say(`\n  pgbench: ${txs} transactions, ${round(tpcb.tps, 1)} tps (without connection time), latency average ${tpcb.latencyAvgMs} ms`);
      if (tpcbCpu) {
        say(`  cpu: ${describeCpu(tpcbCpu)} (node idles here; everything else includes pgbench's client)`);
        say(`       ≈ ${msPer(tpcbCpu.postgresPct, tpcb.tps)} ms of postgres CPU per transaction`);
      }
      say(`  wal: ${round(tpcbWal.bytes / txs, 0)} bytes, ${round(tpcbWal.records / txs, 1)} records per transaction`);
      for (const line of describeWrites(tpcbWritesBefore, await tableWrites(pgbenchDb), txs, 'tx')) say(`  rows: ${line}`);
      if (STATEMENTS) await reportStatements(admin, 'pgbench', txs, 'tx', say);
    } finally {
      await pgbenchDb.end();
    }
  } finally {
    await admin?.end({ timeout: 5 }).catch(() => {});
    await tp.cleanup();
  }

  const sorted = [...commands.latencies].sort((a, b) => a - b);
  const commandsPerS = round(commands.latencies.length / commands.seconds, 1);
  const ratio = round(commandsPerS / tpcb.tps, 3);
  say(`\nsummary`);
  say(`  commands/s   ${commandsPerS}  (p50 ${round(percentile(sorted, 0.5), 2)} ms, p99 ${round(percentile(sorted, 0.99), 2)} ms)`);
  say(`  pgbench tps  ${round(tpcb.tps, 1)}  (latency average ${tpcb.latencyAvgMs ?? '?'} ms)`);
  say(`  ratio        ${ratio}  (target ≥ 0.5: ${ratio >= 0.5 ? 'met' : 'NOT met'})`);
  // Other tenants of the machine take CPU from one phase and not the other; then the ratio means little.
  const busy = (commands.cpu.otherPct ?? 0) > 15 || (tpcbCpu?.otherPct ?? 0) > TPCB_OTHER_CPU_ALLOWANCE_PCT;
  if (busy) say(`  warning: other processes used a lot of CPU during a phase (see "everything else"); run again on a quiet machine`);
  const mix = Object.fromEntries(LIFECYCLE.map((t) => [t, commands.byType.get(t)?.length ?? 0]));
  say(
    JSON.stringify({
      commands_per_s: commandsPerS,
      pgbench_tps: round(tpcb.tps, 1),
      ratio,
      p50_ms: round(percentile(sorted, 0.5), 2),
      p99_ms: round(percentile(sorted, 0.99), 2),
      commands: commands.latencies.length,
      applied: commands.applied,
      rejected: commands.rejected,
      duration_s: round(commands.seconds, 1),
      warmup_s: WARMUP_S,
      slices: SLICES,
      schedule: abba(SLICES).map((t) => (t === 'commands' ? 'C' : 'P')).join(''),
      actors: ACTORS,
      mix,
      pgbench_clients: ACTORS,
      pgbench_threads: PGBENCH_THREADS,
      pgbench_scale: PGBENCH_SCALE,
      node_cpu_pct: commands.cpu.nodePct,
      postgres_cpu_pct: commands.cpu.postgresPct ?? null,
      machine_cpu_pct: commands.cpu.machinePct ?? null,
      other_cpu_pct: commands.cpu.otherPct ?? null,
      pgbench_other_cpu_pct: tpcbCpu?.otherPct ?? null,
      cores: commands.cpu.cores,
      node_cpu_ms_per_command: msPer(commands.cpu.nodePct, drainedRate(commands)),
      postgres_cpu_ms_per_command: msPer(commands.cpu.postgresPct, drainedRate(commands)),
      postgres_cpu_ms_per_pgbench_tx: msPer(tpcbCpu?.postgresPct, tpcb.tps),
    }),
  );
}

runBench(main);
