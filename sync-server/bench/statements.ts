// Optional (BENCH_STATEMENTS=1): where the command phase spends its server time, from pg_stat_statements.
import type { Sql } from '../src/db/sql';
import { round } from './stats';

/** Server settings that load the extension; the library must be preloaded at start. */
export const STATEMENTS_SETTINGS = { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'top' };

export async function resetStatements(db: Sql): Promise<void> {
  await db`create extension if not exists pg_stat_statements`;
  await db`select pg_stat_statements_reset()`;
}

/** Prints statements per command and the statements that cost most, for the current database only. */
export async function reportStatements(db: Sql, commands: number, say: (line: string) => void): Promise<void> {
  const rows = await db<{ query: string; calls: number; totalMs: number; meanMs: number }[]>`
    select regexp_replace(query, '\s+', ' ', 'g') as query, calls::int8 as calls,
           total_exec_time as total_ms, mean_exec_time as mean_ms
    from pg_stat_statements
    where dbid = (select oid from pg_database where datname = current_database())
    order by total_exec_time desc`;
  const calls = rows.reduce((n, r) => n + r.calls, 0);
  const execMs = rows.reduce((n, r) => n + r.totalMs, 0);
  say(`  statements: ${round(calls / commands, 1)} per command, ${round(execMs / commands, 3)} ms of execution per command (server side, excluding parse and network)`);
  for (const r of rows.slice(0, 15))
    say(`    ${String(round(r.calls / commands, 2)).padStart(5)}/cmd  ${String(round(r.meanMs, 3)).padStart(7)} ms  ${String(round((100 * r.totalMs) / execMs, 1)).padStart(5)}%  ${r.query.slice(0, 110)}`);
}
