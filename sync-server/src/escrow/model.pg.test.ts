// The escrow model-based test: thousands of random steps over many bookings (commands from both parties,
// admins and strangers, disputes included; checkouts and payments, right and wrong amounts; webhooks
// duplicated, reordered, forged and late; timers when due and stray; payout runs; replays, concurrent
// duplicates and races between different steps), each checked
// against a reference model (test/escrow-model.ts) and followed by a comparison of the whole database with
// the model and the ledger invariants (test/ledger-checks.ts). Real Postgres, real code paths; the clock is
// the only thing held still (Date is faked so that timers fire when the test says).
//
// Replay a failure with the seed (and path) it prints:
//   ESCROW_MODEL_SEED=123 ESCROW_MODEL_PATH=0:1:2 npx vitest run sync-server/src/escrow/model.pg.test.ts
// Make it bigger: ESCROW_MODEL_RUNS (runs, default 8), ESCROW_MODEL_STEPS (at most this many steps per run,
// default 500; lengths spread evenly below it), ESCROW_MODEL_BOOKINGS (bookings per run, default 8).
// ESCROW_MODEL_SHRINK=0 reports the first failure without shrinking it; ESCROW_MODEL_BUDGET_S (400, more for
// bigger runs) bounds the whole test, shrinking included.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { createTestDb, type TestDb } from '../../test/db';
import { bookingSpecArb, createEnv, runStep, settleWithProvider, startRun, stepArb, type BookingSpec, type Run, type Step } from '../../test/escrow-world';
import { expectedView, observedView, viewDiff } from '../../test/escrow-view';
import { conservationGap } from '../../test/escrow-model';
import { demoRailRecords, ledgerViolations } from '../../test/ledger-checks';
import { reconcile } from '../payouts/reconcile';

