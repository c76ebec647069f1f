// Command throughput against pgbench: `npm run bench:commands`.
//
// What it measures. One embedded Postgres in a temp folder, durable defaults (fsync and synchronous_commit
// on), used twice in this order:
//   1. `pgbench -i -s 10` initialises a `pgbench` database (done first so both phases see the same cluster).
//   2. Command phase: in a migrated `fieldwork` database, 32 lanes each pair a client with an operator and
//      walk gigs through their life, one command in flight per lane (32 concurrent actors, a 32-connection
//      pool): gig.post → gig.accept → [payment_confirmed, a server event: timed, not counted] →
//      booking.start → message.send ×2 → booking.deliver → booking.approve. Every call is applyCommand,
//      the same write path the sync endpoint uses, minus HTTP. A warm-up is run, then BENCH_SECONDS
//      (default 20) are measured.
//   3. pgbench phase: TPC-B-like `pgbench -c 32 -j 2 -T <BENCH_SECONDS>` on the same server.
//
// How to read it. commands_per_s counts applyCommand calls that finished inside the measured window;
// pgbench_tps is pgbench's "tps (without initial connection time)". ratio = commands_per_s / pgbench_tps;
// the target is ≥ 0.5: a command is a richer transaction than TPC-B (idempotency row, authorization,
// savepoint, the domain write, an outbox row, triggers), but should cost no more than about two of them.
// p50_ms / p99_ms are per-command latencies in the window, queueing for a pool connection included.
// CPU lines show whether Node, Postgres or the machine is the limit (node near 100% = one core saturated).
// More than 1% rejected commands means the workload is wrong, and the run fails. The last line printed is
// one JSON object with the figures; everything before it is for people.
import fs from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { CommandType } from '@shared/commands';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/db/embedded';
import { migrate } from '../src/db/migrate';
import { createSql, withDatabase, type Sql } from '../src/db/sql';
import { createLogger } from '../src/log';
import { ensurePgbench, initPgbench, runTpcb, targetOf, type PgbenchResult } from './pgbench';
import { cpuBetween, describeCpu, percentile, readCpu, round, type CpuShare } from './stats';
import { STATEMENTS_SETTINGS, reportStatements, resetStatements } from './statements';
import { LIFECYCLE, createPairs, runLane, type Recorder } from './workload';

const ACTORS = 32;
const WARMUP_S = 3;
const PGBENCH_SCALE = 10;
const PGBENCH_THREADS = 2;
const PROGRESS_EVERY_MS = 5_000;

/** BENCH_STATEMENTS=1 preloads pg_stat_statements (for both phases) and prints what the commands ran. */
const STATEMENTS = process.env.BENCH_STATEMENTS === '1';

