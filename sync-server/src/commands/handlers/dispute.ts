// dispute.open, dispute.add_evidence, dispute.accept, dispute.resolve: a milestone's money held while the
// client and the worker disagree, until the other side accepts the claim, an admin decides, or the response
// window passes in silence (disputes/tasks.ts). The money moves through the milestone's own steps.
import { formatMoney, money, offStep, splitFee, type CurrencyCode } from '@shared/money';
import type { DisputeRow, EvidenceBy } from '@shared/money-api';
import { bookingSide } from '@shared/parties';
import { hasRole } from '@shared/roles';
import { partiesIn, reject, type Handler } from '../context';
import { lockBookingOfMilestone, type LockedBooking } from '../../store/bookings';
import { milestoneBeside, type Beside } from '../../store/milestones';
import {
  appendEvidence, attachmentsBy, disputeExists, insertAudit, insertDispute, lockDispute, messagesOfDispute,
} from '../../store/disputes';
import { recipient } from '../../store/outbox';
import { partNamed, stepMilestone } from '../../escrow/step';
import { lockSettling, otherSide, settleDispute, type Settling } from '../../disputes/settle';
import { claimNews, DISPUTE_RESPONSE_MS, reminderTimers, windowTimer } from '../../disputes/tasks';

/**
 * Evidence is kept on the dispute's row, which replicates as one document: its size has a bound. Each side
 * (and the admins) has a bound of its own, so that one side filling the dispute cannot keep the other from
 * answering, and the claim from applying by default over that silence.
 */
export const MAX_EVIDENCE_PER_SIDE = 50;
/** An item of evidence added within this long of its author's last one is no news of its own (it goes on a run). */
export const EVIDENCE_NEWS_WINDOW_MS = 2 * 60_000;

type Open = [LockedBooking | undefined, Beside, boolean];

/** Why an amount to refund is finer than the provider refunds (KWD's 0.010 steps), or null. */
function notRefundable(amount: number, currency: CurrencyCode): string | null {
  const why = offStep(money(amount, currency));
  return why && `${why}: the payment provider refunds nothing finer.`;
}

export const open: Handler<'dispute.open', Open> = {
  // The booking's lock before its milestones', as everywhere; pipelined in this order.
  load: (db, p) => Promise.all([lockBookingOfMilestone(db, p.milestoneId), milestoneBeside(db, p.milestoneId), disputeExists(db, p.disputeId)]),
  async decide(ctx, p, [found, { milestone, milestones }, taken]) {
    const [booking, parties] = partiesIn(ctx, found);
    if (!milestone) return reject('not_found');
    const side = bookingSide(parties);
    if (!side) return reject('forbidden', 'Only the client and the worker open a dispute.');
    if (taken) return reject('duplicate_id');
    if (milestone.status === 'disputed') return reject('dispute_open');
    // The claim must ask for something the other side has: the client some money back, the worker some pay.
    if (p.refundAmount > milestone.amount)
      return reject('claim_invalid', `You can claim at most ${formatMoney(money(milestone.amount, milestone.currency), 'en')}, what is held for this part of the work.`);
    if (side === 'client' && p.refundAmount === 0) return reject('claim_invalid', 'Say how much of the payment you want back.');
    if (side === 'worker' && p.refundAmount === milestone.amount) return reject('claim_invalid', 'Say how much of the payment you should receive.');
    const unrefundable = notRefundable(p.refundAmount, milestone.currency);
    if (unrefundable) return reject('claim_invalid', unrefundable);
    const { status } = await stepMilestone({
      tx: ctx.tx, now: ctx.now, booking, milestones, milestone, event: 'dispute', parties: [side], actorId: ctx.actor.id,
      note: p.reason, key: ctx.commandId, write: ctx.write, notify: ctx.notify,
    });

    const respondBy = new Date(ctx.now.getTime() + DISPUTE_RESPONSE_MS);
    ctx.write(
      insertDispute(ctx.tx, {
        id: p.disputeId, bookingId: booking.id, milestoneId: milestone.id, clientId: booking.clientId, workerId: booking.workerId,
        openedBy: side, openedById: ctx.actor.id, reason: p.reason, refundAmount: p.refundAmount, amount: milestone.amount,
        currency: milestone.currency, respondBy, openedAt: ctx.now,
      }),
    );
    ctx.write(windowTimer(ctx.tx, p.disputeId, respondBy));
    for (const reminder of reminderTimers(ctx.tx, p.disputeId, respondBy)) ctx.write(reminder);
    // Told to the other side in its own terms: the client what comes back to them (or that the worker claims it
    // all), the worker what they would receive after the fee.
    const { net } = splitFee(money(milestone.amount - p.refundAmount, milestone.currency), milestone.feeBps);
    const common = {
      bookingId: booking.id, milestoneId: milestone.id, disputeId: p.disputeId, reason: p.reason, amount: milestone.amount, currency: milestone.currency,
      respondBy: respondBy.toISOString(), ...partNamed(milestone.description, milestones),
    };
    ctx.notify(
      side === 'client'
        ? {
            ...recipient('worker', booking),
            template: 'dispute.opened',
            // The worker also hears what they would receive, unless the claim leaves them nothing.
            data: { ...common, ...claimNews(p.refundAmount, milestone.amount), ...(p.refundAmount < milestone.amount ? { net: net.amount } : {}) },
            dedupeKey: `${ctx.commandId}:dispute.opened`,
          }
        : {
            ...recipient('client', booking),
            template: 'dispute.opened.client',
            data: { ...common, ...claimNews(p.refundAmount, milestone.amount) },
            dedupeKey: `${ctx.commandId}:dispute.opened`,
          },
    );
    return { disputeId: p.disputeId, bookingId: booking.id, milestoneId: milestone.id, status, respondBy: respondBy.toISOString() };
  },
};

