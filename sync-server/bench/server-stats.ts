// What the server wrote during a phase: WAL volume, and rows per table with how many updates were HOT.
import type { Sql } from '../src/db/sql';
import { round } from './stats';

export interface TableWrites {
  table: string;
  inserts: number;
  updates: number;
  hotUpdates: number;
  indexes: number;
}

/** Cumulative counters since the database was created; read twice and subtract for a phase. */
export async function tableWrites(db: Sql): Promise<TableWrites[]> {
  return db<TableWrites[]>`
    select t.relname as table, t.n_tup_ins::int8 as inserts, t.n_tup_upd::int8 as updates, t.n_tup_hot_upd::int8 as hot_updates,
           (select count(*) from pg_index i where i.indrelid = t.relid)::int8 as indexes
    from pg_stat_user_tables t order by t.relname`;
}

export function describeWrites(before: TableWrites[], after: TableWrites[], units: number, unit: string): string[] {
  const was = new Map(before.map((t) => [t.table, t]));
  return after
    .map((t) => {
      const b = was.get(t.table);
      return { ...t, inserts: t.inserts - (b?.inserts ?? 0), updates: t.updates - (b?.updates ?? 0), hotUpdates: t.hotUpdates - (b?.hotUpdates ?? 0) };
    })
    .filter((t) => t.inserts + t.updates > 0)
    .map(
      (t) =>
        `${t.table.padEnd(18)} ${String(round(t.inserts / units, 2)).padStart(5)} inserts, ${String(round(t.updates / units, 2)).padStart(5)} updates per ${unit}` +
        `, ${t.updates ? Math.round((100 * t.hotUpdates) / t.updates) : 0}% of updates HOT; ${t.indexes} indexes`,
    );
}

export interface WalDelta {
  bytes: number;
  records: number;
  fpi: number;
}

export async function walTotals(admin: Sql): Promise<WalDelta> {
  // Backends publish their statistics when idle, at most once a second: wait for that before reading.
  await new Promise((r) => setTimeout(r, 1_500));
  const [w] = await admin`select wal_bytes::int8 as bytes, wal_records as records, wal_fpi as fpi from pg_stat_wal`;
  return { bytes: Number(w!.bytes), records: Number(w!.records), fpi: Number(w!.fpi) };
}

export const walSince = (a: WalDelta, b: WalDelta): WalDelta => ({ bytes: b.bytes - a.bytes, records: b.records - a.records, fpi: b.fpi - a.fpi });

export const walPlus = (a: WalDelta, b: WalDelta): WalDelta => ({ bytes: a.bytes + b.bytes, records: a.records + b.records, fpi: a.fpi + b.fpi });
