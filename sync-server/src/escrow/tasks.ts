// Escrow's jobs: the sweep of the milestones' clocks, the provider calls that follow the ledger (refunds,
// transfers), and the nightly reconciliation of the ledger with the provider.
// Each task locks what it acts on and checks that the state is still the one it was scheduled for, so a
// late, repeated or replaced job does nothing; provider calls carry idempotency keys derived from the
// milestone or payment, so a retried job cannot pay or refund twice.
import { z } from 'zod';
import { cronTick, defineTasks } from '../jobs/tasks';
import { post } from '../ledger/ledger';
import { transaction } from '../db/tx';
import { awaitingTransfer, getMilestone, updateMilestone, type MilestoneRow } from '../store/milestones';
import { PaymentProviderError, type PaymentProvider } from '../payments/provider';
import { getPayoutAccount, refreshPayoutAccount } from '../payouts/accounts';
import { reconcile, utcDay } from '../payouts/reconcile';
import { sweepClocks } from './clocks';
import { transferPosting } from './postings';
import { timer } from './timers';

const milestoneJob = z.object({ milestoneId: z.uuid() });

/** What is released and not yet transferred: the worker's net. */
const netOf = (m: MilestoneRow) => m.releasedAmount - m.feeAmount;

export function escrowTasks(provider: PaymentProvider) {
  return defineTasks({
    // The milestones' clocks, every minute (see clocks.ts). A sweep that fails (the database went away) is
    // logged and not retried, and leaves no failed job behind: the next tick is its retry.
    'escrow.sweep': {
      payload: z.object({ _cron: cronTick.shape._cron.optional() }),
      async run(_p, ctx) {
        try {
          const counts = await sweepClocks(ctx.sql, ctx.log, { signal: ctx.signal });
          if (Object.values(counts).some((n) => n > 0)) ctx.log.info(counts, 'escrow clocks swept');
        } catch (err) {
          ctx.log.error({ err }, 'escrow clocks sweep failed; the next tick sweeps again');
        }
      },
    },
    'escrow.refund': {
      payload: milestoneJob,
      async run({ milestoneId }, ctx) {
        const m = await getMilestone(ctx.sql, milestoneId);
        if (!m || m.refundedAmount === 0 || m.refundId) return;
        if (!m.paymentIntentId) throw new Error(`milestone ${milestoneId} refunded ${m.refundedAmount} but has no payment to refund`);
        const refund = await provider.createRefund({
          paymentIntentId: m.paymentIntentId,
          amount: m.refundedAmount,
          metadata: { milestoneId: m.id, bookingId: m.bookingId },
          idempotencyKey: `refund:${m.id}`,
        });
        await updateMilestone(ctx.sql, m.id, { refundId: refund.id });
      },
    },
    'escrow.refund_payment': {
      payload: z.object({ milestoneId: z.uuid(), paymentIntentId: z.string().min(1), amount: z.int().positive(), currency: z.string().length(3) }),
      async run(p, ctx) {
        const refund = await provider.createRefund({
          paymentIntentId: p.paymentIntentId,
          amount: p.amount,
          metadata: { milestoneId: p.milestoneId, reason: 'late_payment' },
          idempotencyKey: `refund-payment:${p.paymentIntentId}`,
        });
        ctx.log.info({ ...p, refundId: refund.id }, 'late payment refunded');
      },
    },
    'escrow.transfer': {
      payload: milestoneJob,
      async run({ milestoneId }, ctx) {
        const m = await getMilestone(ctx.sql, milestoneId);
        if (!m || netOf(m) <= 0 || m.transferId) return;
        const account = await getPayoutAccount(ctx.sql, m.workerId);
        // Not onboarded yet: the money stays available; the next payout run tries again.
        if (!account?.transfersActive) return;
        let transfer;
        try {
          transfer = await provider.createTransfer({
            amount: netOf(m),
            currency: m.currency,
            destination: account.accountId,
            sourceTransaction: m.chargeId,
            transferGroup: m.bookingId,
            metadata: { milestoneId: m.id, bookingId: m.bookingId },
            idempotencyKey: `transfer:${m.id}`,
          });
        } catch (e) {
          // Refused: often the account lost its transfers before its account.updated reached us. Then our
          // copy is corrected and the money waits for the payout run after the worker fixes their account;
          // retrying every few minutes for days would change nothing.
          if (e instanceof PaymentProviderError && e.code === 'invalid_request') {
            const current = await refreshPayoutAccount(ctx.sql, provider, account.accountId);
            if (!current?.transfersActive) {
              ctx.log.warn({ milestoneId, accountId: account.accountId, err: e }, 'transfer refused: the account cannot receive transfers; waiting for it');
              return;
            }
          }
          throw e;
        }
        await transaction(ctx.sql, async (tx) => {
          const [locked] = await tx<{ transferId: string | null }[]>`select transfer_id from milestones where id = ${m.id} for update`;
          if (locked?.transferId) return;
          await post(tx, transferPosting(m, netOf(m), transfer.id));
          await updateMilestone(tx, m.id, { transferId: transfer.id, transferredAt: new Date() });
        });
      },
    },
    // The payout schedule: every released milestone not yet transferred, for workers who can receive.
    'escrow.payout_run': {
      payload: z.object({}).loose(),
      async run(_p, ctx) {
        const due = await awaitingTransfer(ctx.sql);
        for (const { id } of due) await timer(ctx.sql, 'escrow.transfer', id, new Date());
        ctx.log.info({ queued: due.length }, 'payout run');
      },
    },
    // The ledger against the provider's records for one UTC day: by default the day before the cron tick;
    // `day` names another (to run it again by hand). Differences are logged for a person to look at; they
    // are faults to investigate, not something a retry fixes. A provider outage fails the job, which retries.
    'escrow.reconcile': {
      payload: z.object({ day: z.iso.date().optional(), _cron: cronTick.shape._cron.optional() }),
      async run({ day, _cron }, ctx) {
        const period = day ? utcDay(new Date(day)) : utcDay(new Date((_cron ? Date.parse(_cron.ts) : Date.now()) - 86_400_000));
        const { checked, mismatches } = await reconcile(ctx.sql, provider, period);
        const summary = { from: period.from.toISOString(), to: period.to.toISOString(), checked, mismatched: mismatches.length };
        if (mismatches.length > 0) ctx.log.error({ ...summary, mismatches }, 'the ledger does not reconcile with the provider');
        else ctx.log.info(summary, 'the ledger reconciles with the provider');
      },
    },
  });
}

export type EscrowTasks = ReturnType<typeof escrowTasks>;

/**
 * The clocks are swept every minute; payouts run hourly; the previous day is reconciled with the provider each
 * night. Each tick once across all instances.
 */
export const ESCROW_CRONTAB = [
  { task: 'escrow.sweep' as const, match: '* * * * *', identifier: 'escrow-sweep', maxAttempts: 1 },
  { task: 'escrow.payout_run' as const, match: '17 * * * *', identifier: 'escrow-payout-run' },
  { task: 'escrow.reconcile' as const, match: '40 3 * * *', identifier: 'escrow-reconcile' },
];
