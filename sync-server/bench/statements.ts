// Optional (BENCH_STATEMENTS=1): where a phase spends its server time, from pg_stat_statements.
import type { Sql } from '../src/db/sql';
import { round } from './stats';

/** Server settings that load the extension; the library must be preloaded at start. */
export const STATEMENTS_SETTINGS = { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'top', 'pg_stat_statements.track_planning': 'on' };

/** `admin` is any connection; the view it creates there shows every database's statements. */
export async function resetStatements(admin: Sql): Promise<void> {
  await admin`create extension if not exists pg_stat_statements`;
  await admin`select pg_stat_statements_reset()`;
}

/**
 * Statements per unit of work (command or transaction) in one database, and the 25 that cost most, planning
 * included. "planned" is how often an execution was planned afresh: 100% for an unnamed statement, and for a
 * prepared one whose custom plan Postgres keeps preferring (an array parameter does that), against 0% once it
 * runs a cached plan. Planning a statement can cost more than running it.
 * COMMIT, SAVEPOINT and RELEASE are not counted reliably by pg_stat_statements, so "per unit" undercounts
 * round trips by about that much.
 */
export async function reportStatements(admin: Sql, database: string, units: number, unit: string, say: (line: string) => void): Promise<void> {
  const rows = await admin<{ query: string; calls: number; totalMs: number; meanMs: number; plans: number; planMs: number }[]>`
    select regexp_replace(query, '[[:space:]]+', ' ', 'g') as query, calls::int8 as calls,
           total_exec_time + total_plan_time as total_ms, plans::int8 as plans, mean_plan_time as plan_ms, mean_exec_time + mean_plan_time as mean_ms
    from pg_stat_statements
    where dbid = (select oid from pg_database where datname = ${database})
    order by total_exec_time + total_plan_time desc`;
  const calls = rows.reduce((n, r) => n + r.calls, 0);
  const execMs = rows.reduce((n, r) => n + r.totalMs, 0);
  say(`  statements: ${round(calls / units, 1)} per ${unit}, ${round(execMs / units, 3)} ms planning and executing per ${unit} (server side, parse and network excluded)`);
  for (const r of rows.slice(0, 25))
    say(`    ${String(round(r.calls / units, 2)).padStart(5)}/${unit}  ${String(round(r.meanMs, 3)).padStart(7)} ms  ${String(round((100 * r.totalMs) / execMs, 1)).padStart(5)}%  planned ${String(Math.round((100 * r.plans) / r.calls)).padStart(3)}%  ${r.query.slice(0, 100)}`);
}
