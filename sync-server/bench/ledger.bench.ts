// Fund-and-release cycles per second: `npm run bench:ledger` (about a minute, the baseline included).
//
// What it measures. One embedded Postgres in a temp folder with durable defaults (fsync, synchronous_commit
// on), a migrated `fieldwork` database with the job schema. 32 lanes, each a client and an operator with an
// active payout account (workload.ts), each working one booking at a time (32 concurrent bookings on a
// 32-connection pool). A booking is a gig posted and accepted, then a plan of 20 milestones proposed by the
// worker and accepted by the client; the lane then runs cycles over its milestones in turn. A cycle is:
//   milestone.fund (client) → the provider's payment confirmation (confirmPayment, posting the funding) →
//   booking.start (worker; the booking's first cycle only) → milestone.submit (worker) →
//   milestone.approve (client; posting the release: escrow to the worker's payable and the platform's fee).
// Each command is applyCommand, the write path behind POST /commands, minus HTTP. 10 s of warm-up (WARMUP_S
// in measured-window.ts; the database is analyzed halfway, as autovacuum would have by then: see
// analyzeMidWarmup), then BENCH_SECONDS (default 15). Setting up the next booking (4 commands per 20
// cycles) takes lane time inside the window but is not a cycle.
//
// How to read it. cycles_per_s counts cycles that finished inside the window; p50_ms / p99_ms are whole
// cycles (four transactions one after another, five on a booking's first), waits for a pool connection
// included. cpu_ms_per_cycle is Node's and Postgres's CPU time per cycle, which other tenants of the machine
// disturb less than the rate. After the run, checkLedgerInvariants reads the whole ledger (invariants_ok),
// and each /money report is timed once over it; BENCH_EXPLAIN=1 also prints their query plans (auto_explain). BENCH_STATEMENTS=1 loads
// pg_stat_statements and lists what the cycles in the window cost the server, statement by statement
// (bookings set up meanwhile included). BENCH_PLAN_SIZE (1 to 20, default 20) sets the milestones per
// booking.
//
// The baseline: what this machine's Postgres does with durable write transactions at all. Last, on the same
// server, `pgbench -i -s 10` fills a `pgbench` database and, after a checkpoint, TPC-B-like
// `pgbench -c 32 -j 2 -T <BENCH_SECONDS>` runs against it (pgbench_tps), its CPU split as for the cycles. A
// cycle is four durable transactions one after another (transactions_per_cycle; the bookings set up
// meanwhile add about a quarter more per cycle at 20 milestones), so ceiling_cycles_per_s = pgbench_tps / 4
// is the cycle rate this machine's TPC-B rate would give (500 cycles/s needs 2,000 tps), and tx_ratio =
// cycles_per_s × 4 / pgbench_tps is how our transactions fare against TPC-B's. postgres_cpu_ms_per_cycle_tx
// and node_cpu_ms_per_cycle_tx (a quarter of a cycle's) stand beside postgres_cpu_ms_per_pgbench_tx: while
// the cores are the limit, tx_ratio is roughly pgbench's ms / (postgres + node ms per cycle transaction),
// because Node shares the cores and pgbench's C client costs little. pgbench is found before anything else
// runs, or installed with apt when missing and running as root; BENCH_PGBENCH=0 skips the baseline, and its
// keys are then null. The last line is one JSON object.
import os from 'node:os';
import { v7 as uuidv7 } from 'uuid';
import type { CommandInput, CommandType } from '@shared/commands';
import { applyCommand, type CommandOutcome } from '../src/commands/apply';
import { confirmPayment } from '../src/escrow/events';
import { migrate } from '../src/db/migrate';
import { installJobSchema } from '../src/jobs/runner';
import { createSql, withDatabase, type Sql } from '../src/db/sql';
import { checkLedgerInvariants } from '../src/ledger/invariants';
import { workerStatement } from '../src/money/statements';
import { clientPayments, receipt } from '../src/money/payments';
import { settlementReport, trialBalanceReport } from '../src/money/settlement';
import { parsePeriod } from '../src/money/period';
import { WARMUP_S, analyzeMidWarmup, latencyLine, measuredWindow } from './measured-window';
import { STATEMENTS_SETTINGS, reportStatements, resetStatements } from './statements';
import { PGBENCH_SCALE, PGBENCH_THREADS, TPCB_OTHER_CPU_ALLOWANCE_PCT, ensurePgbench, initPgbench, measuredTpcb, targetOf, type MeasuredTpcb } from './pgbench';
import { describeCpu, msPer, percentile, round, wholeFromEnv, type CpuShare } from './stats';
import { runBench, startThrowawayPostgres } from './throwaway-postgres';
import { createPairs, type Pair } from './workload';

