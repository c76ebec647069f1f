// The shared watermark probe: one query for many callers, and waiting out an older transaction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import type { Sql } from '../db/sql';
import { Watermark } from './watermark';

let db: TestDb;
let queries = 0;
let counting: Sql;

beforeAll(async () => {
  db = await createTestDb();
  counting = ((strings: TemplateStringsArray, ...values: unknown[]) => {
    queries++;
    return db.sql(strings, ...(values as never[]));
  }) as unknown as Sql;
});
afterAll(() => db.drop());

describe('Watermark', () => {
  it('answers callers woken at one instant with one query, and a burst with about one per round trip', async () => {
    const w = new Watermark(counting);
    queries = 0;
    const at = performance.now();
    const snaps = await Promise.all(Array.from({ length: 50 }, () => w.after(at)));
    expect(queries).toBe(1);
    expect(snaps[0]!.xmin).toBeGreaterThan(0n);
    expect(snaps[0]!.xmax).toBeGreaterThanOrEqual(snaps[0]!.xmin);

    queries = 0;
    const burst = [];
    for (let i = 0; i < 50; i++) burst.push(w.after(performance.now()));
    await Promise.all(burst);
    expect(queries).toBeLessThanOrEqual(2);
    w.close();
  });

  it('wakes a waiter once the transactions holding the watermark back have finished, and not before', async () => {
    const w = new Watermark(db.sql);
    const older = await db.sql.reserve();
    await older`begin`;
    const x = (await older<{ x: string }[]>`select pg_current_xact_id()::text as x`)[0]!.x;
    const y = (await db.sql<{ y: string }[]>`select pg_current_xact_id()::text as y`)[0]!.y; // committed, above the older one
    let woke = 0;
    let cancelledWoke = 0;
    w.waitAbove(BigInt(y), () => woke++);
    const cancel = w.waitAbove(BigInt(y), () => cancelledWoke++);
    cancel();
    await new Promise((r) => setTimeout(r, 300));
    expect(woke).toBe(0);
    expect((await w.after(performance.now())).xmin).toBe(BigInt(x));
    await older`commit`;
    older.release();
    await new Promise((r) => setTimeout(r, 400)); // the backoff has reached at most 250 ms
    expect([woke, cancelledWoke]).toEqual([1, 0]);
    w.close();
  });
});
