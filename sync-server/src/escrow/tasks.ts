// Escrow's jobs: the sweep of the milestones' clocks, the provider calls that follow the ledger (refunds,
// transfers), and the nightly reconciliation of the ledger with the provider.
// Each task locks what it acts on and checks that the state is still the one it was scheduled for, so a
// late, repeated or replaced job does nothing; provider calls carry idempotency keys derived from the
// milestone or the refund owed, so a retried job cannot pay or refund twice, and each call is recorded before
// it is made, so that a retry after the provider forgot the key looks for what the first call made.
import { z } from 'zod';
import { cronTick, defineTasks, type TaskContext, type TaskDefinition } from '../jobs/tasks';
import { post } from '../ledger/ledger';
import { transaction } from '../db/tx';
import { awaitingTransfer, getMilestone, updateMilestone, type MilestoneRow } from '../store/milestones';
import { PaymentProviderError, type PaymentErrorCode, type PaymentProvider, type RefundInfo, type TransferInfo } from '../payments/provider';
import { getPayoutAccount, refreshPayoutAccount } from '../payouts/accounts';
import { reconcile, utcDay } from '../payouts/reconcile';
import { followOpenBankDisputes, paymentTakenByBank } from './chargebacks';
import { closeCheckout } from './checkouts';
import { sweepPaymentFees } from './fees';
import { sweepClocks } from './clocks';
import { beginRefundAttempt, providerRefundOf, recordProviderRefund, refundAttemptFailed } from './refunds';
import { transferPosting } from './postings';
import { beginTransferAttempt, refusedSinceAccountChanged, transferGaveUp, transferMade, transferRefused } from './transfers';
import { timer, transferJobsAlive } from './timers';

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
          const counts = await sweepClocks(ctx.sql, provider, ctx.log, { signal: ctx.signal });
          if (Object.values(counts).some((n) => n > 0)) ctx.log.info(counts, 'escrow clocks swept');
        } catch (err) {
          ctx.log.error({ err }, 'escrow clocks sweep failed; the next tick sweeps again');
        }
      },
    },
    // The provider's fees on recent payments (fees.ts). Like the clocks' sweep, a tick that fails is logged and
    // the next tick is its retry; a payment the provider could not answer for is asked about again then.
    'escrow.provider_fees': {
      payload: z.object({ _cron: cronTick.shape._cron.optional() }),
      async run(_p, ctx) {
        try {
          const counts = await sweepPaymentFees(ctx.sql, provider, ctx.log, { signal: ctx.signal });
          if (counts.recorded + counts.failed > 0) ctx.log.info(counts, "the provider's fees on payments recorded");
        } catch (err) {
          ctx.log.error({ err }, "the sweep of the provider's fees failed; the next tick sweeps again");
        }
      },
    },
    // Both take the row of the refund owed (refunds.ts); the two names keep the queue's keys (the milestone's
    // settlement, the late payment) apart.
    'escrow.refund': refundTask,
    'escrow.refund_payment': refundTask,
    // A checkout left open by a milestone cancelled or replaced (step.ts): closed at the provider. A payer who
    // got there first is sent back their money now, from the provider's own record, as for any payment the
    // milestone can no longer take (confirmPayment): the payment's event may never come, and when it does it
    // finds the refund posted. A provider outage fails the job, which retries.
    'escrow.close_checkout': {
      payload: z.object({ milestoneId: z.uuid(), sessionId: z.string().min(1) }),
      async run({ milestoneId, sessionId }, ctx) {
        const closed = await closeCheckout(ctx.sql, provider, sessionId);
        if (closed !== 'closed') ctx.log.info({ milestoneId, sessionId, outcome: closed }, "a cancelled milestone's checkout had been paid");
      },
    },
    // A transfer failing on every attempt with an error no refusal explains (the provider answering
    // `permission` for it, say) is kept on its last attempt for a person, as a refusal for good is.
    'escrow.transfer': {
      payload: milestoneJob,
      async run({ milestoneId }, ctx) {
        try {
          await sendTransfer(provider, milestoneId, ctx);
        } catch (e) {
          if (ctx.attempt >= ctx.maxAttempts) {
            await transferGaveUp(ctx.sql, milestoneId, e instanceof Error ? e.message : String(e));
            ctx.log.error({ err: e, milestoneId }, 'a transfer to a worker failed on its last attempt; it needs a person');
          }
          throw e;
        }
      },
    },
    // The payout schedule: every released milestone not yet transferred, for workers who can receive, but for
    // those refused for good since their account last changed (transfers.ts): no hourly retry changes that;
    // and those whose job is waiting or retrying already (timers.ts): queuing it again would reset its attempts.
    'escrow.payout_run': {
      payload: z.object({}).loose(),
      async run(_p, ctx) {
        const due = (await awaitingTransfer(ctx.sql)).map((m) => m.id);
        const [held, waiting] = await Promise.all([refusedSinceAccountChanged(ctx.sql, due), transferJobsAlive(ctx.sql, due)]);
        const queued = due.filter((id) => !held.has(id) && !waiting.has(id));
        for (const id of queued) await timer(ctx.sql, 'escrow.transfer', id, new Date());
        ctx.log.info({ queued: queued.length, refused: held.size, waiting: waiting.size }, 'payout run');
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
        // Bank disputes still open here are read again: one whose events were lost must not stay open for ever.
        const disputes = await followOpenBankDisputes(ctx.sql, provider, new Date(), ctx.log);
        const summary = { from: period.from.toISOString(), to: period.to.toISOString(), checked, mismatched: mismatches.length, bankDisputes: disputes };
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
 * is recorded instead of asking again. The provider's answer is recorded as it stands (refunds.ts): made,
 * failed, or taken and not made yet (sent: a pending refund can still fail days later, so reconciliation reads
 * it again each night). A refusal no retry can change (a disputed charge, a payment the provider does not
 * know), a refund that failed, or the last attempt's failure, fails the row for a person to see
 * (reconciliation reports it); the error is logged at error level.
 */
async function sendRefund(provider: PaymentProvider, id: string, ctx: TaskContext): Promise<void> {
  const owed = await beginRefundAttempt(ctx.sql, id);
  if (!owed) return;
  // One that failed or was canceled at the provider sent nothing back: it is not the one to record.
  const madeEarlier = async () => (await provider.listRefunds(owed.paymentIntentId)).find((r) => providerRefundOf(r, owed));
  const askForRefund = async (): Promise<{ id: string; status: string }> => {
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
    const refund = (owed.keyMayBeGone ? await madeEarlier() : undefined) ?? (await askForRefund());
    // A refund that failed: asking again under the same key gives the same answer.
    if ((await recordProviderRefund(ctx.sql, owed, refund)) === 'failed')
      ctx.log.error(
        { refund: owed.id, providerRefund: refund.id, cause: owed.cause, amount: owed.amount, currency: owed.currency },
        `a refund owed to a client failed (the provider's refund ${refund.id} is ${refund.status}); it needs a person`,
      );
  } catch (e) {
    const refused = e instanceof PaymentProviderError && !e.retryable && REFUSALS.has(e.code);
    const final = refused || ctx.attempt >= ctx.maxAttempts;
    await refundAttemptFailed(ctx.sql, owed.id, e instanceof Error ? e.message : String(e), final);
    if (final) ctx.log.error({ err: e, refund: owed.id, cause: owed.cause, amount: owed.amount, currency: owed.currency }, 'a refund owed to a client failed; it needs a person');
    if (!refused) throw e;
  }
}

/**
 * Transfers a released milestone's net to the worker's account, once. The call is counted before it is made
 * (transfers.ts), so that when the provider may have forgotten its key (a retry a day after the first call:
 * say the response was lost, and the account lost its transfers before the retry), or refuses the request,
 * the booking's transfers at the provider show whether an earlier call made it, and that one is recorded
 * instead of making another. A refusal because the account lost its transfers corrects our copy of it, and
 * the money waits for the payout run after the worker fixes their account. A refusal while the account can
 * receive transfers is one no retry changes: it is kept for a person (reconciliation reports it, the error
 * is logged at error level), and the payout run leaves it until the account changes at the provider (its
 * next account.updated) or the worker asks for a payout.
 */
async function sendTransfer(provider: PaymentProvider, milestoneId: string, ctx: TaskContext): Promise<void> {
  const m = await getMilestone(ctx.sql, milestoneId);
  if (!m || netOf(m) <= 0 || m.transferId) return;
  const account = await getPayoutAccount(ctx.sql, m.workerId);
  // Not onboarded yet: the money stays available; the next payout run tries again.
  if (!account?.transfersActive) return;
  const attempt = await beginTransferAttempt(ctx.sql, m.id);
  // A reversed transfer took the money back: it is not the one to record.
  const ours = (t: TransferInfo) => !t.reversed && t.metadata.milestoneId === m.id && t.amount === netOf(m) && t.currency === m.currency;
  const madeEarlier = async () => (await provider.listTransfers(m.bookingId)).find(ours);
  let transfer: { id: string } | undefined = attempt.keyMayBeGone ? await madeEarlier() : undefined;
  try {
    transfer ??= await provider.createTransfer({
      amount: netOf(m),
      currency: m.currency,
      destination: account.accountId,
      // A charge a bank took back no longer funds a transfer: the platform's balance, which bore it, does.
      sourceTransaction: (await paymentTakenByBank(ctx.sql, m.id)) ? null : m.chargeId,
      transferGroup: m.bookingId,
      metadata: { milestoneId: m.id, bookingId: m.bookingId },
      idempotencyKey: attempt.key,
    });
  } catch (e) {
    if (!(e instanceof PaymentProviderError) || e.retryable || !REFUSALS.has(e.code)) throw e;
    // A second transfer from the same charge is refused as more than the charge: the first may be ours.
    transfer = await madeEarlier();
    if (!transfer) {
      // Often the account lost its transfers before its account.updated reached us: our copy is corrected
      // first, so that the refusal is recorded after the account's last change we saw.
      const current = await refreshPayoutAccount(ctx.sql, provider, account.accountId);
      const forGood = current?.transfersActive === true;
      await transferRefused(ctx.sql, m.id, e.message, forGood);
      const about = { err: e, milestoneId, accountId: account.accountId, amount: netOf(m), currency: m.currency };
      if (forGood) ctx.log.error(about, 'a transfer to a worker was refused while their account can receive transfers; it needs a person');
      else ctx.log.warn(about, 'transfer refused: the account cannot receive transfers; waiting for it');
      return;
    }
  }
  const made = transfer;
  await transaction(ctx.sql, async (tx) => {
    const [locked] = await tx<{ transferId: string | null }[]>`select transfer_id from milestones where id = ${m.id} for update`;
    if (locked?.transferId) return;
    await post(tx, transferPosting(m, netOf(m), made.id));
    await updateMilestone(tx, m.id, { transferId: made.id, transferredAt: new Date() });
    await transferMade(tx, m.id);
  });
}

/**
 * Provider answers that the same request cannot change: the charge is disputed, gone or spent, the payment
 * unknown, the account unable to receive, our key misused.
 */
const REFUSALS = new Set<PaymentErrorCode>(['invalid_request', 'not_found', 'idempotency_conflict']);

/**
 * The clocks are swept every minute, the provider's fees every ten; payouts run hourly; the previous day is reconciled with the provider each
 * night. Each tick once across all instances. A night's reconciliation missed while no instance ran (a deploy
 * or an outage over 03:40) runs when one starts within a day of it, as of its own tick (so for its own day);
 * a missed sweep or payout run is simply the next one's work.
 */
/** The payout run's minute past each hour (graphile-worker's crontab counts in UTC). */
const PAYOUT_RUN_MINUTE = 17;

/** When the payout run next starts after `now`: what a worker with money waiting is told. */
export function nextPayoutRun(now: Date): Date {
  const next = new Date(now);
  next.setUTCMinutes(PAYOUT_RUN_MINUTE, 0, 0);
  if (next <= now) next.setUTCHours(next.getUTCHours() + 1);
  return next;
}

export const ESCROW_CRONTAB = [
  // One sweep at a time: a sweep waiting on the provider (closing checkouts) must not be joined by the next.
  { task: 'escrow.sweep' as const, match: '* * * * *', identifier: 'escrow-sweep', maxAttempts: 1, queueName: 'escrow-sweep' },
  { task: 'escrow.provider_fees' as const, match: '*/10 * * * *', identifier: 'escrow-provider-fees', maxAttempts: 1, queueName: 'escrow-provider-fees' },
  { task: 'escrow.payout_run' as const, match: `${PAYOUT_RUN_MINUTE} * * * *`, identifier: 'escrow-payout-run' },
  { task: 'escrow.reconcile' as const, match: '40 3 * * *', identifier: 'escrow-reconcile', backfillPeriod: 24 * 60 * 60_000 },
];