const LANES = 32;
const EXPLAIN = process.env.BENCH_EXPLAIN === '1';
const STATEMENTS = process.env.BENCH_STATEMENTS === '1';
const PGBENCH = process.env.BENCH_PGBENCH !== '0';
/** fund, payment confirmation, submit, approve: one transaction each. */
const TRANSACTIONS_PER_CYCLE = 4;

const say = (line = '') => process.stdout.write(`${line}\n`);

type Step = CommandType | 'payment_confirmed';

interface Recorder {
  step(step: Step, finishedAt: number, ms: number, outcome: CommandOutcome | null): void;
  cycle(finishedAt: number, ms: number): void;
}

function envelope<T extends CommandType>(type: T, payload: CommandInput<T>) {
  return { id: uuidv7(), type, payload, issuedAt: new Date().toISOString() };
}

/**
 * One lane: a booking of `planSize` milestones, funded and released one after another, then the next
 * booking. A refused step abandons the booking (the rest of it would be refused too).
 */
async function runLane(sql: Sql, pair: Pair, lane: number, planSize: number, stop: () => boolean, rec: Recorder): Promise<void> {
  const issue = async <T extends CommandType>(actorId: string, type: T, payload: CommandInput<T>): Promise<boolean> => {
    const t0 = performance.now();
    const outcome = await applyCommand(sql, actorId, envelope(type, payload));
    const t1 = performance.now();
    rec.step(type, t1, t1 - t0, outcome);
    return outcome.status === 'applied';
  };

  for (let round = 0; !stop(); round++) {
    const gigId = uuidv7();
    const bookingId = uuidv7();
    const planId = uuidv7();
    const plan = Array.from({ length: planSize }, (_, i) => ({
      milestoneId: uuidv7(),
      description: `Part ${i + 1} of ${planSize}`,
      amount: { amount: 2_000 + 125 * ((lane + round + i) % 17), currency: 'USD' },
    }));
    const setUp =
      (await issue(pair.clientId, 'gig.post', {
        gigId, title: 'Renovate the kitchen', description: 'In parts, paid as each is done.', skills: { handyman: 2 },
        budget: { amount: 40_000, currency: 'USD' }, location: { lat: 37.7749 + 0.001 * (lane % 10), lng: -122.4194 }, address: `${100 + lane} Market St`, areaLabel: 'SoMa',
      })) &&
      (await issue(pair.operatorId, 'gig.accept', { gigId, bookingId })) &&
      (await issue(pair.operatorId, 'milestone.propose', { bookingId, planId, milestones: plan })) &&
      (await issue(pair.clientId, 'milestone.accept', { bookingId, planId }));
    if (!setUp) continue;

    let started = false;
    for (const { milestoneId, amount } of plan) {
      if (stop()) return;
      const t0 = performance.now();
      if (!(await issue(pair.clientId, 'milestone.fund', { milestoneId }))) break;
      const t1 = performance.now();
      const paid = await confirmPayment(sql, { milestoneId, paymentIntentId: `pi_bench_${milestoneId}`, chargeId: `ch_bench_${milestoneId}`, amount: amount.amount, currency: 'USD' }, `bench-payment:${milestoneId}`);
      const t2 = performance.now();
      rec.step('payment_confirmed', t2, t2 - t1, null);
      if (paid !== 'funded') throw new Error(`payment for ${milestoneId}: ${paid}`);
      if (!started && !(await issue(pair.operatorId, 'booking.start', { bookingId }))) break;
      started = true;
      if (!(await issue(pair.operatorId, 'milestone.submit', { milestoneId }))) break;
      if (!(await issue(pair.clientId, 'milestone.approve', { milestoneId }))) break;
      const t3 = performance.now();
      rec.cycle(t3, t3 - t0);
    }
  }
}

interface Measured {
  cycles: number[];
  steps: Map<Step, number[]>;
  applied: number;
  rejected: number;
  rejections: Map<string, number>;
  warmupCycles: number;
  cpu: CpuShare;
}

interface PhaseOptions {
  seconds: number;
  planSize: number;
  postgresPid: number | undefined;
  signal: AbortSignal;
  /** Called as the measured window opens. */
  onWindow?: () => void;
}

