// Escrow's jobs: the sweep of the milestones' clocks, the provider calls that follow the ledger (refunds,
// transfers), and the nightly reconciliation of the ledger with the provider.
// Each task locks what it acts on and checks that the state is still the one it was scheduled for, so a
// late, repeated or replaced job does nothing; provider calls carry idempotency keys derived from the
// milestone or the refund owed, so a retried job cannot pay or refund twice.
import { z } from 'zod';
import { cronTick, defineTasks, type TaskContext, type TaskDefinition } from '../jobs/tasks';
import { post } from '../ledger/ledger';
import { transaction } from '../db/tx';
import { awaitingTransfer, getMilestone, updateMilestone, type MilestoneRow } from '../store/milestones';
import { PaymentProviderError, type PaymentErrorCode, type PaymentProvider, type RefundInfo } from '../payments/provider';
import { getPayoutAccount, refreshPayoutAccount } from '../payouts/accounts';
import { reconcile, utcDay } from '../payouts/reconcile';
import { sweepClocks } from './clocks';
import { beginRefundAttempt, refundAttemptFailed, refundSucceeded } from './refunds';
import { transferPosting } from './postings';
import { timer } from './timers';

const milestoneJob = z.object({ milestoneId: z.uuid() });
const refundJob = z.object({ refundId: z.uuid() });

/** What is released and not yet transferred: the worker's net. */
const netOf = (m: MilestoneRow) => m.releasedAmount - m.feeAmount;

export function escrowTasks(provider: PaymentProvider) {
  const refundTask: TaskDefinition<typeof refundJob> = { payload: refundJob, run: ({ refundId }, ctx) => sendRefund(provider, refundId, ctx) };
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
    // Both take the row of the refund owed (refunds.ts); the two names keep the queue's keys (the milestone's
    // settlement, the late payment) apart.
    'escrow.refund': refundTask,
    'escrow.refund_payment': refundTask,
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
 * Asks the provider for a refund owed, once: under `refund:<row>` with the row in the metadata, so that when
 * the provider may have forgotten the key (a retry a day after the first call), or answers that the charge is
 * refunded already, the payment's refunds at the provider show whether an earlier call made it, and that one
 * is recorded instead of asking again. A refusal no retry can change (a disputed charge, a payment the
 * provider does not know), or the last attempt's failure, fails the row for a person to see (reconciliation
 * reports it); the error is logged at error level.
 */
async function sendRefund(provider: PaymentProvider, id: string, ctx: TaskContext): Promise<void> {
  const owed = await beginRefundAttempt(ctx.sql, id);
  if (!owed) return;
  // Refunds made before migration 009 name only the milestone; each payment has one refund cause.
  const ours = (r: RefundInfo) =>
    r.amount === owed.amount && (r.metadata.clientRefundId === owed.id || (r.metadata.clientRefundId === undefined && r.metadata.milestoneId === owed.milestoneId));
  const madeEarlier = async () => (await provider.listRefunds(owed.paymentIntentId)).find(ours);
  const askForRefund = async (): Promise<{ id: string }> => {
    try {
      return await provider.createRefund({
        paymentIntentId: owed.paymentIntentId,
        amount: owed.amount,
        metadata: { clientRefundId: owed.id, milestoneId: owed.milestoneId },
        idempotencyKey: `refund:${owed.id}`,
      });
    } catch (e) {
      const made = e instanceof PaymentProviderError && e.providerCode === 'charge_already_refunded' ? await madeEarlier() : undefined;
      if (!made) throw e;
      return made;
    }
  };
  try {
    const refundId = (owed.keyMayBeGone ? await madeEarlier() : undefined)?.id ?? (await askForRefund()).id;
    await transaction(ctx.sql, async (tx) => {
      // A settlement's refund is also the milestone's, as the client's payments page shows it.
      if ((await refundSucceeded(tx, owed.id, refundId)) && owed.cause === `settle:${owed.milestoneId}`) await updateMilestone(tx, owed.milestoneId, { refundId });
    });
  } catch (e) {
    const refused = e instanceof PaymentProviderError && !e.retryable && REFUSALS.has(e.code);
    const final = refused || ctx.attempt >= ctx.maxAttempts;
    await refundAttemptFailed(ctx.sql, owed.id, e instanceof Error ? e.message : String(e), final);
    if (final) ctx.log.error({ err: e, refund: owed.id, cause: owed.cause, amount: owed.amount, currency: owed.currency }, 'a refund owed to a client failed; it needs a person');
    if (!refused) throw e;
  }
}

/** Provider answers that the same request cannot change: the charge is disputed or gone, the payment unknown, our key misused. */
const REFUSALS = new Set<PaymentErrorCode>(['invalid_request', 'not_found', 'idempotency_conflict']);

/**
 * The clocks are swept every minute; payouts run hourly; the previous day is reconciled with the provider each
 * night. Each tick once across all instances.
 */
export const ESCROW_CRONTAB = [
  { task: 'escrow.sweep' as const, match: '* * * * *', identifier: 'escrow-sweep', maxAttempts: 1 },
  { task: 'escrow.payout_run' as const, match: '17 * * * *', identifier: 'escrow-payout-run' },
  { task: 'escrow.reconcile' as const, match: '40 3 * * *', identifier: 'escrow-reconcile' },
];
