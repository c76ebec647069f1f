// The crash test: the real server process (sync-server/src/main.ts) on a test database, paying through the
// Stripe stand-in, driven over HTTP by a seeded random workload (command batches, checkouts, payments,
// webhooks duplicated and concurrent) and killed with SIGKILL at seeded points in the middle of requests.
// Each time it is started again on the same database and the lost request sent again. At the end every
// acknowledged command is stored once with the answer its sender got and applied exactly once (one timeline
// entry per step, one posting per effect), the ledger invariants hold, the ledger reconciles with the
// provider (reconcile(), and the stand-in's records), every call to the provider carried an idempotency key,
// and the database agrees with the reference model of the whole run.
//
//   ESCROW_CRASH_SEED (printed), ESCROW_CRASH_STEPS (default 80), ESCROW_CRASH_KILLS (default 3).
//
// Jobs a killed server had locked stay locked for graphile-worker's 4 hours, so nothing here waits for a job
// (the provider's refunds may lag the ledger; reconciliation allows that, never the reverse), and the number
// of such jobs is printed.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTestDb, type TestDb } from '../../test/db';
import { cardFee, startStripeStandin, type StripeStandin } from '../../test/stripe-standin';
import { serverProcess, type ServerProcess } from '../../test/server-process';
import { bookingSpecArb, castRun, httpStepArb } from '../../test/escrow-world';
import { runHttpStep, settleCloseJobs, type HttpRun } from '../../test/escrow-http';
import { expectedView, observedView, viewDiff, withoutTimes } from '../../test/escrow-view';
import { conservationGap } from '../../test/escrow-model';
import { ledgerViolations, type ProviderRecords } from '../../test/ledger-checks';
import { createStripeProvider } from '../payments/stripe';
import { reconcile } from '../payouts/reconcile';
import { createLogger } from '../log';
import { sweepPaymentFees } from './fees';

const int = (name: string, fallback: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v)) throw new Error(`${name} must be a whole number, got ${v}`);
  return Number(v);
};
// A new seed each local run; a fixed one in CI, so that a landing is decided by the change, not by the draw.
const SEED = int('ESCROW_CRASH_SEED', process.env.CI ? 953861927 : Math.floor(Math.random() * 2 ** 31));
const STEPS = int('ESCROW_CRASH_STEPS', 80);
const KILLS = int('ESCROW_CRASH_KILLS', 3);
const JWT_SECRET = 'crash-test-secret-crash-test-secret-0123456789';

let db: TestDb;
let standin: StripeStandin;
let server: ServerProcess;
let dir: string;

