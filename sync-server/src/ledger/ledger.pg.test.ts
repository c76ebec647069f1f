// The ledger's invariants, held by the database whatever code writes (migration 003, L1–L5), and the post()
// helper's idempotency and locking.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { money, splitFee } from '@shared/money';
import { createTestDb, type TestDb } from '../../test/db';
import { transaction } from '../db/tx';
import { accounts } from './accounts';
import { LedgerError, balance, post, trialBalance, type Posting } from './ledger';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb({ max: 12 });
});
afterAll(async () => {
  await db.drop();
});

const usd = (n: number) => money(n, 'USD');

/** Funding of one milestone: the client's money arrives from the provider and sits in its escrow. */
function funding(clientId: string, milestoneId: string, amount: number, key = `evt-${uuidv7()}`): Posting {
  return {
    kind: 'funding',
    dedupeKey: key,
    milestoneId,
    entries: [
      { account: accounts.clientFunding(clientId, 'USD'), amount: usd(-amount) },
      { account: accounts.escrow(milestoneId, 'USD'), amount: usd(amount) },
    ],
  };
}

/** Release of `amount` from escrow to the worker, less the platform fee. */
function release(milestoneId: string, workerId: string, amount: number, bps = 1000, key = `cmd-${uuidv7()}`): Posting {
  const { fee, net } = splitFee(usd(amount), bps);
  return {
    kind: 'release',
    dedupeKey: key,
    milestoneId,
    entries: [
      { account: accounts.escrow(milestoneId, 'USD'), amount: usd(-amount) },
      { account: accounts.workerPayable(workerId, 'USD'), amount: net },
      { account: accounts.platformFees('USD'), amount: fee },
    ],
  };
}

const postOne = (p: Posting) => transaction(db.sql, (tx) => post(tx, p));
const count = async (table: string) => Number((await db.sql.unsafe(`select count(*)::int8 as n from ${table}`))[0]!.n);

describe('postings', () => {
  it('fund then release: escrow empties, the worker gets the net, the platform the fee, and all sums to zero', async () => {
    const [client, worker, milestone] = [uuidv7(), uuidv7(), uuidv7()];
    await postOne(funding(client, milestone, 12_345));
    await postOne(release(milestone, worker, 12_345, 1000));
    expect(await balance(db.sql, accounts.escrow(milestone, 'USD').id)).toBe(0);
    // 10% of 123.45 is 12.345, rounded half-even to 12.34 (money.ts, FEE_ROUNDING).
    expect(await balance(db.sql, accounts.platformFees('USD').id)).toBeGreaterThanOrEqual(1234);
    expect(await balance(db.sql, accounts.workerPayable(worker, 'USD').id)).toBe(12_345 - 1234);
    expect((await trialBalance(db.sql)).totals.USD).toBe(0);
  });

  it('a cause posts once: the same dedupe key again, even concurrently, changes nothing', async () => {
    const [client, milestone] = [uuidv7(), uuidv7()];
    const p = funding(client, milestone, 5000, `evt-dup-${uuidv7()}`);
    const results = await Promise.all(Array.from({ length: 6 }, () => postOne(p)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.postingId)).size).toBe(1);
    expect(await balance(db.sql, accounts.escrow(milestone, 'USD').id)).toBe(5000);
  });

  it('refuses to release more than the escrow holds, and writes nothing', async () => {
    const [client, worker, milestone] = [uuidv7(), uuidv7(), uuidv7()];
    await postOne(funding(client, milestone, 1000));
    const before = await count('ledger_entries');
    await expect(postOne(release(milestone, worker, 1001))).rejects.toMatchObject({ code: 'would_go_negative' });
    expect(await count('ledger_entries')).toBe(before);
    expect(await balance(db.sql, accounts.escrow(milestone, 'USD').id)).toBe(1000);
  });

  it('two concurrent releases of the whole escrow: exactly one succeeds (the account lock serialises them)', async () => {
    const [client, milestone] = [uuidv7(), uuidv7()];
    await postOne(funding(client, milestone, 8000));
    const outcomes = await Promise.allSettled([postOne(release(milestone, uuidv7(), 8000)), postOne(release(milestone, uuidv7(), 8000))]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused?.reason).toMatchObject({ code: 'would_go_negative' });
    expect(await balance(db.sql, accounts.escrow(milestone, 'USD').id)).toBe(0);
  });

  it('refuses an unbalanced, mixed-currency or one-sided posting before touching the database', async () => {
    const m = uuidv7();
    const bad: [Posting, string][] = [
      [{ kind: 'adjustment', dedupeKey: 'x1', entries: [{ account: accounts.escrow(m, 'USD'), amount: usd(5) }, { account: accounts.refunds('USD'), amount: usd(-4) }] }, 'unbalanced'],
      [{ kind: 'adjustment', dedupeKey: 'x2', entries: [{ account: accounts.escrow(m, 'USD'), amount: usd(5) }, { account: accounts.refunds('EUR'), amount: money(-5, 'EUR') }] }, 'currency_mismatch'],
      [{ kind: 'adjustment', dedupeKey: 'x3', entries: [{ account: accounts.escrow(m, 'USD'), amount: usd(0) }] }, 'empty'],
    ];
    for (const [p, code] of bad) {
      await expect(postOne(p)).rejects.toBeInstanceOf(LedgerError);
      await expect(postOne(p)).rejects.toMatchObject({ code });
    }
  });
});

