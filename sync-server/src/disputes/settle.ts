// How a dispute ends, whoever ends it (the other side accepting, an admin, or silence past the window):
// the milestone's settlement step moves the money, and the dispute records what was decided and how.
import type { Party } from '@shared/roles';
import type { Db } from '../db/sql';
import { reject } from '../commands/context';
import { partNamed, stepMilestone, type MilestoneStep, type MilestoneStepped } from '../escrow/step';
import { outcomeOf, type DisputeOutcome, type ResolvedHow } from '@shared/milestone-machine';
import type { DisputeRow } from '@shared/money-api';
import { lockDispute, milestoneOfDispute, resolveDispute } from '../store/disputes';
import { lockBookingOfMilestone, type LockedBooking } from '../store/bookings';
import { milestoneBeside, type Beside } from '../store/milestones';
import { recipient } from '../store/outbox';

/** The news of a dispute's end, by reader and by outcome (texts.ts words each). */
export const RESOLVED_NEWS: Record<'client' | 'worker', Record<DisputeOutcome, string>> = {
  client: { split: 'dispute.resolved.client', refund_all: 'dispute.resolved.client.refund_all', release_all: 'dispute.resolved.client.release_all' },
  worker: { split: 'dispute.resolved', refund_all: 'dispute.resolved.refund_all', release_all: 'dispute.resolved.release_all' },
};

/** The side that did not open the dispute: the one whose answer counts, and who may accept the claim. */
export const otherSide = (d: Pick<DisputeRow, 'openedBy'>): 'client' | 'worker' => (d.openedBy === 'client' ? 'worker' : 'client');

export type Settling = [LockedBooking | undefined, Beside, DisputeRow | undefined];

/** The booking (locked), its milestones (read under that lock) and the dispute (locked), in the order every settlement takes them. */
export async function lockSettling(db: Db, disputeId: string): Promise<Settling> {
  const milestoneId = await milestoneOfDispute(db, disputeId);
  if (!milestoneId) return [undefined, { milestone: undefined, milestones: [] }, undefined];
  return Promise.all([lockBookingOfMilestone(db, milestoneId), milestoneBeside(db, milestoneId), lockDispute(db, disputeId)]);
}

export interface Settle extends Omit<MilestoneStep, 'event' | 'released' | 'note' | 'parties'> {
  dispute: DisputeRow;
  /** Who decides, as the milestone machine knows them: the accepting side, 'admin' or 'system'. */
  party: Party;
  /** What goes back to the client; the rest, less the fee, is released to the worker. */
  refund: number;
  how: ResolvedHow;
  /** Written into the milestone's and the booking's timelines, and onto the dispute. */
  reason?: string;
}

/**
 * Settles the dispute's milestone and closes the dispute. The caller holds the booking (and has read its milestones) and
 * the dispute locked, in that order; a dispute found decided already is refused, so a second decision
 * (an admin racing an acceptance, a late window job) moves nothing.
 */
export async function settleDispute(s: Settle): Promise<MilestoneStepped & { outcome: DisputeOutcome }> {
  const d = s.dispute;
  if (d.status !== 'open') return reject('invalid_state', 'This dispute has already been decided.');
  const { milestone } = s;
  if (milestone.id !== d.milestoneId) throw new Error(`dispute ${d.id} is about milestone ${d.milestoneId}, not ${milestone.id}`);
  const outcome = outcomeOf(d.amount, s.refund);
  const released = d.amount - s.refund;
  // One text for one decision: the settlement's own news (released, refunded) is said by dispute.resolved below,
  // with the worker's net after the fee that the release's news carries.
  let net = 0;
  const stepped = await stepMilestone({
    ...s, event: outcome, released, parties: [s.party], note: s.reason,
    notify: (m) => {
      if (m.template === 'milestone.released') net = Number(m.data.net ?? 0);
      else if (m.template !== 'milestone.refunded') s.notify(m);
    },
  });
  s.write(
    resolveDispute(s.tx, d.id, {
      outcome, resolvedHow: s.how, resolvedById: s.actorId, releasedAmount: released, refundedAmount: s.refund,
      resolutionReason: s.reason ?? null, resolvedAt: s.now,
    }),
  );
  // Both sides hear how it ended, except whoever ended it by accepting.
  for (const side of ['client', 'worker'] as const) {
    if (s.how === 'accepted' && side === s.party) continue;
    s.notify({
      ...recipient(side, d),
      // Each side reads where the money went from where they stand, all of it said as all of it (not "$0.00 to the worker").
      template: RESOLVED_NEWS[side][outcome],
      data: {
        bookingId: d.bookingId, milestoneId: d.milestoneId, disputeId: d.id, outcome, how: s.how, released, net, refunded: s.refund, currency: d.currency,
        ...partNamed(milestone.description, s.milestones),
      },
      dedupeKey: `${s.key}:dispute.resolved:${side}`,
    });
  }
  return { ...stepped, outcome };
}
