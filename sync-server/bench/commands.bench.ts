// Command throughput against pgbench on the same Postgres: `npm run bench:commands` (about a minute).
//
// What it measures. One embedded Postgres in a temp folder with durable defaults (fsync, synchronous_commit
// and full_page_writes on; the settings are printed), used by three steps in this order:
//   1. `pgbench -i -s 10` initialises a `pgbench` database.
//   2. Commands: in a migrated `fieldwork` database, 32 lanes each pair a client with an operator and walk
//      gigs through their life with one command in flight per lane (32 concurrent actors on a 32-connection
//      pool): gig.post → gig.accept → [payment_confirmed: a server event, timed but not counted] →
//      booking.start → message.send ×2 → booking.deliver → booking.approve. Each call is applyCommand, the
//      write path behind the sync endpoint, minus HTTP. 10 s of warm-up (WARMUP_S in measured-window.ts),
//      then BENCH_SECONDS (default 20).
//   3. pgbench: TPC-B-like `pgbench -c 32 -j 2 -T <BENCH_SECONDS>` against the `pgbench` database.
// A checkpoint precedes steps 2 and 3 so that neither inherits the other's dirty pages.
//
// How to read it. commands_per_s counts applyCommand calls that finished inside the measured window;
// pgbench_tps is pgbench's "tps (without initial connection time)"; ratio = commands_per_s / pgbench_tps
// and the target is ≥ 0.5. p50_ms / p99_ms are command latencies in the window, waits for a pool
// connection included. The "cpu" lines split the machine between Node and Postgres and turn that into
// milliseconds of CPU per command and per pgbench transaction: when the machine is busy, the ratio is
// roughly pg-ms-per-tx / (pg-ms + node-ms per command), because pgbench's C client costs almost nothing
// while Node shares the same cores. The "rows" lines say how many rows each unit writes and how many
// updates were HOT (an update that is not HOT writes a new entry into every index of the table).
// BENCH_STATEMENTS=1 also loads pg_stat_statements and lists the costliest statements of each phase.
// More than 1% rejected commands means the workload is broken, and the run fails. The last line printed
// is one JSON object with the figures; everything before it is for people.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { migrate } from '../src/db/migrate';
import { installJobSchema } from '../src/jobs/runner';
import { createSql, withDatabase, type Sql } from '../src/db/sql';
import { PGBENCH_SCALE, PGBENCH_THREADS, TPCB_OTHER_CPU_ALLOWANCE_PCT, ensurePgbench, initPgbench, measuredTpcb, targetOf, type PgbenchResult } from './pgbench';
import { commandPhase, type CommandPhase } from './command-phase';
import { WARMUP_S, latencyLine } from './measured-window';
import { describeWrites, tableWrites, walSince, walTotals } from './server-stats';
import { STATEMENTS_SETTINGS, reportStatements, resetStatements } from './statements';
import { describeCpu, msPer, percentile, round, wholeFromEnv, type CpuShare } from './stats';
import { runBench, startThrowawayPostgres } from './throwaway-postgres';
import { LIFECYCLE } from './workload';

const ACTORS = 32;

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
    say(`\n2. commands`);
    await admin`checkpoint`;
    commands = await commandPhase(fieldworkUrl, admin, { actors: ACTORS, warmupS: WARMUP_S, seconds, postgresPid, statements: STATEMENTS, signal }, say);
    const measured = commands.latencies.length;
    const rejectedShare = measured === 0 ? 1 : commands.rejected / measured;
    say(`  ${measured} commands in ${seconds} s: ${commands.applied} applied, ${commands.rejected} rejected; ${latencyLine([...commands.latencies].sort((a, b) => a - b))}`);
    for (const [type, ms] of [...commands.byType].sort(([a], [b]) => LIFECYCLE.indexOf(a) - LIFECYCLE.indexOf(b)))
      say(`    ${type.padEnd(16)} ${String(ms.length).padStart(7)}  ${latencyLine(ms.sort((a, b) => a - b))}`);
    say(`    ${'(payment event)'.padEnd(16)} ${String(commands.events.length).padStart(7)}  ${latencyLine(commands.events.sort((a, b) => a - b))}  — not counted`);
    say(`  cpu: ${describeCpu(commands.cpu)}`);
    say(`       ≈ ${msPer(commands.cpu.nodePct, measured / seconds)} ms of node CPU and ${msPer(commands.cpu.postgresPct, measured / seconds)} ms of postgres CPU per command`);
    const allCommands = commands.warmupCommands + measured; // the WAL delta spans warm-up and window alike
    say(`  wal: ${round(commands.wal.bytes / allCommands, 0)} bytes, ${round(commands.wal.records / allCommands, 1)} records per command (≈, warm-up included)`);
    for (const line of commands.writes) say(`  rows: ${line}`);
    if (measured === 0 || rejectedShare > 0.01)
      throw new Error(
        `${round(100 * rejectedShare, 2)}% of commands were rejected, so the workload is not exercising the happy path: ` +
          [...commands.rejections].map(([k, n]) => `${k} ×${n}`).join(', '),
      );

    signal.throwIfAborted();
    say(`\n3. pgbench -c ${ACTORS} -j ${PGBENCH_THREADS} -T ${seconds}`);
    await admin`checkpoint`;
    const walBefore = await walTotals(admin);
    if (STATEMENTS) await resetStatements(admin);
    const pgbenchDb = createSql(withDatabase(pg.url, 'pgbench'), { max: 1, applicationName: 'fieldwork-bench-admin' });
    try {
      const writesBefore = await tableWrites(pgbenchDb);
      ({ result: tpcb, cpu: tpcbCpu } = await measuredTpcb(pgbench.bin, target, { clients: ACTORS, threads: PGBENCH_THREADS, seconds, postgresPid }, say, signal));
      const wal = walSince(walBefore, await walTotals(admin));
      const txs = tpcb.transactions ?? Math.round(tpcb.tps * seconds);
      say(`  wal: ${round(wal.bytes / txs, 0)} bytes, ${round(wal.records / txs, 1)} records per transaction`);
      for (const line of describeWrites(writesBefore, await tableWrites(pgbenchDb), txs, 'tx')) say(`  rows: ${line}`);
      if (STATEMENTS) await reportStatements(admin, 'pgbench', txs, 'tx', say);
    } finally {
      await pgbenchDb.end();
    }
  } finally {
    await admin?.end({ timeout: 5 }).catch(() => {});
    await tp.cleanup();
  }

  const sorted = [...commands.latencies].sort((a, b) => a - b);
  const commandsPerS = round(commands.latencies.length / seconds, 1);
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
      duration_s: seconds,
      warmup_s: WARMUP_S,
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
      node_cpu_ms_per_command: msPer(commands.cpu.nodePct, commandsPerS),
      postgres_cpu_ms_per_command: msPer(commands.cpu.postgresPct, commandsPerS),
      postgres_cpu_ms_per_pgbench_tx: msPer(tpcbCpu?.postgresPct, tpcb.tps),
    }),
  );
}

runBench(main);
