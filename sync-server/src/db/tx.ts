// Transactions with retries for the errors Postgres asks callers to retry; nothing else retries.
import type { Sql, TxSql } from './sql';

/** serialization_failure, deadlock_detected: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);

export function isRetryable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && RETRYABLE.has((e as { code?: string }).code ?? '');
}

export function pgCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? (e as { code?: string }).code : undefined;
}

/**
 * Jittered backoff before attempt `attempt + 1`, so that two colliding transactions do not collide again.
 * Callers holding a reserved connection release it first: a sleeping holder only takes capacity from others.
 */
export const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * 5 * 2 ** attempt));

export async function transaction<T>(sql: Sql, work: (tx: TxSql) => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await sql.begin(work)) as T;
    } catch (e) {
      if (!isRetryable(e) || attempt >= attempts) throw e;
      await backoff(attempt);
    }
  }
}