describe('the database itself', () => {
  it('rejects an unbalanced posting written around post() (L1), at commit', async () => {
    const m = uuidv7();
    await postOne(funding(uuidv7(), m, 100)); // creates the accounts
    const id = uuidv7();
    const before = await count('ledger_entries');
    await expect(
      db.sql.begin(async (tx) => {
        await tx`insert into ledger_postings (id, kind, dedupe_key) values (${id}, 'adjustment', ${`raw-${id}`})`;
        await tx`insert into ledger_entries (posting_id, account_id, amount, currency) values (${id}, ${accounts.escrow(m, 'USD').id}, 50, 'USD')`;
      }),
    ).rejects.toThrow(/does not sum to zero/);
    expect(await count('ledger_entries')).toBe(before);
  });

  it('never updates, deletes or truncates postings and entries (L2)', async () => {
    await postOne(funding(uuidv7(), uuidv7(), 100));
    await expect(db.sql`update ledger_entries set amount = amount * 2`).rejects.toThrow(/append-only/);
    await expect(db.sql`delete from ledger_postings`).rejects.toThrow(/append-only/);
    await expect(db.sql`truncate ledger_entries cascade`).rejects.toThrow(/append-only/);
  });

  it('rejects an entry in another currency than its account (L5)', async () => {
    const m = uuidv7();
    await postOne(funding(uuidv7(), m, 100));
    const id = uuidv7();
    await expect(
      db.sql.begin(async (tx) => {
        await tx`insert into ledger_postings (id, kind, dedupe_key) values (${id}, 'adjustment', ${`raw-${id}`})`;
        await tx`insert into ledger_entries (posting_id, account_id, amount, currency) values (${id}, ${accounts.escrow(m, 'USD').id}, 50, 'EUR')`;
      }),
    ).rejects.toThrow(/another currency/);
  });
});

describe('any sequence of fundings, releases and refunds', () => {
  it('keeps every escrow ≥ 0, released + refunded ≤ funded per milestone, and the trial balance at zero', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ op: fc.constantFrom('fund', 'release', 'refund'), milestone: fc.integer({ min: 0, max: 2 }), amount: fc.integer({ min: 1, max: 50_000 }) }), { minLength: 1, maxLength: 12 }),
        async (ops) => {
          const milestones = [uuidv7(), uuidv7(), uuidv7()];
          const client = uuidv7();
          const worker = uuidv7();
          const model = [0, 0, 0];
          for (const { op, milestone, amount } of ops) {
            const m = milestones[milestone]!;
            const p =
              op === 'fund'
                ? funding(client, m, amount)
                : op === 'release'
                  ? release(m, worker, amount)
                  : { kind: 'refund' as const, dedupeKey: `r-${uuidv7()}`, entries: [{ account: accounts.escrow(m, 'USD'), amount: usd(-amount) }, { account: accounts.refunds('USD'), amount: usd(amount) }] };
            const ok = await postOne(p).then(
              () => true,
              (e: unknown) => {
                if (e instanceof LedgerError && e.code === 'would_go_negative') return false;
                throw e;
              },
            );
            const expectOk = op === 'fund' || model[milestone]! >= amount;
            expect(ok).toBe(expectOk);
            if (ok) model[milestone]! += op === 'fund' ? amount : -amount;
          }
          for (const [i, m] of milestones.entries()) expect(await balance(db.sql, accounts.escrow(m, 'USD').id)).toBe(model[i]);
          expect((await trialBalance(db.sql)).totals.USD).toBe(0);
        },
      ),
      { numRuns: 25 },
    );
  });
});
