// Escrow's jobs: the milestone timers, the provider calls that follow the ledger (refunds, transfers), and
// the nightly reconciliation of the ledger with the provider.
// Each task locks what it acts on and checks that the state is still the one it was scheduled for, so a
// late, repeated or replaced job does nothing; provider calls carry idempotency keys derived from the
// milestone or payment, so a retried job cannot pay or refund twice.
import { z } from 'zod';
import { cronTick, defineTasks, type TaskContext } from '../jobs/tasks';
import { post } from '../ledger/ledger';
import { transaction } from '../db/tx';
import { enqueue, recipient } from '../store/outbox';
import { awaitingTransfer, getMilestone, updateMilestone, type MilestoneRow } from '../store/milestones';
import { PaymentProviderError, type PaymentProvider } from '../payments/provider';
import { getPayoutAccount, refreshPayoutAccount } from '../payouts/accounts';
import { reconcile, utcDay } from '../payouts/reconcile';
import { fireMilestoneEvent } from './events';
import { APPROVAL_REMINDERS_H, nextApprovalCheck } from './step';
import { transferPosting } from './postings';
import { timer } from './timers';

const milestoneJob = z.object({ milestoneId: z.uuid() });
const key = (ctx: TaskContext) => `job:${ctx.jobId}`;

/** What is released and not yet transferred: the worker's net. */
const netOf = (m: MilestoneRow) => m.releasedAmount - m.feeAmount;

export function escrowTasks(provider: PaymentProvider) {
  return defineTasks({
    'escrow.payment_expiry': {
      payload: milestoneJob,
      async run({ milestoneId }, ctx) {
        const out = await fireMilestoneEvent(ctx.sql, milestoneId, 'payment_expired', key(ctx), {
          when: (m) => m.status === 'payment_pending' && m.paymentExpiresAt !== null && m.paymentExpiresAt <= new Date(),
        });
        ctx.log.info({ milestoneId, ...out }, 'payment window closed');
      },
    },
    // One job per submission walks the client's approval window: a reminder 24 h and 2 h before the
    // deadline (once each, however often the job runs), then approval on the client's behalf.
    'escrow.approval_clock': {
      payload: milestoneJob,
      async run({ milestoneId }, ctx) {
        const m = await getMilestone(ctx.sql, milestoneId);
        if (!m || m.status !== 'submitted' || !m.autoApproveAt) return;
        const now = new Date();
        if (m.autoApproveAt <= now) {
          const out = await fireMilestoneEvent(ctx.sql, milestoneId, 'auto_approve', key(ctx), {
            when: (x) => x.status === 'submitted' && x.autoApproveAt !== null && x.autoApproveAt <= new Date(),
          });
          ctx.log.info({ milestoneId, ...out }, 'approval window closed');
          return;
        }
        const hoursLeft = (m.autoApproveAt.getTime() - now.getTime()) / 3_600_000;
        const due = [...APPROVAL_REMINDERS_H].reverse().find((h) => hoursLeft <= h);
        if (due !== undefined)
          await enqueue(ctx.sql, [{
            ...recipient('client', m),
            template: 'milestone.approval_reminder',
            data: { bookingId: m.bookingId, milestoneId: m.id, hoursLeft: due, autoApproveAt: m.autoApproveAt.toISOString() },
            dedupeKey: `reminder:${m.id}:${m.autoApproveAt.toISOString()}:${due}`,
          }]);
        await timer(ctx.sql, 'escrow.approval_clock', milestoneId, nextApprovalCheck(m.autoApproveAt, now));
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

/** Payouts run hourly; the previous day is reconciled with the provider each night; each tick once across all instances. */
export const ESCROW_CRONTAB = [
  { task: 'escrow.payout_run' as const, match: '17 * * * *', identifier: 'escrow-payout-run' },
  { task: 'escrow.reconcile' as const, match: '40 3 * * *', identifier: 'escrow-reconcile' },
];
