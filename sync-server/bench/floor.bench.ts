// What the database alone allows on this machine: `npm run bench:floor` (about a minute).
//
// bench:commands and bench:ledger measure our write path against targets set relative to pgbench. This asks
// what any write path could reach here: the same workloads as pgbench scripts, reduced to the fewest writes
// that still keep the product's records (sync-server/bench/floor/*.sql): per command a command row with its
// outcome, the object's row, a notification row; per money movement a posting with its entries. No reads
// before writes, no row locks, no triggers, no checks, primary keys only, prepared statements, and pgbench's
// C client in place of Node. A real write path does more for every one of those, so these rates are ceilings,
// not goals: how far our figures are from them says how much of the gap is ours.
//
// One embedded Postgres with durable defaults, as the other benches. After `pgbench -i -s 10` and a checkpoint
// before each run, with 32 clients on 2 threads for BENCH_SECONDS (default 15) each:
//   1. TPC-B, as in the other benches (pgbench_tps);
//   2. floor/cycle.sql: one fund-and-release cycle of bench:ledger per run, four transactions;
//   3. floor/commands.sql: one gig's life of bench:commands per run, seven counted commands and the payment
//      confirmation, eight transactions.
// Last line, one JSON object: pgbench_tps, floor_cycles_per_s (against bench:ledger's target of 500),
// floor_commands_per_s and floor_ratio (floor_commands_per_s / pgbench_tps, against bench:commands' 0.5),
// and the Postgres CPU each takes (ms per cycle, per command, per TPC-B transaction).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { createSql, withDatabase } from '../src/db/sql';
import { PGBENCH_SCALE, PGBENCH_THREADS, ensurePgbench, initPgbench, measuredTpcb, targetOf, type MeasuredTpcb } from './pgbench';
import { msPer, round, wholeFromEnv } from './stats';
import { runBench, startThrowawayPostgres } from './throwaway-postgres';

const CLIENTS = 32;
/** Counted commands in one run of floor/commands.sql (the payment confirmation is not one, as in bench:commands). */
const COMMANDS_PER_RUN = 7;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const script = (name: string) => path.join(HERE, 'floor', name);

const say = (line = '') => process.stdout.write(`${line}\n`);

async function main() {
  const seconds = wholeFromEnv('BENCH_SECONDS', 15);
  const pgbench = ensurePgbench(say);
  const tp = await startThrowawayPostgres('fieldwork-bench-floor', say);
  try {
    const admin = createSql(tp.pg.url, { max: 1, applicationName: 'fieldwork-bench-admin' });
    const floor = createSql(withDatabase(tp.pg.url, 'floor'), { max: 1, applicationName: 'fieldwork-bench-admin' });
    try {
      await admin.unsafe('create database pgbench');
      await admin.unsafe('create database floor');
      await floor.unsafe(readFileSync(script('schema.sql'), 'utf8'));
      await floor.unsafe('vacuum analyze');
      say(`\n1. pgbench -i -s ${PGBENCH_SCALE}`);
      await initPgbench(pgbench.bin, targetOf(withDatabase(tp.pg.url, 'pgbench')), PGBENCH_SCALE, say, tp.signal);

      const runOf = async (title: string, database: string, file?: string): Promise<MeasuredTpcb> => {
        say(`\n${title}`);
        await admin.unsafe('checkpoint');
        const o = { clients: CLIENTS, threads: PGBENCH_THREADS, seconds, postgresPid: tp.pid, ...(file && { script: file }) };
        return measuredTpcb(pgbench.bin, targetOf(withDatabase(tp.pg.url, database)), o, say, tp.signal);
      };
      const tpcb = await runOf(`2. TPC-B: pgbench -c ${CLIENTS} -j ${PGBENCH_THREADS} -T ${seconds}`, 'pgbench');
      const cycles = await runOf('3. floor/cycle.sql: a fund-and-release cycle per run', 'floor', script('cycle.sql'));
      const commands = await runOf(`4. floor/commands.sql: ${COMMANDS_PER_RUN} commands per run`, 'floor', script('commands.sql'));

      // Every run that pgbench counts went the whole way: its conditional updates found the row in the
      // state they expect (a script that updated nothing would be measuring nothing).
      const [done] = await floor<{ released: number; completed: number }[]>`
        select (select count(*)::int from milestones where status = 'released') as released,
               (select count(*)::int from bookings where status = 'completed') as completed`;
      for (const [what, rows, runs] of [['cycles', done!.released, cycles.result.transactions], ['gig lives', done!.completed, commands.result.transactions]] as const)
        if (runs === undefined || rows < runs) throw new Error(`pgbench counted ${runs} ${what}, but only ${rows} reached their last step`);
      const commandsPerS = commands.result.tps * COMMANDS_PER_RUN;
      const figures = {
        pgbench_tps: round(tpcb.result.tps, 1),
        floor_cycles_per_s: round(cycles.result.tps, 1),
        floor_commands_per_s: round(commandsPerS, 1),
        floor_ratio: round(commandsPerS / tpcb.result.tps, 3),
        postgres_cpu_ms_per_pgbench_tx: msPer(tpcb.cpu?.postgresPct, tpcb.result.tps),
        postgres_cpu_ms_per_floor_cycle: msPer(cycles.cpu?.postgresPct, cycles.result.tps),
        postgres_cpu_ms_per_floor_command: msPer(commands.cpu?.postgresPct, commandsPerS),
        duration_s: seconds,
        clients: CLIENTS,
      };
      say('\nsummary (ceilings for any write path on this machine, not goals)');
      say(`  TPC-B          ${figures.pgbench_tps} tps`);
      say(`  cycles         ${figures.floor_cycles_per_s}/s  (bench:ledger's target: 500)`);
      say(`  commands       ${figures.floor_commands_per_s}/s, ratio ${figures.floor_ratio}  (bench:commands' target: 0.5)`);
      say(JSON.stringify(figures));
    } finally {
      await floor.end();
      await admin.end();
    }
  } finally {
    await tp.cleanup();
  }
}

runBench(main);
