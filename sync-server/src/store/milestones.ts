// Milestones: the parts of a booking's price, each held in escrow on its own (migration 004).
import type { BankDisputeStep, LateBankDisputeStep, MilestoneEvent, MilestoneState } from '@shared/milestone-machine';
import type { CurrencyCode } from '@shared/money';
import type { Party } from '@shared/roles';
import type { Db } from '../db/sql';

export interface MilestoneTimelineEntry {
  at: string;
  /** The machine's event, a bank's step, or 'withdraw': a cancel one side took while work went on (escrow/step.ts). */
  event: MilestoneEvent | BankDisputeStep | LateBankDisputeStep | 'proposed' | 'created' | 'withdraw';
  status: MilestoneState;
  by: Party;
  actorId: string | null;
  note?: string;
}

export interface MilestoneRow {
  id: string;
  bookingId: string;
  clientId: string;
  workerId: string;
  position: number;
  planId: string | null;
  proposedBy: 'client' | 'worker' | null;
  description: string;
  amount: number;
  currency: CurrencyCode;
  feeBps: number;
  dueAt: Date | null;
  status: MilestoneState;
  changeRounds: number;
  paymentExpiresAt: Date | null;
  checkoutSessionId: string | null;
  checkoutUrl: string | null;
  paymentIntentId: string | null;
  chargeId: string | null;
  fundedAt: Date | null;
  submittedAt: Date | null;
  autoApproveAt: Date | null;
  /** When the approval clock next looks: a reminder, then the deadline (see escrow/clocks.ts). */
  approvalCheckAt: Date | null;
  settledAt: Date | null;
  releasedAmount: number;
  refundedAmount: number;
  feeAmount: number;
  transferId: string | null;
  transferredAt: Date | null;
  refundId: string | null;
  /** On a proposed plan's parts: how many of the booking's parts had been paid for when it was proposed. */
  paidPartsAtProposal: number | null;
  /** The chargeback whose bank holds the milestone's money until it decides (escrow/chargebacks.ts). */
  bankDisputeId: string | null;
  version: number;
}

const COLUMNS = `id, booking_id, client_id, worker_id, position, plan_id, proposed_by, description, amount, currency, fee_bps,
  due_at, status, change_rounds, payment_expires_at, checkout_session_id, checkout_url, payment_intent_id, charge_id,
  funded_at, submitted_at, auto_approve_at, approval_check_at, settled_at, released_amount, refunded_amount, fee_amount, transfer_id,
  transferred_at, refund_id, paid_parts_at_proposal, bank_dispute_id, version`;
// Reads name their columns from COLUMNS, so they go through `unsafe`; `prepare: true` keeps them
// named prepared statements with cached plans (unnamed, each was parsed and planned on every step).

/**
 * A booking's milestones in plan order, read under the booking's row lock. Every step of a milestone locks
 * its booking first (commands, payment confirmations, clocks, dispute settlements), so that lock already
 * serializes them, and the statement, run after the lock is granted, sees what the previous holder
 * committed. Writes that are not steps (the provider's ids, the approval clock's next look) set columns no
 * step decides by. The milestones take no row locks of their own: a lock is a write to every row, twenty per
 * step for a plan of twenty.
 */
export function milestonesOf(db: Db, bookingId: string): Promise<MilestoneRow[]> {
  return db.unsafe<MilestoneRow[]>(`select ${COLUMNS} from milestones where booking_id = $1 and not deleted order by position`, [bookingId], { prepare: true });
}

/** What a step needs of the booking's other milestones: whether they are still open. */
/** What a step needs of the booking's other milestones: where each stands, and who proposed one still only proposed. */
export type MilestoneSibling = Pick<MilestoneRow, 'id' | 'status' | 'proposedBy'>;

/** A milestone in full, beside all of its booking's milestones (itself included) as siblings. */
export interface Beside {
  milestone: MilestoneRow | undefined;
  milestones: MilestoneSibling[];
}

/**
 * For commands and events that name a milestone: that one in full, the rest of its booking only as far as a
 * step needs them, both read under the booking's lock like milestonesOf. One statement: the siblings come
 * as a JSON array beside the row, a fraction of what full rows cost to send and parse.
 */
export async function milestoneBeside(db: Db, milestoneId: string): Promise<Beside> {
  const [row] = await db.unsafe<(MilestoneRow & { siblings: MilestoneSibling[] })[]>(
    `select ${COLUMNS},
       (select json_agg(json_build_object('id', s.id, 'status', s.status, 'proposedBy', s.proposed_by) order by s.position)
        from milestones s where s.booking_id = m.booking_id and not s.deleted) as siblings
     from milestones m where m.id = $1 and not m.deleted`,
    [milestoneId],
    { prepare: true },
  );
  if (!row) return { milestone: undefined, milestones: [] };
  const { siblings, ...milestone } = row;
  return { milestone, milestones: siblings };
}

