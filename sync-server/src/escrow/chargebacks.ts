// Chargebacks: a client's bank disputes a card payment, and the provider takes the money back from the
// platform's balance until the bank decides (DESIGN, "Money"; migration 020).
//
// What Fieldwork does, per the dispute's stage at the provider:
//   - an inquiry (Stripe's warning_* statuses): no money moved, nothing moves here; the dispute is recorded;
//   - held (needs_response, under_review): the ledger moves the money the bank took into bank_disputes, out of
//     the milestone's escrow while it still holds it, then out of refunds of that payment we still owe the
//     client (the provider will not refund a disputed charge: the bank gives the client that money instead,
//     and the refund is not sent; refunds.ts), and otherwise out of the platform's own pocket
//     (platform_losses: the worker was paid already and keeps the money). A milestone whose escrow the bank
//     took is held: nothing may release or refund it (the machine's notHeldByBank guard) and its approval
//     clock stops. Both sides are told;
//   - won: the money comes back the way it left; a held milestone carries on, with a whole review window
//     again if its work waits for review; a refund the bank stood for is owed to the client again;
//   - lost: the money stays with the client. A held milestone ends by the machine's charged_back (what its
//     escrow still holds, after a chargeback of part of the payment, is refunded) and its booking with it when
//     nothing else is left; money the platform lost stays lost.
// A milestone that had settled before the bank took the money (released, refunded, split) is not held and does
// not change, but its history records each stage (LATE_BANK_DISPUTE_STEPS) and the client is told of each: the
// worker keeps what was paid, so nothing changes for them and they are not told.
// Each stage's effect happens once per dispute, whichever of Stripe's five charge.dispute.* events says so,
// in any order, any number of times: every event is answered from the dispute as the provider has it now.
import { HELD_STATES, SETTLED_STATES, type LateBankDisputeStep } from '@shared/milestone-machine';
import { isCurrency } from '@shared/money';
import type { PendingQuery, Row } from 'postgres';
import type { Db, Sql } from '../db/sql';
import type { Logger } from '../log';
import { transaction } from '../db/tx';
import { accounts } from '../ledger/accounts';
import { balance, post } from '../ledger/ledger';
import { lockBookingOfMilestone } from '../store/bookings';
import { advanceMilestone, milestoneBeside } from '../store/milestones';
import { enqueue, recipient, type OutboxMessage } from '../store/outbox';
import { PaymentProviderError, type DisputeInfo, type PaymentProvider } from '../payments/provider';
import { windowTimer } from '../disputes/tasks';
import { recordProviderFees } from './fees';
import { oweAgainAfterChargeback, refundsPerhapsMade, takeRefundsForChargeback } from './refunds';
import { lockOpenDisputeOf, resolveDispute } from '../store/disputes';
import type { EventRecord } from './events';
import { chargebackPosting, type ChargebackSplit } from './postings';
import { reviewClock, stepMilestone } from './step';

export type BankDisputeStage = 'inquiry' | 'held' | 'won' | 'lost';

/** The stage of a dispute by the provider's status. A status this code does not know moves no money. */
export function stageOf(status: string): BankDisputeStage {
  if (status === 'needs_response' || status === 'under_review') return 'held';
  if (status === 'won' || status === 'lost') return status;
  return 'inquiry';
}

/** What acting on a dispute came to, as the webhook's record says it. */
export type BankDisputeOutcome = `bank_dispute_${BankDisputeStage}` | 'bank_dispute_not_ours';

interface DisputeRow {
  fromEscrow: number;
  fromRefund: number;
  fromPlatform: number;
  withdrawnAt: Date | null;
  reinstatedAt: Date | null;
  closedAt: Date | null;
}