beforeAll(async () => {
  db = await createTestDb();
  standin = await startStripeStandin();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fieldwork-crash-'));
  server = await serverProcess({
    NODE_ENV: 'test', DATABASE_URL: db.url, DATA_DIR: dir, WEB_DIST_DIR: path.join(dir, 'web'), JWT_SECRET, SEED_DEMO: 'false',
    COMMAND_RATE_PER_MIN: '1000000',
    PAYMENTS_PROVIDER: 'stripe', STRIPE_SECRET_KEY: standin.secretKey, STRIPE_WEBHOOK_SECRET: standin.webhookSecret, STRIPE_CONNECT_WEBHOOK_SECRET: standin.connectWebhookSecret,
    STRIPE_API_HOST: standin.host, STRIPE_API_PORT: String(standin.port), STRIPE_API_PROTOCOL: standin.protocol,
  });
});
afterAll(async () => {
  await server?.stop('SIGKILL');
  await standin?.close();
  await db?.drop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('the server killed with SIGKILL mid-request', () => {
  it('applies every acknowledged command exactly once, keeps the invariants, and agrees with the model', async () => {
    console.log(`escrow crash: ESCROW_CRASH_SEED=${SEED}, ${STEPS} steps, ${KILLS} kills`);
    const started = performance.now();
    const [specs, steps] = fc.sample(fc.tuple(fc.array(bookingSpecArb, { minLength: 6, maxLength: 6 }), fc.array(httpStepArb, { minLength: STEPS, maxLength: STEPS })), { seed: SEED, numRuns: 1 })[0]!;
    const stripe = createStripeProvider({ secretKey: standin.secretKey, webhookSecret: standin.webhookSecret, host: standin.host, port: standin.port, protocol: standin.protocol });
    // Set up through the real commands in this process; transfers stay off (a payout run may tick meanwhile).
    const cast = await castRun(db.sql, Date.now(), specs, async (w) => {
      const { id } = await stripe.createConnectedAccount({ userId: w, country: 'US', idempotencyKey: `acct:${w}` });
      standin.activateAccount(id);
      return { provider: 'stripe', accountId: id };
    }, () => false);
    await server.start();

    // The kills: during which requests (a step makes one on average; payments at the provider make none), and
    // how far into each, as a share of the usual time to an answer (up to 1.2: now and then just after it).
    const [at, shares] = fc.sample(
      fc.tuple(
        fc.uniqueArray(fc.nat({ max: Math.max(KILLS, Math.floor(STEPS / 2)) - 1 }), { minLength: KILLS, maxLength: KILLS }),
        fc.array(fc.integer({ min: 0, max: 120 }), { minLength: KILLS, maxLength: KILLS }),
      ),
      { seed: SEED + 1, numRuns: 1 },
    )[0]!;
    const r: HttpRun = {
      ...cast, sql: db.sql, server, standin, jwtSecret: JWT_SECRET, kills: new Map(at.map((n, i) => [n, shares[i]! / 100])),
      requests: 0, latencyMs: 20, resent: 0, appliedUnanswered: 0, acknowledged: [], bodies: new Map(), log: [],
    };
    try {
      for (const step of steps) await runHttpStep(r, step);
      // Kills planned for requests the run did not get to make happen now, between requests.
      const leftover = [...r.kills.keys()].filter((n) => n >= r.requests).length;
      for (let i = 0; i < leftover; i++) {
        await server.stop('SIGKILL');
        r.log.push('  SIGKILL between requests');
        await server.start();
      }
    } catch (e) {
      (e as Error).message += `\nESCROW_CRASH_SEED=${SEED}\nThe run so far (last 40 lines):\n${r.log.slice(-40).join('\n')}\nServer output (last lines):\n${server.output().slice(-3000)}`;
      throw e;
    }
    await settleCloseJobs(r);
    await server.stop('SIGTERM');
    const kills = r.log.filter((l) => l.includes('SIGKILL')).length;

    // 1. Every acknowledged command is stored once, with the answer its sender got.
    const ids = r.acknowledged.map((a) => a.id);
    const stored = await db.sql<{ id: string; status: string; rejectionCode: string | null }[]>`
      select id, status, rejection_code from commands where id = any(${ids}::uuid[])`;
    const byId = new Map(stored.map((s) => [s.id, s]));
    expect(stored).toHaveLength(new Set(ids).size);
    for (const a of r.acknowledged) expect({ id: a.id, status: byId.get(a.id)?.status, code: byId.get(a.id)?.rejectionCode ?? null }).toEqual({ id: a.id, status: a.status, code: a.code });

    // 2. The database agrees with the model: milestone timelines (one entry per applied step), postings
    //    (one per effect), balances per party. Exact times and the provider's refund ids are the server's own.
    const strip = { times: false, refundIds: false };
    const diff = viewDiff(
      withoutTimes(expectedView(r.model, { provider: false, jobs: false }), strip),
      withoutTimes(await observedView(db.sql, r.model, { provider: null, jobs: false }), strip),
    );
    expect(diff, `ESCROW_CRASH_SEED=${SEED}\n${r.log.slice(-40).join('\n')}`).toEqual([]);
    expect(conservationGap(r.model)).toBe(0);

    // 3. The ledger's invariants, and the ledger against the stand-in's own records of what it holds.
    const records: ProviderRecords = {
      payments: async () =>
        new Map(Object.keys(r.model.payments).map((id) => {
          const pi = standin.object(id)!;
          const charge = standin.object(pi.latest_charge as string)!;
          return [id, { amount: pi.amount_received as number, milestoneId: (pi.metadata as Record<string, string>).milestoneId, refunded: charge.amount_refunded as number }];
        })),
      // Transfers are off here (see castRun above): none may have been asked for, checked below.
      transferred: async () => new Map(),
    };
    expect(await ledgerViolations(db.sql, { provider: records })).toEqual([]);
    // The provider's fees, swept as the cron would have by night: each payment's fee once, whatever the kills.
    await sweepPaymentFees(db.sql, stripe, createLogger('silent'));
    const fees = await db.sql<{ paymentIntentId: string; fee: number | null }[]>`
      select substr(p.dedupe_key, length('funding:') + 1) as payment_intent_id, f.amount as fee
      from ledger_postings p left join provider_fees f on f.payment_intent_id = substr(p.dedupe_key, length('funding:') + 1)
      where p.kind = 'funding'`;
    expect(fees.length).toBeGreaterThan(0);
    for (const f of fees) expect(f.fee, f.paymentIntentId).toBe(cardFee(standin.object(f.paymentIntentId)!.amount_received as number));
    const [posted] = await db.sql<{ n: number }[]>`select count(*)::int as n from ledger_postings where kind = 'provider_fee'`;
    expect(posted!.n).toBe(fees.length);
    expect(await ledgerViolations(db.sql, { provider: records })).toEqual([]);
    // The product's reconciliation against the provider, for all time. A refund whose job has not run yet (or
    // was taken by a runner that was then killed, and waits out graphile-worker's lock) is not a fault.
    const { mismatches } = await reconcile(db.sql, stripe, { from: new Date(0), to: new Date(Date.now() + 86_400_000) });
    const refundsWaiting = new Set(
      (await db.sql<{ milestoneId: string }[]>`
        select j.payload->>'milestoneId' as milestone_id from graphile_worker._private_jobs j
        join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'escrow.refund'`).map((j) => j.milestoneId),
    );
    expect(mismatches.filter((m) => !(m.kind === 'refund_not_sent' && m.milestoneId && refundsWaiting.has(m.milestoneId)))).toEqual([]);
    expect(standin.requests().filter((q) => q.path === '/v1/transfers')).toEqual([]);
    for (const q of standin.requests().filter((q) => q.method === 'POST')) expect(q.idempotencyKey, `${q.path} without an idempotency key`).toBeTruthy();

    const [locked] = await db.sql<{ n: number }[]>`select count(*)::int as n from graphile_worker._private_jobs where locked_at is not null`;
    const applied = r.acknowledged.filter((a) => a.status === 'applied').length;
    console.log(
      `escrow crash: ${steps.length} steps, ${r.requests} requests, ${kills} SIGKILLs (${r.resent} answers lost and sent again, ${r.appliedUnanswered} of what they carried already applied), ` +
        `${r.acknowledged.length} commands acknowledged (${applied} applied), ${Object.keys(r.model.payments).length} payments, ` +
        `${locked!.n} jobs left locked by killed runners, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(kills).toBe(KILLS);
    expect(applied).toBeGreaterThan(0);
  }, 600_000);
});