function secondsFromEnv(): number {
  const raw = process.env.BENCH_SECONDS;
  if (raw === undefined || raw === '') return 20;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_SECONDS must be a whole number of seconds ≥ 1, got "${raw}"`);
  return n;
}

const say = (line = '') => process.stdout.write(`${line}\n`);

interface CommandPhase {
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
}

interface WalDelta {
  bytes: number;
  records: number;
  fpi: number;
}

async function walTotals(admin: Sql): Promise<WalDelta> {
  // Backends publish their statistics when idle, at most once a second: wait for that before reading.
  await new Promise((r) => setTimeout(r, 1_500));
  const [w] = await admin`select wal_bytes::int8 as bytes, wal_records as records, wal_fpi as fpi from pg_stat_wal`;
  return { bytes: Number(w!.bytes), records: Number(w!.records), fpi: Number(w!.fpi) };
}

const walSince = (a: WalDelta, b: WalDelta): WalDelta => ({ bytes: b.bytes - a.bytes, records: b.records - a.records, fpi: b.fpi - a.fpi });

function latencyLine(sorted: readonly number[]): string {
  return `p50 ${round(percentile(sorted, 0.5), 2)} ms, p99 ${round(percentile(sorted, 0.99), 2)} ms, max ${round(sorted.at(-1) ?? NaN, 2)} ms`;
}

async function commandPhase(url: string, admin: Sql, seconds: number, postgresPid: number | undefined): Promise<CommandPhase> {
  const sql = createSql(url, { max: ACTORS, applicationName: 'fieldwork-bench' });
  try {
    const pairs = await createPairs(sql, ACTORS);
    // Open every pool connection before the clock starts, as pgbench's tps excludes connecting.
    await Promise.all(Array.from({ length: ACTORS }, () => sql`select pg_sleep(0.05)`));
    if (STATEMENTS) await resetStatements(admin);

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
    };
    const walBefore = await walTotals(admin);
    const started = performance.now();
    const from = started + WARMUP_S * 1000;
    const until = from + seconds * 1000;
    const inWindow = (t: number) => t >= from && t < until;
    let stopping = false;
    let failure: unknown;

    const recorder: Recorder = {
      command(type, finishedAt, ms, outcome) {
        if (!inWindow(finishedAt)) {
          if (finishedAt < from) phase.warmupCommands++;
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
        if (inWindow(finishedAt)) phase.events.push(ms);
      },
    };

    say(`command phase: ${ACTORS} lanes, ${WARMUP_S} s warm-up, then ${seconds} s measured`);
    let cpuFrom = readCpu(postgresPid);
    let cpuUntil = cpuFrom;
    let lastProgress = { at: from, count: 0, cpu: cpuFrom };
    const timers = [
      setTimeout(() => {
        cpuFrom = readCpu(postgresPid);
        lastProgress = { at: performance.now(), count: 0, cpu: cpuFrom };
        say(`  warm-up done (${phase.warmupCommands} commands); measuring`);
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
      const count = phase.latencies.length;
      const rate = ((count - lastProgress.count) * 1000) / (now - lastProgress.at);
      const sorted = [...phase.latencies].sort((a, b) => a - b);
      say(
        `  [${round((now - from) / 1000, 0)} s] ${count} commands, ${round(rate, 0)}/s lately, ${phase.rejected} rejected; ` +
          `${latencyLine(sorted)}; ${describeCpu(cpuBetween(lastProgress.cpu, cpu))}`,
      );
      lastProgress = { at: now, count, cpu };
    }, PROGRESS_EVERY_MS);

    const lanes = pairs.map((pair, i) =>
      runLane(sql, pair, i, () => stopping || failure !== undefined, recorder).catch((e: unknown) => {
        failure ??= e;
      }),
    );
    await Promise.all(lanes);
    timers.forEach(clearTimeout);
    clearInterval(progress);
    if (failure !== undefined) throw failure;

    phase.cpu = cpuBetween(cpuFrom, cpuUntil);
    phase.wal = walSince(walBefore, await walTotals(admin));
    // Warm-up included, and the payment events: about one event per seven commands.
    if (STATEMENTS) await reportStatements(admin, 'fieldwork', phase.warmupCommands + phase.latencies.length, 'cmd', say);
    return phase;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

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
  const seconds = secondsFromEnv();
  const pgbench = ensurePgbench(say);
  say(`pgbench: ${pgbench.version} at ${pgbench.bin}${pgbench.installed ? ` (installed ${pgbench.installed} just now)` : ''}`);

  // The postgres user must be able to enter the folder when we run as root.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fieldwork-bench-'));
  await fs.chmod(dir, 0o755);
  let pg: EmbeddedPostgres | undefined;
  let admin: Sql | undefined;
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await admin?.end({ timeout: 5 }).catch(() => {});
      await pg?.stop().catch(() => {});
      await fs.rm(dir, { recursive: true, force: true });
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      say(`\n${signal}: stopping Postgres and removing ${dir}`);
      void cleanup().finally(() => process.exit(130));
    });

  let commands: CommandPhase;
  let tpcb: PgbenchResult;
  let tpcbCpu: CpuShare;
  let tpcbWal: WalDelta;
  try {
    pg = await startEmbeddedPostgres({ dataDir: dir, log: createLogger('warn'), ...(STATEMENTS && { settings: STATEMENTS_SETTINGS }) });
    const postgresPid = Number((await fs.readFile(path.join(dir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]) || undefined;
    admin = createSql(pg.url, { max: 1, applicationName: 'fieldwork-bench-admin' });
    say(`postgres: ${dir} (${fsType(dir)}), port ${pg.port}, ${os.availableParallelism()} cores on this machine`);
    say(`settings: ${(await settingsLine(admin)).join(', ')}`);

    await admin.unsafe('create database fieldwork');
    await admin.unsafe('create database pgbench');
    const fieldworkUrl = withDatabase(pg.url, 'fieldwork');
    const migrator = createSql(fieldworkUrl, { max: 1 });
    await migrate(migrator).finally(() => migrator.end());
    const target = targetOf(withDatabase(pg.url, 'pgbench'));

    say(`\n1. pgbench -i -s ${PGBENCH_SCALE}`);
    await initPgbench(pgbench.bin, target, PGBENCH_SCALE, say);

    say(`\n2. commands`);
    await admin`checkpoint`;
    commands = await commandPhase(fieldworkUrl, admin, seconds, postgresPid);
    const measured = commands.latencies.length;
    const rejectedShare = measured === 0 ? 1 : commands.rejected / measured;
    say(`  ${measured} commands in ${seconds} s: ${commands.applied} applied, ${commands.rejected} rejected; ${latencyLine([...commands.latencies].sort((a, b) => a - b))}`);
    for (const [type, ms] of [...commands.byType].sort(([a], [b]) => LIFECYCLE.indexOf(a) - LIFECYCLE.indexOf(b)))
      say(`    ${type.padEnd(16)} ${String(ms.length).padStart(7)}  ${latencyLine(ms.sort((a, b) => a - b))}`);
    say(`    ${'(payment event)'.padEnd(16)} ${String(commands.events.length).padStart(7)}  ${latencyLine(commands.events.sort((a, b) => a - b))}  — not counted`);
    say(`  cpu: ${describeCpu(commands.cpu)}`);
    const allCommands = commands.warmupCommands + measured; // the WAL delta spans warm-up and window alike
    say(`  wal: ${round(commands.wal.bytes / allCommands, 0)} bytes, ${round(commands.wal.records / allCommands, 1)} records per command (≈, warm-up included)`);
    if (measured === 0 || rejectedShare > 0.01)
      throw new Error(
        `${round(100 * rejectedShare, 2)}% of commands were rejected, so the workload is not exercising the happy path: ` +
          [...commands.rejections].map(([k, n]) => `${k} ×${n}`).join(', '),
      );

    say(`\n3. pgbench -c ${ACTORS} -j ${PGBENCH_THREADS} -T ${seconds}`);
    await admin`checkpoint`;
    const walBefore = await walTotals(admin);
    if (STATEMENTS) await resetStatements(admin);
    const cpuFrom = readCpu(postgresPid);
    tpcb = await runTpcb(pgbench.bin, target, { clients: ACTORS, threads: PGBENCH_THREADS, seconds }, say);
    // pgbench's backends have exited by now, so their CPU time is gone from the tree: machine share only.
    tpcbCpu = cpuBetween(cpuFrom, readCpu(undefined));
    tpcbWal = walSince(walBefore, await walTotals(admin));
    say(`  cpu: machine ${tpcbCpu.machinePct}% busy across ${tpcbCpu.cores} cores (pgbench and its backends included)`);
    if (tpcb.transactions)
      say(`  wal: ${round(tpcbWal.bytes / tpcb.transactions, 0)} bytes, ${round(tpcbWal.records / tpcb.transactions, 1)} records per transaction`);
    if (STATEMENTS && tpcb.transactions) await reportStatements(admin, 'pgbench', tpcb.transactions, 'tx', say);
  } finally {
    await cleanup();
  }

  const sorted = [...commands.latencies].sort((a, b) => a - b);
  const commandsPerS = round(commands.latencies.length / seconds, 1);
  const ratio = round(commandsPerS / tpcb.tps, 3);
  say(`\nsummary`);
  say(`  commands/s   ${commandsPerS}  (p50 ${round(percentile(sorted, 0.5), 2)} ms, p99 ${round(percentile(sorted, 0.99), 2)} ms)`);
  say(`  pgbench tps  ${round(tpcb.tps, 1)}  (latency average ${tpcb.latencyAvgMs ?? '?'} ms)`);
  say(`  ratio        ${ratio}  (target ≥ 0.5: ${ratio >= 0.5 ? 'met' : 'NOT met'})`);
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
      cores: commands.cpu.cores,
    }),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