/** The milestone a payment funded, found by its funding posting: also a payment refunded on arrival (late-refund). */
async function milestoneOfPayment(db: Db, paymentIntentId: string): Promise<string | null> {
  const [row] = await db<{ milestoneId: string }[]>`select milestone_id from ledger_postings where dedupe_key = ${`funding:${paymentIntentId}`}`;
  return row?.milestoneId ?? null;
}

/**
 * Brings our books in line with a dispute as the provider has it now (`d`, read again for each event).
 * Runs under the booking's lock, like every step of its milestones, so a release racing the chargeback either
 * went first (and the platform pays the bank) or finds the milestone held.
 */
export async function followBankDispute(
  sql: Sql, provider: Pick<PaymentProvider, 'listRefunds'>, d: DisputeInfo, opts: { now?: Date; record?: EventRecord; log?: Logger } = {},
): Promise<BankDisputeOutcome> {
  const { now = new Date(), record } = opts;
  const { paymentIntentId } = d;
  const milestoneId = paymentIntentId ? await milestoneOfPayment(sql, paymentIntentId) : null;
  if (!milestoneId || !paymentIntentId) return 'bank_dispute_not_ours';
  const stage = stageOf(d.status);
  // Asked of the provider before the booking is locked; a refund it makes later is refused (the bank has the charge).
  const perhapsMade = stage === 'inquiry' ? new Set<string>() : await refundsPerhapsMade(sql, provider, paymentIntentId);
  if (!isCurrency(d.currency)) throw new Error(`bank dispute ${d.id} is in ${d.currency}, a currency the ledger does not keep`);
  return transaction(sql, async (tx) => {
    const booking = await lockBookingOfMilestone(tx, milestoneId);
    const { milestone: m, milestones } = await milestoneBeside(tx, milestoneId);
    if (!booking || !m) throw new Error(`milestone ${milestoneId} of payment ${d.paymentIntentId} not found`);
    // The dispute's own currency: a payment in another one than the milestone's was sent back when it came.
    const money = { ...m, currency: d.currency };
    // The provider's status as read now; once the dispute is closed here, a slower delivery's older read does not undo it.
    const [row] = await tx<DisputeRow[]>`
      insert into bank_disputes (id, payment_intent_id, charge_id, milestone_id, booking_id, amount, currency, reason, status, opened_at)
      values (${d.id}, ${d.paymentIntentId}, ${d.chargeId}, ${m.id}, ${m.bookingId}, ${d.amount}, ${d.currency}, ${d.reason}, ${d.status}, ${new Date(d.created * 1000)})
      on conflict (id) do update set status = case when bank_disputes.closed_at is null then excluded.status else bank_disputes.status end, updated_at = now()
      returning from_escrow, from_refund, from_platform, withdrawn_at, reinstated_at, closed_at`;
    // What the provider kept for the dispute (and gave back, if it does when the bank decides for us): fees.ts.
    // A fee the ledger cannot take is left to a person; the chargeback itself goes on.
    const { refused } = await recordProviderFees(tx, { paymentIntentId, milestoneId: m.id, bookingId: m.bookingId, bankDisputeId: d.id }, d.fees);
    for (const r of refused) opts.log?.error({ ...r, disputeId: d.id, milestoneId: m.id }, "the provider's fee on a bank dispute cannot be recorded; it needs a person");
    const news: OutboxMessage[] = [];
    const tell = (side: 'client' | 'worker', template: string, data: Record<string, unknown> = {}) =>
      news.push({
        ...recipient(side, m),
        template,
        data: { bookingId: m.bookingId, milestoneId: m.id, amount: d.amount, currency: m.currency, ...data },
        dedupeKey: `bank-dispute:${d.id}:${template}:${side}`,
      });
    const at = now.toISOString();
    let split: ChargebackSplit = { disputeId: d.id, fromEscrow: row!.fromEscrow, fromRefund: row!.fromRefund, fromPlatform: row!.fromPlatform };
    // Held since an earlier event (what the parties were told), or from this one on (below).
    let heldHere = m.bankDisputeId === d.id;
    // The milestone had settled when the bank took the money, so the platform, not the milestone, gave it.
    const settled = SETTLED_STATES.includes(m.status) && !heldHere;
    const lateStep = (event: LateBankDisputeStep, note?: string | null) =>
      advanceMilestone(tx, m.id, { at, event, status: m.status, by: 'system', actorId: null, ...(note ? { note } : {}) });

    // The bank took the money (a first event may already say won or lost: it was taken before).
    if (stage !== 'inquiry' && !row!.withdrawnAt) {
      // Only this payment's own escrow, and only while the milestone still holds it; a second dispute of the
      // same payment (the provider opens one per charge) finds the first one's hold.
      const holds = m.paymentIntentId === d.paymentIntentId && m.currency === d.currency && HELD_STATES.includes(m.status) && m.bankDisputeId === null;
      const inEscrow = holds ? await balance(tx, accounts.escrow(m.id, m.currency).id) : 0;
      const fromEscrow = Math.min(d.amount, inEscrow);
      const fromRefund = await takeRefundsForChargeback(tx, { id: d.id, paymentIntentId, currency: d.currency }, d.amount - fromEscrow, perhapsMade);
      split = { disputeId: d.id, fromEscrow, fromRefund, fromPlatform: d.amount - fromEscrow - fromRefund };
      await post(tx, chargebackPosting(money, split, false));
      await tx`
        update bank_disputes set withdrawn_at = ${now}, from_escrow = ${split.fromEscrow}, from_refund = ${split.fromRefund}, from_platform = ${split.fromPlatform}
        where id = ${d.id}`;
      // Held, unless the bank has already given the money back (the first word to reach us says won): then the
      // ledger shows it leave and return, and the part goes on as if nothing had happened, as it did.
      if (fromEscrow > 0 && stage !== 'won') {
        heldHere = true;
        await advanceMilestone(tx, m.id, { at, event: 'bank_dispute_opened', status: m.status, by: 'system', actorId: null, note: d.reason }, {
          bankDisputeId: d.id, autoApproveAt: null, approvalCheckAt: null,
        });
        // Already decided for the client: the news is how it ended (below), not that it began.
        if (stage === 'held') {
          tell('worker', 'milestone.bank_dispute_opened.worker');
          tell('client', 'milestone.bank_dispute_opened.client');
        }
      }
      // A settled milestone: only its history says so (the bank's reason with it), and the client is told.
      // Decided already, the news is how it ended (below).
      if (stage === 'held' && fromEscrow === 0 && settled) {
        await lateStep('late_bank_dispute_opened', d.reason);
        tell('client', 'milestone.late_bank_dispute_opened.client');
      }
    }

    if (stage === 'won' && !row!.reinstatedAt && split.fromEscrow + split.fromRefund + split.fromPlatform > 0) {
      await post(tx, chargebackPosting(money, split, true));
      await tx`update bank_disputes set reinstated_at = ${now} where id = ${d.id}`;
      if (split.fromRefund > 0) await oweAgainAfterChargeback(tx, d.id, now);
      if (heldHere) {
        // The money is back for the work: a review that the hold stopped starts over, whole.
        const clock = m.status === 'submitted' ? reviewClock(booking.category, now) : null;
        await advanceMilestone(tx, m.id, { at, event: 'bank_dispute_won', status: m.status, by: 'system', actorId: null }, { bankDisputeId: null, ...clock });
        // A dispute between the two sides whose response window closed during the hold could not apply its
        // claim then (dispute.window found the money held): its timer runs again, now or at its deadline.
        const open = m.status === 'disputed' ? await lockOpenDisputeOf(tx, m.id) : undefined;
        if (open) await windowTimer(tx, open.id, open.respondBy > now ? open.respondBy : now);
        tell('worker', 'milestone.bank_dispute_won');
        tell('client', 'milestone.bank_dispute_won', clock ? { autoApproveAt: clock.autoApproveAt.toISOString() } : {});
      } else if (settled && split.fromEscrow === 0 && row!.withdrawnAt) {
        // Taken in an earlier event, so its history says the bank disputed it: now, how the bank decided. (A
        // first word that already says won moved the money out and back here: nothing to tell.)
        // A refund the bank stood for is owed to the client again (above), and is said so.
        await lateStep('late_bank_dispute_won');
        tell('client', 'milestone.late_bank_dispute_won.client', split.fromRefund > 0 ? { refunded: split.fromRefund } : {});
      }
    }

    if (stage === 'lost' && !row!.closedAt && heldHere) {
      const writes: PendingQuery<Row[]>[] = [];
      await stepMilestone({
        tx, now, booking, milestones, milestone: { ...m, bankDisputeId: d.id }, event: 'charged_back', parties: ['system'], actorId: null,
        key: `bank-dispute:${d.id}`, takenByBank: split.fromEscrow,
        write: (q) => void writes.push(q),
        notify: (n) => void news.push(n),
      });
      // A dispute between the two sides about this part ends with it: the client has all of it back.
      const open = m.status === 'disputed' ? await lockOpenDisputeOf(tx, m.id) : undefined;
      if (open)
        writes.push(resolveDispute(tx, open.id, {
          outcome: 'refund_all', resolvedHow: 'bank', resolvedById: null, releasedAmount: 0, refundedAmount: open.amount,
          resolutionReason: 'The client’s bank decided the chargeback of this payment for the client.', resolvedAt: now,
        }));
      for (const q of writes) await q;
    } else if (stage === 'lost' && !row!.closedAt && settled && split.fromEscrow === 0) {
      await lateStep('late_bank_dispute_lost');
      tell('client', 'milestone.late_bank_dispute_lost.client');
    }

    if ((stage === 'won' || stage === 'lost' || d.status === 'warning_closed') && !row!.closedAt)
      await tx`update bank_disputes set closed_at = ${now} where id = ${d.id}`;
    await enqueue(tx, news);
    const outcome: BankDisputeOutcome = `bank_dispute_${stage}`;
    if (record) record.recorded = (await record.insert(tx, outcome)).length > 0;
    return outcome;
  });
}