async function cyclePhase(sql: Sql, pairs: readonly Pair[], o: PhaseOptions): Promise<Measured> {
  const { seconds, planSize, postgresPid, signal } = o;
  const m: Measured = { cycles: [], steps: new Map(), applied: 0, rejected: 0, rejections: new Map(), warmupCycles: 0, cpu: undefined as never };
  const clock = measuredWindow(WARMUP_S, seconds);
  const rec: Recorder = {
    step(step, finishedAt, ms, outcome) {
      if (outcome?.status === 'rejected') {
        // Counted wherever they happen: a refusal means the workload is broken.
        m.rejected++;
        const key = `${step}: ${outcome.rejection?.code}`;
        m.rejections.set(key, (m.rejections.get(key) ?? 0) + 1);
      }
      if (!clock.inWindow(finishedAt)) return;
      if (outcome?.status === 'applied') m.applied++;
      let list = m.steps.get(step);
      if (!list) m.steps.set(step, (list = []));
      list.push(ms);
    },
    cycle(finishedAt, ms) {
      if (clock.inWindow(finishedAt)) m.cycles.push(ms);
      else if (finishedAt < clock.from) m.warmupCycles++;
    },
  };

  say(`cycles: ${pairs.length} lanes (bookings of ${planSize} milestones), ${WARMUP_S} s warm-up, then ${seconds} s measured`);
  const tally = () => ({ warmup: m.warmupCycles, latencies: m.cycles, rejected: m.rejected });
  m.cpu = await clock.run(
    { unit: 'cycles', tally, postgresPid, signal, say, onOpen: o.onWindow, duringWarmup: analyzeMidWarmup(sql, WARMUP_S, signal) },
    pairs.map((pair, i) => (stop) => runLane(sql, pair, i, planSize, stop, rec)),
  );
  return m;
}