type WithEvidence = [DisputeRow | undefined, string[], string[]];

export const addEvidence: Handler<'dispute.add_evidence', WithEvidence> = {
  queuesWrites: true,
  // Evidence changes the dispute alone, so it locks only the dispute (a settlement locks it last, so the two queue).
  load: (db, p, actorId) =>
    Promise.all([
      lockDispute(db, p.disputeId),
      messagesOfDispute(db, p.disputeId, p.messageIds),
      attachmentsBy(db, p.disputeId, actorId, p.attachmentIds),
    ]),
  decide(ctx, p, [dispute, messages, attachments]) {
    const [d, parties] = partiesIn(ctx, dispute);
    const by: EvidenceBy = bookingSide(parties) ?? 'admin';
    if (d.status !== 'open') return reject('invalid_state', 'This dispute has been decided; it takes no more evidence.');
    // The window closed in silence: the claim applies (the window job settles it within a minute), and a
    // party's word now is too late to count as the answer. A mediator's notes are no answer: still taken, for
    // a dispute the window could not settle.
    if (by !== 'admin' && d.respondedAt === null && d.respondBy <= ctx.now)
      return reject('deadline_passed', 'The time to answer this dispute ran out without an answer, so its claim applies; it takes no more evidence.');
    if (d.evidence.some((e) => e.id === p.evidenceId)) return reject('duplicate_id');
    if (d.evidence.filter((e) => e.by === by).length >= MAX_EVIDENCE_PER_SIDE)
      return reject('evidence_limit', `You have added ${MAX_EVIDENCE_PER_SIDE} items of evidence to this dispute, the most it takes from one side; what you added counts for the decision.`);
    if (new Set(p.messageIds).size !== messages.length) return reject('not_found', 'A message this evidence points to is not in this booking’s chat.');
    if (new Set(p.attachmentIds).size !== attachments.length) return reject('not_found', 'An attachment this evidence names is not one you uploaded to this dispute.');
    // The other side's first word ends the silence that would let the claim apply by default.
    const answers = by === otherSide(d);
    ctx.write(
      appendEvidence(
        ctx.tx, d.id,
        { id: p.evidenceId, by, actorId: ctx.actor.id, text: p.text, messageIds: [...new Set(p.messageIds)], attachmentIds: [...new Set(p.attachmentIds)], at: ctx.now.toISOString() },
        answers ? ctx.now : null,
      ),
    );
    // Several items one author adds one after another (a photo, then a note) are one piece of news, "New
    // evidence in the dispute…", told with the first: an item within EVIDENCE_NEWS_WINDOW_MS of the author's last
    // one is not told again, and the dispute shows them all. A mediator's request for more is news of its own.
    const last = d.evidence.filter((e) => e.by === by).at(-1);
    const runGoesOn = last !== undefined && ctx.now.getTime() - Date.parse(last.at) < EVIDENCE_NEWS_WINDOW_MS;
    for (const side of ['client', 'worker'] as const) {
      if (side === by || runGoesOn) continue;
      ctx.notify({
        ...recipient(side, d),
        template: 'dispute.evidence_added',
        data: { bookingId: d.bookingId, milestoneId: d.milestoneId, disputeId: d.id, evidenceId: p.evidenceId, by },
        dedupeKey: `${ctx.commandId}:dispute.evidence_added:${side}`,
      });
    }
    return { disputeId: d.id, evidenceId: p.evidenceId, responded: answers || d.respondedAt !== null };
  },
};

