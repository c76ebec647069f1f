// The one postgres.js configuration: snake_case in SQL, camelCase in TypeScript, int8 as a safe number.
import postgres from 'postgres';

export type Sql = postgres.Sql;
export type TxSql = postgres.TransactionSql;
/** The pool, a transaction, or a reserved connection inside one: what store functions take. */
export type Db = postgres.Sql | postgres.TransactionSql | postgres.ReservedSql;

export class UnsafeIntegerError extends RangeError {
  override name = 'UnsafeIntegerError';
}

/** int8 arrives as text; money and counters must be exact, so anything beyond 2^53 is an error, not a rounding. */
export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new UnsafeIntegerError(`int8 value ${text} is outside the safe integer range`);
  return n;
}

export interface SqlOptions {
  max?: number;
  /** Shown in pg_stat_activity; helps when several instances share one database. */
  applicationName?: string;
  onnotice?: (n: postgres.Notice) => void;
}

export function createSql(url: string, opts: SqlOptions = {}): Sql {
  // libpq's way to name a Unix socket directory: postgres://user:pass@localhost:5432/db?host=/run/postgresql
  const u = new URL(url);
  const socketDir = u.searchParams.get('host');
  if (socketDir?.startsWith('/')) {
    u.searchParams.delete('host');
    url = u.toString();
  }
  return postgres(url, {
    ...(socketDir?.startsWith('/') ? { host: socketDir } : {}),
    max: opts.max ?? 20,
    idle_timeout: 60,
    connect_timeout: 10,
    transform: { column: { from: postgres.toCamel, to: postgres.fromCamel } },
    types: {
      int8: {
        to: 20,
        from: [20],
        serialize: (x: number) => String(x),
        parse: parseInt8,
      },
    },
    connection: { application_name: opts.applicationName ?? 'fieldwork-sync-server' },
    onnotice: opts.onnotice ?? (() => {}),
  });
}

/** postgres://…/dbname with the database swapped. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
