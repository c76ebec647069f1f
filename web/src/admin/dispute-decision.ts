// A mediator's decision on a dispute, checked before it is sent: the outcome, the refund of a split in the
// milestone's currency (typed in major units, kept in integer minor units), and the written reason.
import type { CommandInput } from '@shared/commands';
import { can } from '@shared/machine';
import { heldByBank, milestoneMachine, milestoneRejection, type MilestoneState } from '@shared/milestone-machine';
import type { RejectionCode } from '@shared/rejections';
import { compare, isZero, money, offStep, splitFee, type Money } from '@shared/money';
import type { Locale } from '@shared/locales';
import { moneyInputProblem, parseMoneyInput } from '../i18n/format';

export const OUTCOMES = ['release_all', 'refund_all', 'split'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface DecisionDraft {
  outcome: Outcome | null;
  /** What goes back to the client in a split, as typed ("12.50", "12,50"). */
  refund: string;
  reason: string;
}

export type DecisionProblem = 'outcome_required' | 'refund_format' | 'refund_grouping' | 'refund_range' | 'refund_step' | 'reason_required';

export type DecisionCheck =
  | { ok: true; payload: CommandInput<'dispute.resolve'> }
  | { ok: false; problems: Partial<Record<'outcome' | 'refund' | 'reason', DecisionProblem>> };

/**
 * A split must move money both ways, so its refund lies strictly between nothing and the whole milestone
 * (all or nothing are "refund all" and "release all"), in the steps the provider refunds in (KWD in 0.010, as the
 * server checks). The reason goes in the audit log: it may not be blank.
 */
export function checkDecision(disputeId: string, draft: DecisionDraft, milestone: Money, locale?: Locale): DecisionCheck {
  const problems: Partial<Record<'outcome' | 'refund' | 'reason', DecisionProblem>> = {};
  let refundAmount: number | undefined;
  if (!draft.outcome) problems.outcome = 'outcome_required';
  if (draft.outcome === 'split') {
    const refund = splitRefund(draft.refund, milestone, locale);
    if ('problem' in refund) problems.refund = refund.problem;
    else refundAmount = refund.amount;
  }
  const reason = draft.reason.trim();
  if (!reason) problems.reason = 'reason_required';
  if (!draft.outcome || Object.keys(problems).length > 0) return { ok: false, problems };
  return {
    ok: true,
    payload: { disputeId, outcome: draft.outcome, reason, ...(refundAmount !== undefined ? { refundAmount } : {}) },
  };
}

/**
 * Where the held money would go, as the server settles it (escrow/postings.ts, settlementPosting): the refund
 * back to the client, the rest to the worker less the platform's fee on that rest. Null until the outcome is
 * chosen and, for a split, the refund typed is one the decision could send.
 */
export function decisionPreview(draft: DecisionDraft, milestone: Money, feeBps: number): { refund: Money; fee: Money; net: Money } | null {
  let refund: Money;
  if (draft.outcome === 'release_all') refund = money(0, milestone.currency);
  else if (draft.outcome === 'refund_all') refund = milestone;
  else if (draft.outcome === 'split') {
    const typed = splitRefund(draft.refund, milestone);
    if ('problem' in typed) return null;
    refund = typed;
  } else return null;
  const { fee, net } = splitFee(money(milestone.amount - refund.amount, milestone.currency), feeBps);
  return { refund, fee, net };
}

/** A split's refund as typed, or why it cannot be one: strictly between nothing and the whole, in the provider's steps. */
function splitRefund(typed: string, milestone: Money, locale?: Locale): Money | { problem: DecisionProblem } {
  const refund = parseMoneyInput(typed, milestone.currency);
  // An amount too big to read is still an amount: beyond the milestone, which the range sentence says.
  if (!refund) {
    const problem = moneyInputProblem(typed, milestone.currency, locale);
    return { problem: problem === 'tooBig' ? 'refund_range' : problem === 'grouping' ? 'refund_grouping' : 'refund_format' };
  }
  if (isZero(refund) || compare(refund, milestone) >= 0) return { problem: 'refund_range' };
  if (offStep(refund)) return { problem: 'refund_step' };
  return refund;
}

/**
 * Why the milestone machine takes no decision on this part now, or null: the one reason the page can know
 * ahead is the client's bank holding the money while it disputes the payment (bank_dispute_open). A state the
 * page has not caught up with is left for the server to refuse.
 */
export function decisionBlockedBy(milestone: { status: MilestoneState; timeline: readonly { event: string }[] }): RejectionCode | null {
  const ctx = { proposedBy: null, actingAs: 'admin', heldByBank: heldByBank(milestone.timeline) } as const;
  for (const outcome of OUTCOMES) {
    const verdict = can(milestoneMachine, milestone.status, outcome, ['admin'], ctx);
    if (!verdict.ok && verdict.why === 'guard_failed') return milestoneRejection(verdict);
  }
  return null;
}