/** Each /money report once over the bench's ledger, timed; with BENCH_EXPLAIN=1, its statements' plans. */
async function reportPhase(url: string, pair: Pair): Promise<Record<string, number>> {
  const plans: string[] = [];
  // One connection, so that auto_explain, loaded into the session, sees every statement.
  const sql = createSql(url, { max: 1, applicationName: 'fieldwork-bench-reports', onnotice: (n) => void plans.push(String(n.message)) });
  try {
    if (EXPLAIN) {
      await sql`load 'auto_explain'`;
      for (const [k, v] of [['log_min_duration', '0'], ['log_analyze', 'on'], ['log_timing', 'off'], ['log_level', 'notice']])
        await sql.unsafe(`set auto_explain.${k} = ${v}`);
    }
    const [{ id: milestoneId }] = (await sql`select id from milestones where client_id = ${pair.clientId} and funded_at is not null limit 1`) as never as [{ id: string }];
    const period = parsePeriod({}, new Date());
    const reports: [string, () => Promise<unknown>][] = [
      ['worker_statement', () => workerStatement(sql, pair.operatorId, period)],
      ['client_payments', () => clientPayments(sql, pair.clientId, period)],
      ['receipt', () => receipt(sql, pair.clientId, milestoneId)],
      ['settlement', () => settlementReport(sql, period)],
      ['trial_balance', () => trialBalanceReport(sql)],
    ];
    const ms: Record<string, number> = {};
    for (const [name, run] of reports) {
      plans.length = 0;
      const t0 = performance.now();
      await run();
      ms[name] = round(performance.now() - t0, 1);
      say(`  ${name.padEnd(17)} ${String(ms[name]).padStart(7)} ms`);
      for (const plan of plans) say(compactPlan(plan));
    }
    return ms;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** auto_explain's text, short: the statement's first line, then the plan's nodes and conditions without costs. */
function compactPlan(notice: string): string {
  const text = notice.split('\nQuery Text: ')[1] ?? notice;
  const planAt = text.search(/\n\s*(Query Parameters|[A-Z][A-Za-z ]+(  |\(|$))/m);
  const head = text.slice(0, planAt < 0 ? undefined : planAt).trim().split('\n')[0]!.replace(/\s+/g, ' ');
  const skip = /^\s*(Query Parameters|Index Searches|Heap Blocks|Buckets|Sort Method|Batches|Rows Removed|Memory|Planning|Execution)/;
  const nodes = (planAt < 0 ? [] : text.slice(planAt).split('\n'))
    .filter((l) => l.trim() && !skip.test(l))
    .map((l) => `      ${l.replace(/\s*\(cost=[^)]*\)/, '').replace('(actual rows=', '(rows=')}`.replace(/'\{[^}]{60,}\}'/g, "'{…}'").slice(0, 170));
  return [`    ${head.slice(0, 140)}`, ...nodes].join('\n');
}

async function main(): Promise<void> {
  const seconds = wholeFromEnv('BENCH_SECONDS', 15);
  const planSize = wholeFromEnv('BENCH_PLAN_SIZE', 20);
  if (planSize > 20) throw new Error('BENCH_PLAN_SIZE must be at most 20, the most milestones one plan may have');
  const pgbench = PGBENCH ? ensurePgbench(say) : undefined;
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const tp = await startThrowawayPostgres('fieldwork-bench-ledger', say, STATEMENTS ? { settings: STATEMENTS_SETTINGS } : {});
  let sql: Sql | undefined;
  let stats: Sql | undefined;
  let measured: Measured;
  let invariants: Awaited<ReturnType<typeof checkLedgerInvariants>>;
  let reportMs: Record<string, number>;
  let checkMs: number;
  let tpcb: MeasuredTpcb | undefined;
  try {
    say(`postgres: ${tp.dir}, port ${tp.pg.port}; ${os.availableParallelism()} cores, load average ${load} before the run`);
    const admin = createSql(tp.pg.url, { max: 1 });
    await admin.unsafe('create database fieldwork').finally(() => admin.end());
    const url = withDatabase(tp.pg.url, 'fieldwork');
    sql = createSql(url, { max: LANES, applicationName: 'fieldwork-bench-ledger' });
    await migrate(sql);
    await installJobSchema(url); // commands queue escrow timers into it
    const pairs = await createPairs(sql, LANES); // with active payout accounts, as gig.accept requires
    // Open every pool connection before the clock starts.
    await Promise.all(Array.from({ length: LANES }, () => sql!`select pg_sleep(0.05)`));
    if (STATEMENTS) await resetStatements((stats = createSql(tp.pg.url, { max: 1, applicationName: 'fieldwork-bench-admin' })));
    let reset: Promise<void> | undefined;
    // Counted from the window's start: the warm-up's first releases all create the shared fee account at once.
    const onWindow = () => void (reset = stats && resetStatements(stats));

    measured = await cyclePhase(sql, pairs, { seconds, planSize, postgresPid: tp.pid, signal: tp.signal, onWindow });
    const sorted = [...measured.cycles].sort((a, b) => a - b);
    say(`  ${sorted.length} cycles in ${seconds} s; ${latencyLine(sorted)}`);
    for (const [step, ms] of measured.steps) say(`    ${step.padEnd(18)} ${String(ms.length).padStart(7)}  ${latencyLine(ms.sort((a, b) => a - b))}`);
    say(`  cpu: ${describeCpu(measured.cpu)}`);
    // Per cycle ≈: the cycles still in flight at the end ran their statements too, and bookings were set up.
    if (stats) await reset!.then(() => reportStatements(stats!, 'fieldwork', measured.cycles.length, 'cycle', say));
    const total = measured.applied + measured.rejected;
    if (sorted.length === 0 || measured.rejected > 0.01 * total)
      throw new Error(`${measured.rejected} of ${total} commands were refused, so the workload is broken: ${[...measured.rejections].map(([k, n]) => `${k} ×${n}`).join(', ')}`);

    say(`\ninvariants over the whole ledger`);
    const t0 = performance.now();
    invariants = await checkLedgerInvariants(sql);
    checkMs = round(performance.now() - t0, 1);
    say(`  ${invariants.postings} postings, ${invariants.entries} entries, ${invariants.accounts} accounts, ${invariants.milestones} milestones: ` +
      `${invariants.ok ? 'all hold' : `${invariants.violations.length} violations`} (${checkMs} ms)`);
    for (const v of invariants.violations.slice(0, 10)) say(`    ${JSON.stringify(v)}`);

    say(`\nreports over it (one worker, one client)`);
    // Statistics as autovacuum would have them by now: the tables grew from nothing during the run.
    await sql`analyze ledger_postings, ledger_entries, ledger_accounts, milestones`;
    reportMs = await reportPhase(url, pairs[0]!);

    if (pgbench) {
      tp.signal.throwIfAborted();
      say(`\nbaseline: pgbench -i -s ${PGBENCH_SCALE}, then TPC-B -c ${LANES} -j ${PGBENCH_THREADS} -T ${seconds}`);
      await sql.unsafe('create database pgbench');
      const target = targetOf(withDatabase(tp.pg.url, 'pgbench'));
      await initPgbench(pgbench.bin, target, PGBENCH_SCALE, say, tp.signal);
      await sql`checkpoint`; // so that TPC-B does not write out the cycles' or pgbench -i's dirty pages
      tpcb = await measuredTpcb(pgbench.bin, target, { clients: LANES, threads: PGBENCH_THREADS, seconds, postgresPid: tp.pid }, say, tp.signal);
    }
  } finally {
    await sql?.end({ timeout: 5 }).catch(() => {});
    await stats?.end({ timeout: 5 }).catch(() => {});
    await tp.cleanup();
  }

  const sorted = [...measured.cycles].sort((a, b) => a - b);
  const cyclesPerS = round(sorted.length / seconds, 1);
  const loadAfter = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const { nodePct, postgresPct, otherPct } = measured.cpu;
  const cpuMsPerCycle = msPer(postgresPct === undefined ? undefined : nodePct + postgresPct, cyclesPerS);
  const cycleTxPerS = cyclesPerS * TRANSACTIONS_PER_CYCLE;
  const pgbenchTps = tpcb ? round(tpcb.result.tps, 1) : null;
  const ceiling = tpcb ? round(tpcb.result.tps / TRANSACTIONS_PER_CYCLE, 1) : null;
  const txRatio = tpcb ? round(cycleTxPerS / tpcb.result.tps, 3) : null;
  const pgMsPerCycleTx = msPer(postgresPct, cycleTxPerS);
  const pgMsPerTpcbTx = tpcb ? msPer(tpcb.cpu?.postgresPct, tpcb.result.tps) : null;
  say(`\nsummary`);
  say(`  cycles/s  ${cyclesPerS}  (target ≥ 500: ${cyclesPerS >= 500 ? 'met' : 'NOT met'}); p50 ${round(percentile(sorted, 0.5), 2)} ms, p99 ${round(percentile(sorted, 0.99), 2)} ms`);
  if (cpuMsPerCycle !== null) say(`  cpu       ${cpuMsPerCycle} ms per cycle (node ${msPer(nodePct, cyclesPerS)}, postgres ${msPer(postgresPct, cyclesPerS)})`);
  if (tpcb) {
    say(`  pgbench   ${pgbenchTps} tps TPC-B on the same Postgres (latency average ${tpcb.result.latencyAvgMs ?? '?'} ms)`);
    say(`  ceiling   ${ceiling} cycles/s at that rate, ${TRANSACTIONS_PER_CYCLE} transactions per cycle (500/s needs ${500 * TRANSACTIONS_PER_CYCLE} tps)`);
    say(`  tx ratio  ${txRatio}  (cycles/s × ${TRANSACTIONS_PER_CYCLE} / pgbench tps)`);
    say(`  cpu/tx    postgres ${pgMsPerCycleTx ?? '?'} ms per cycle transaction (node ${msPer(nodePct, cycleTxPerS)} beside it), ${pgMsPerTpcbTx ?? '?'} ms per pgbench transaction`);
  } else say(`  pgbench   skipped (BENCH_PGBENCH=0)`);
  say(`  load average ${load} before, ${loadAfter} after`);
  if ((otherPct ?? 0) > 15) say(`  warning: other processes used ${otherPct}% of a core during the cycles; run again on a quiet machine`);
  if ((tpcb?.cpu?.otherPct ?? 0) > TPCB_OTHER_CPU_ALLOWANCE_PCT)
    say(`  warning: everything else used ${tpcb!.cpu!.otherPct}% of a core during pgbench (its own client is about 25%); run again on a quiet machine`);
  say(
    JSON.stringify({
      cycles_per_s: cyclesPerS,
      p99_ms: round(percentile(sorted, 0.99), 2),
      postings: invariants.postings,
      invariants_ok: invariants.ok,
      p50_ms: round(percentile(sorted, 0.5), 2),
      cycles: sorted.length,
      duration_s: seconds,
      warmup_s: WARMUP_S,
      concurrent_bookings: LANES,
      milestones_per_booking: planSize,
      commands_applied: measured.applied,
      commands_rejected: measured.rejected,
      violations: invariants.violations.length,
      invariants_check_ms: checkMs,
      report_ms: reportMs,
      cpu_ms_per_cycle: cpuMsPerCycle,
      node_cpu_pct: measured.cpu.nodePct,
      postgres_cpu_pct: measured.cpu.postgresPct ?? null,
      other_cpu_pct: measured.cpu.otherPct ?? null,
      machine_cpu_pct: measured.cpu.machinePct ?? null,
      cores: measured.cpu.cores,
      load_before: load,
      load_after: loadAfter,
      transactions_per_cycle: TRANSACTIONS_PER_CYCLE,
      pgbench_tps: pgbenchTps,
      tx_ratio: txRatio,
      ceiling_cycles_per_s: ceiling,
      postgres_cpu_ms_per_cycle_tx: pgMsPerCycleTx,
      node_cpu_ms_per_cycle_tx: msPer(nodePct, cycleTxPerS),
      postgres_cpu_ms_per_pgbench_tx: pgMsPerTpcbTx,
      pgbench_other_cpu_pct: tpcb?.cpu?.otherPct ?? null,
    }),
  );
}

runBench(main);