/** The other side agrees to the claim as it stands. */
export const accept: Handler<'dispute.accept', Settling> = {
  load: (db, p) => lockSettling(db, p.disputeId),
  async decide(ctx, _p, [booking, { milestone, milestones }, dispute]) {
    const [d, parties] = partiesIn(ctx, dispute);
    const side = bookingSide(parties);
    if (!side) return reject('forbidden', 'Only the other side of the dispute can accept its claim.');
    if (side === d.openedBy) return reject('forbidden', 'You opened this dispute; the other side accepts its claim or answers it.');
    const { status, bookingStatus, outcome } = await settleDispute({
      tx: ctx.tx, now: ctx.now, booking: booking!, milestone: milestone!, milestones, dispute: d, party: side, actorId: ctx.actor.id, refund: d.refundAmount,
      how: 'accepted', key: ctx.commandId, write: ctx.write, notify: ctx.notify,
    });
    return { disputeId: d.id, milestoneId: d.milestoneId, outcome, status, bookingStatus };
  },
};

/** An admin's decision, with a written reason kept in the audit log. */
export const resolve: Handler<'dispute.resolve', Settling> = {
  load: (db, p) => lockSettling(db, p.disputeId),
  async decide(ctx, p, [booking, { milestone, milestones }, dispute]) {
    const [d, parties] = partiesIn(ctx, dispute);
    if (!hasRole(ctx.actor, 'admin')) return reject('forbidden', 'Only a mediator decides a dispute.');
    if (bookingSide(parties)) return reject('forbidden', 'You are a party to this booking; another admin must decide its dispute.');
    const refund = p.outcome === 'refund_all' ? d.amount : p.outcome === 'release_all' ? 0 : p.refundAmount!;
    if (p.outcome === 'split' && !(refund > 0 && refund < d.amount))
      return reject('claim_invalid', `A split gives back more than nothing and less than the ${formatMoney(money(d.amount, d.currency), 'en')} held; otherwise refund or release it all.`);
    const unrefundable = notRefundable(refund, d.currency);
    if (unrefundable) return reject('claim_invalid', unrefundable);
    const { status, bookingStatus, outcome } = await settleDispute({
      tx: ctx.tx, now: ctx.now, booking: booking!, milestone: milestone!, milestones, dispute: d, party: 'admin', actorId: ctx.actor.id, refund, how: 'admin',
      reason: p.reason, key: ctx.commandId, write: ctx.write, notify: ctx.notify,
    });
    ctx.write(
      insertAudit(ctx.tx, {
        adminId: ctx.actor.id, action: 'dispute.resolve', subjectType: 'dispute', subjectId: d.id, reason: p.reason,
        details: {
          outcome, bookingId: d.bookingId, milestoneId: d.milestoneId, amount: d.amount, currency: d.currency, refunded: refund,
          released: d.amount - refund, claim: { openedBy: d.openedBy, refundAmount: d.refundAmount }, commandId: ctx.commandId,
        },
      }),
    );
    return { disputeId: d.id, milestoneId: d.milestoneId, outcome, status, bookingStatus };
  },
};