const env = (name: string, fallback: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${v}`);
  return n;
};
// A new seed each local run, to keep finding new paths; CI runs a fixed one so that a landing is decided by
// the change, not by the draw (seed 1273042623 first found the payment-used-twice bug fixed in step.ts).
const SEED = env('ESCROW_MODEL_SEED', process.env.CI ? 1273042623 : Math.floor(Math.random() * 2 ** 31));
const RUNS = env('ESCROW_MODEL_RUNS', 8);
const STEPS = env('ESCROW_MODEL_STEPS', 500);
const BOOKINGS = env('ESCROW_MODEL_BOOKINGS', 8);
const PATH = process.env.ESCROW_MODEL_PATH || undefined;
const BUDGET_S = env('ESCROW_MODEL_BUDGET_S', Math.max(400, Math.ceil(RUNS * STEPS * 0.08)));
const ENDS_ON_FAILURE = process.env.ESCROW_MODEL_SHRINK === '0';

const START = Date.UTC(2030, 0, 7, 9, 0, 0);
const DAY = 86_400_000;

beforeAll(() => {
  // Only Date: timers (postgres.js's, vitest's) keep real time.
  vi.useFakeTimers({ toFake: ['Date'], now: START });
});
afterAll(() => {
  vi.useRealTimers();
});

/** The database against the model, and the ledger's invariants over the whole database. */
async function check(db: TestDb, r: Run): Promise<void> {
  const [got, violations] = await Promise.all([observedView(db.sql, r.model, { provider: 'demo', jobs: true }), ledgerViolations(db.sql, { provider: demoRailRecords(db.sql), clockMoved: true })]);
  const diff = viewDiff(expectedView(r.model, { provider: true, jobs: true }), got);
  const gap = conservationGap(r.model);
  if (diff.length || violations.length || gap !== 0)
    throw new Error([...diff.map((d) => `model ≠ database: ${d}`), ...violations.map((v) => `invariant: ${v}`), ...(gap ? [`model leaks ${gap}`] : [])].join('\n'));
}

/** A failure as seed, path and the failing run's own log, rather than fast-check's print of every generated step. */
function report(d: fc.RunDetails<[BookingSpec[], Step[]]>): void {
  if (d.interrupted && !d.failed) throw new Error(`Only ${d.numRuns} of ${RUNS} runs fit in ESCROW_MODEL_BUDGET_S=${BUDGET_S}; give it more time.`);
  if (!d.failed) return;
  const [, plan] = d.counterexample ?? [[], []];
  throw new Error(
    `Replay with ESCROW_MODEL_SEED=${d.seed} ESCROW_MODEL_PATH=${d.counterexamplePath} (${d.numShrinks} shrinks${d.interrupted ? ', shrinking interrupted' : ''}; ` +
      `the failing run has ${plan.length} steps)\n${d.errorInstance instanceof Error ? d.errorInstance.message : String(d.errorInstance)}`,
    { cause: d.errorInstance },
  );
}

describe('escrow against its reference model', () => {
  it('agrees with the model and keeps the ledger invariants after every step', async () => {
    console.log(`escrow model: ESCROW_MODEL_SEED=${SEED}${PATH ? ` ESCROW_MODEL_PATH=${PATH}` : ''}, ${RUNS} runs of up to ${STEPS} steps over ${BOOKINGS} bookings`);
    const started = performance.now();
    let clock = START;
    let steps = 0;
    let races = 0;
    let runs = 0;
    let failed = false;
    const outcomes = { applied: 0, rejected: 0 };
    const byType: Record<string, number> = {};
    const ends: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(
        fc.array(bookingSpecArb, { minLength: BOOKINGS, maxLength: BOOKINGS }),
        // Unbiased: run lengths spread evenly up to STEPS (biased arrays are mostly short); still shrinks to short ones.
        fc.noBias(fc.array(stepArb, { maxLength: STEPS, size: 'max' })),
        async (specs, plan) => {
          // Each run on a database of its own: runs (and fast-check's shrinking) do not see each other's money.
          const db = await createTestDb({ max: 12 });
          const r = await startRun(createEnv(db.sql, (ms) => vi.setSystemTime(ms)), clock, specs);
          try {
            await check(db, r);
            for (const step of plan) {
              await runStep(r, step);
              await check(db, r);
            }
            // The provider catches up with the ledger: refunds and transfers done, then everything reconciles,
            // by the product's own reconciliation too.
            await settleWithProvider(r);
            await check(db, r);
            const { mismatches } = await reconcile(db.sql, r.env.rail, { from: new Date(0), to: new Date(Date.UTC(2100, 0, 1)) });
            if (mismatches.length) throw new Error(`reconcile() finds the ledger and the provider apart:\n${mismatches.map((m) => JSON.stringify(m)).join('\n')}`);
          } catch (e) {
            (e as Error).message += `\n\nThe run so far (last 60 lines):\n${r.log.slice(-60).join('\n')}`;
            // The first failure as it happened; fast-check then shrinks it and reports the smallest it found.
            if (!failed) console.error(`escrow model: first failure (run ${runs + 1}, step ${r.steps}):\n${(e as Error).message}`);
            failed = true;
            throw e;
          } finally {
            clock = r.model.now + DAY;
            steps += r.steps;
            races += r.races;
            runs++;
            for (const s of r.sent) {
              outcomes[s.outcome.status]++;
              if (s.outcome.status === 'applied') byType[s.env.type] = (byType[s.env.type] ?? 0) + 1;
            }
            for (const m of Object.values(r.model.milestones)) ends[m.status] = (ends[m.status] ?? 0) + 1;
            await db.drop();
          }
        },
      ),
      {
        seed: SEED, numRuns: RUNS, ...(PATH ? { path: PATH } : {}),
        // Shrinking replays whole runs against fresh databases: it gets a budget (real time; fast-check keeps
        // its own Date.now), after which the smallest failure found so far is reported.
        endOnFailure: ENDS_ON_FAILURE, interruptAfterTimeLimit: BUDGET_S * 1000,
        reporter: report,
      },
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(`escrow model: ${runs} runs, ${steps} steps (${outcomes.applied} commands applied, ${outcomes.rejected} refused, ${races} races) in ${seconds.toFixed(1)} s`);
    console.log(`escrow model: applied ${JSON.stringify(byType)}; milestones ended ${JSON.stringify(ends)}`);
    expect(steps).toBeGreaterThan(0);
    // The runs must get past refusals to money being settled, or the test checks little.
    expect((ends.released ?? 0) + (ends.refunded ?? 0) + (ends.split ?? 0)).toBeGreaterThan(0);
    // fast-check stops at its budget; the test's own limit is only a backstop behind it.
  }, (BUDGET_S + 120) * 1000);
});