/**
 * Whether a bank has taken back the payment that funded the milestone and not given it back (decided for the
 * client, or not decided yet): a transfer to the worker then cannot draw on that charge (escrow/tasks.ts).
 */
export async function paymentTakenByBank(db: Db, milestoneId: string): Promise<boolean> {
  const rows = await db`select 1 from bank_disputes where milestone_id = ${milestoneId} and withdrawn_at is not null and reinstated_at is null limit 1`;
  return rows.length > 0;
}

/**
 * Reads every dispute not yet closed here again at the provider and follows it: an event lost on the way, or
 * given up after the provider's retries, must not leave a milestone held for ever (the nightly escrow.reconcile).
 */
export async function followOpenBankDisputes(
  sql: Sql, provider: Pick<PaymentProvider, 'retrieveDispute' | 'listRefunds'>, now = new Date(), log?: Logger,
): Promise<{ read: number; moved: number }> {
  const open = await sql<{ id: string; status: string }[]>`select id, status from bank_disputes where closed_at is null order by opened_at limit 500`;
  let moved = 0;
  for (const o of open) {
    const d = await provider.retrieveDispute(o.id).catch((e: unknown) => {
      // Gone at the provider (never in the books as money moved, or a test object): nothing to follow.
      if (e instanceof PaymentProviderError && e.code === 'not_found') return null;
      throw e;
    });
    if (!d) continue;
    if (d.status === o.status && stageOf(d.status) !== 'won' && stageOf(d.status) !== 'lost') continue;
    await followBankDispute(sql, provider, d, { now, log });
    moved++;
  }
  return { read: open.length, moved };
}
