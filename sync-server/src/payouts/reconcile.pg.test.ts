// The nightly reconciliation's schedule (ESCROW_CRONTAB in escrow/tasks.ts) as the real job runner keeps it: a
// night missed while no instance ran is reconciled when one starts within a day of it, for that night's day.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { createTestApp } from '../../test/app';
import { startStripeStandin, type StripeStandin } from '../../test/stripe-standin';
import { ESCROW_CRONTAB, escrowTasks } from '../escrow/tasks';
import { startJobRunner } from '../jobs/runner';

let db: TestDb;
let standin: StripeStandin;

beforeAll(async () => {
  db = await createTestDb();
  standin = await startStripeStandin();
});
afterAll(async () => {
  await standin?.close();
  await db?.drop();
});

async function waitFor<T>(check: () => T | undefined, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the nightly reconciliation', () => {
  it('runs a night missed while no instance ran when one starts within a day of it, for the day before that night', async () => {
    // Known for days, last run two nights ago: last night's 03:40 came while nothing ran.
    await db.sql`
      insert into graphile_worker._private_known_crontabs (identifier, known_since, last_execution)
      values ('escrow-reconcile', now() - interval '5 days', now() - interval '2 days')`;
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const started = new Date();
    const runner = await startJobRunner({
      connectionString: db.url,
      sql: db.sql,
      tasks: escrowTasks(createTestApp(db.sql, standin.env).deps.payments),
      crontab: ESCROW_CRONTAB.filter((c) => c.task === 'escrow.reconcile'),
      concurrency: 1,
      pollInterval: 50,
      log,
    });
    try {
      const done = await waitFor(() => lines.find((l) => l.msg === 'the ledger reconciles with the provider'));
      // The last 03:40 UTC before the runner started, and the UTC day before it.
      const tick = new Date(started);
      tick.setUTCHours(3, 40, 0, 0);
      if (tick > started) tick.setUTCDate(tick.getUTCDate() - 1);
      const day = new Date(Date.UTC(tick.getUTCFullYear(), tick.getUTCMonth(), tick.getUTCDate() - 1));
      expect(done).toMatchObject({ level: 30, from: day.toISOString(), to: new Date(day.getTime() + 86_400_000).toISOString(), mismatched: 0 });
      const [known] = await db.sql<{ lastExecution: Date }[]>`select last_execution from graphile_worker._private_known_crontabs where identifier = 'escrow-reconcile'`;
      expect(known!.lastExecution.toISOString()).toBe(tick.toISOString());
      // Once: the day is not reconciled twice.
      expect(lines.filter((l) => l.msg === 'the ledger reconciles with the provider')).toHaveLength(1);
    } finally {
      await runner.stop();
    }
  });
});