export async function getMilestone(db: Db, id: string): Promise<MilestoneRow | undefined> {
  const [row] = await db.unsafe<MilestoneRow[]>(`select ${COLUMNS} from milestones where id = $1 and not deleted`, [id], { prepare: true });
  return row;
}

export type NewMilestone = Pick<MilestoneRow, 'id' | 'bookingId' | 'clientId' | 'workerId' | 'position' | 'planId' | 'proposedBy' | 'description' | 'amount' | 'currency' | 'feeBps' | 'dueAt' | 'status'> &
  Partial<Pick<MilestoneRow, 'paidPartsAtProposal'>>;

export function insertMilestones(db: Db, rows: readonly NewMilestone[], first: MilestoneTimelineEntry) {
  return db`insert into milestones ${db(rows.map((r) => ({ ...r, timeline: db.json([first] as never) })))}`;
}

/** Columns a step may set besides the status. */
export type MilestoneChanges = Partial<
  Pick<
    MilestoneRow,
    | 'changeRounds' | 'paymentExpiresAt' | 'checkoutSessionId' | 'checkoutUrl' | 'paymentIntentId' | 'chargeId' | 'fundedAt'
    | 'submittedAt' | 'autoApproveAt' | 'approvalCheckAt' | 'settledAt' | 'releasedAmount' | 'refundedAmount' | 'feeAmount' | 'refundId'
    | 'bankDisputeId'
  >
>;

/** Moves the milestone to the entry's status, appends the entry to its timeline, and sets `changes`. */
export function advanceMilestone(db: Db, id: string, entry: MilestoneTimelineEntry, changes: MilestoneChanges = {}) {
  const set = { status: entry.status, ...changes };
  return db`
    update milestones set ${db(set as Record<string, unknown>)}, timeline = timeline || ${db.json([entry] as never)}
    where id = ${id}`;
}

/**
 * Keeps a checkout session on the milestone, if it is still waiting for payment in the window the session was
 * made for: a window that lapsed (or a funding that was replaced) meanwhile keeps no stale link. The first
 * session kept stays: the URL to hand out is returned, null when the window is gone.
 */
export async function keepCheckout(db: Db, id: string, window: Date, session: { id: string; url: string }): Promise<string | null> {
  const [kept] = await db<{ checkoutUrl: string }[]>`
    update milestones set checkout_session_id = coalesce(checkout_session_id, ${session.id}), checkout_url = coalesce(checkout_url, ${session.url})
    where id = ${id} and status = 'payment_pending' and payment_expires_at = ${window} and not deleted
    returning checkout_url`;
  return kept?.checkoutUrl ?? null;
}

/** What the worker is owed for a released milestone: the released amount less the fee; and which job it was. */
export interface Transferable {
  id: string;
  net: number;
  currency: CurrencyCode;
  bookingId: string;
  releasedAt: Date;
  description: string;
  /** The gig's title; null for a booking with no gig. */
  title: string | null;
}

/**
 * Released milestones whose worker has something coming after the fee and has not been sent it, oldest
 * settlement first: one worker's (payout.request), or those of every worker whose account can receive
 * transfers (the payout run). `released_amount > 0` is the partial index milestones_to_transfer's predicate.
 */
export function awaitingTransfer(db: Db, workerId?: string): Promise<Transferable[]> {
  return db<Transferable[]>`
    select m.id, m.released_amount - m.fee_amount as net, m.currency, m.booking_id, m.settled_at as released_at, m.description,
           (select g.title from bookings b join gigs g on g.id = b.gig_id where b.id = m.booking_id) as title
    from milestones m
    where m.released_amount > 0 and m.transfer_id is null and m.released_amount > m.fee_amount and not m.deleted
      and ${workerId ? db`m.worker_id = ${workerId}` : db`exists (select 1 from payout_accounts a where a.user_id = m.worker_id and a.transfers_active)`}
    order by m.settled_at, m.id`;
}

/** Writes that are not steps: the checkout link, the provider's transfer and refund ids. */
export function updateMilestone(db: Db, id: string, changes: Partial<Pick<MilestoneRow, 'checkoutSessionId' | 'checkoutUrl' | 'transferId' | 'transferredAt' | 'refundId'>>) {
  return db`update milestones set ${db(changes as Record<string, unknown>)} where id = ${id}`;
}
