// gig.post, gig.publish, gig.update, gig.cancel, gig.accept.
import { can } from '@shared/machine';
import { gigMachine, gigRejection, type GigEvent, type GigState } from '@shared/gig-machine';
import { BOOKING_INITIAL } from '@shared/booking-machine';
import { missingSkills } from '@shared/skills';
import { gigTermsDigest } from '@shared/gig-terms';
import { hasRole } from '@shared/roles';
import { reject, type CommandContext, type Handler } from '../context';
import { gigParties } from '@shared/parties';
import { gigFacts, insertGig, lockGig, updateGig, type GigRow } from '../../store/gigs';
import { getProfile, operatorFacts, type OperatorProfileRow } from '../../store/profiles';
import { insertBooking } from '../../store/bookings';
import { insertMilestones } from '../../store/milestones';
import { getPayoutAccount, payoutStatus, type PayoutAccountRow } from '../../payouts/accounts';
import { categoryOf, policyOf } from '@shared/categories';
import { v7 as uuidv7 } from 'uuid';
import type { Db } from '../../db/sql';

/** A draft is visible to its client only; to anyone else it does not exist. */
function visible(ctx: CommandContext, gig: GigRow | undefined): GigRow {
  if (!gig || (gig.status === 'draft' && gig.clientId !== ctx.actor.id && !hasRole(ctx.actor, 'admin'))) reject('not_found');
  return gig;
}

/** Asks the gig machine; refuses with the shared explanation when it says no. */
function decide(ctx: CommandContext, gig: GigRow, event: GigEvent): GigState {
  const verdict = can(gigMachine, gig.status, event, gigParties(ctx.actor, gig), { now: ctx.now.getTime(), gig: gigFacts(gig) });
  if (verdict.ok) return verdict.to;
  const code = gigRejection(gig.status, event, verdict)!;
  if (code === 'gig_booked' && event === 'cancel') reject(code, 'This gig already has a booking: cancel the booking first.');
  return reject(code);
}

/**
 * Paid work needs somewhere to send the money: a worker taking it on (a gig, a payment plan) must be able to
 * receive transfers when the client approves.
 */
export function requirePayouts(payouts: PayoutAccountRow | undefined): void {
  if (payoutStatus(payouts) !== 'active') reject('payouts_not_set_up');
}

const toDate = (iso: string | null | undefined) => (iso ? new Date(iso) : null);
const lockByGigId = (db: Db, p: { gigId: string }) => lockGig(db, p.gigId);

export const post: Handler<'gig.post'> = {
  queuesWrites: true,
  decide(ctx, p) {
    if (!hasRole(ctx.actor, 'consumer')) reject('forbidden', 'Only client accounts can post gigs.');
    const expiresAt = toDate(p.expiresAt);
    if (expiresAt && expiresAt <= ctx.now) reject('gig_expired', 'The expiry time you chose has already passed.');
    const status = p.publish ? 'open' : 'draft';
    ctx.write(
      insertGig(ctx.tx, {
        id: p.gigId,
        clientId: ctx.actor.id,
        title: p.title,
        description: p.description,
        skills: p.skills,
        budgetAmount: p.budget.amount,
        currency: p.budget.currency as GigRow['currency'],
        lat: p.location.lat,
        lng: p.location.lng,
        address: p.address,
        areaLabel: p.areaLabel,
        startsAt: toDate(p.startsAt),
        expiresAt,
        status,
      }),
    );
    return { gigId: p.gigId, status };
  },
};

export const publish: Handler<'gig.publish', GigRow | undefined> = {
  queuesWrites: true,
  load: lockByGigId,
  decide(ctx, p, found) {
    const gig = visible(ctx, found);
    const status = decide(ctx, gig, 'publish');
    ctx.write(updateGig(ctx.tx, gig.id, { status }));
    return { gigId: gig.id, status };
  },
};

export const update: Handler<'gig.update', GigRow | undefined> = {
  queuesWrites: true,
  load: lockByGigId,
  decide(ctx, p, found) {
    const gig = visible(ctx, found);
    const status = decide(ctx, gig, 'update');
    const { gigId, budget, location, startsAt, expiresAt, ...plain } = p;
    const patch: Parameters<typeof updateGig>[2] = { ...plain, status };
    if (budget) Object.assign(patch, { budgetAmount: budget.amount, currency: budget.currency });
    if (location) Object.assign(patch, { lat: location.lat, lng: location.lng });
    if (startsAt !== undefined) patch.startsAt = toDate(startsAt);
    if (expiresAt !== undefined) {
      patch.expiresAt = toDate(expiresAt);
      if (patch.expiresAt && patch.expiresAt <= ctx.now) reject('gig_expired', 'The expiry time you chose has already passed.');
    }
    ctx.write(updateGig(ctx.tx, gig.id, patch));
    return { gigId, status };
  },
};

export const cancel: Handler<'gig.cancel', GigRow | undefined> = {
  queuesWrites: true,
  load: lockByGigId,
  decide(ctx, p, found) {
    const gig = visible(ctx, found);
    const status = decide(ctx, gig, 'cancel');
    ctx.write(updateGig(ctx.tx, gig.id, { status, cancelReason: p.reason ?? null }));
    return { gigId: gig.id, status };
  },
};

/** The digest of what an operator agrees to by accepting (shared/src/gig-terms.ts), from the row. */
const termsOf = (g: GigRow) =>
  gigTermsDigest({ title: g.title, description: g.description, skills: g.skills, budget: { amount: g.budgetAmount, currency: g.currency }, location: { lat: g.lat, lng: g.lng }, startsAt: g.startsAt });

export const accept: Handler<'gig.accept', [GigRow | undefined, OperatorProfileRow | undefined, PayoutAccountRow | undefined]> = {
  queuesWrites: true,
  // The gig's row lock is where two operators accepting at once line up: the second sees `assigned`.
  load: (db, p, actorId) => Promise.all([lockGig(db, p.gigId), getProfile(db, actorId), getPayoutAccount(db, actorId)]),
  decide(ctx, p, [found, profile, payouts]) {
    const gig = visible(ctx, found);
    const operator = operatorFacts(ctx.actor.id, profile);
    const verdict = can(gigMachine, gig.status, 'accept', gigParties(ctx.actor, gig), { now: ctx.now.getTime(), gig: gigFacts(gig), operator });
    if (!verdict.ok) {
      const code = gigRejection(gig.status, 'accept', verdict)!;
      if (code === 'skills_mismatch') {
        const missing = missingSkills(operator.skills, gig.skills).map((s) => `${s} (level ${gig.skills[s]})`);
        reject(code, `This gig needs ${missing.join(', ')}; your profile does not list that level.`);
      }
      if (code === 'forbidden') reject(code, 'Only operator accounts can accept gigs.');
      reject(code);
    }
    // What the operator agreed to is the gig as they saw it: a client's edit since (the price, the task) is
    // not theirs to take on unseen, as it would be when the accept waited offline.
    if (p.seenTerms !== undefined && p.seenTerms !== termsOf(gig)) reject('gig_changed');
    // Every gig is paid work.
    requirePayouts(payouts);
    const category = categoryOf(gig.skills);
    ctx.write(
      insertBooking(
        ctx.tx,
        { id: p.bookingId, gigId: gig.id, clientId: gig.clientId, workerId: ctx.actor.id, amount: gig.budgetAmount, currency: gig.currency, category, status: BOOKING_INITIAL },
        { at: ctx.now.toISOString(), event: 'created', status: BOOKING_INITIAL, by: 'worker', actorId: ctx.actor.id },
      ),
    );
    // The gig's price is the booking's one milestone, agreed by posting and accepting; the parties may
    // replace it with a plan of several (milestone.propose) before paying.
    ctx.write(
      insertMilestones(
        ctx.tx,
        [{
          id: uuidv7(), bookingId: p.bookingId, clientId: gig.clientId, workerId: ctx.actor.id, position: 0, planId: null, proposedBy: null,
          description: gig.title, amount: gig.budgetAmount, currency: gig.currency, feeBps: policyOf(category).feeBps, dueAt: null, status: 'agreed',
        }],
        { at: ctx.now.toISOString(), event: 'created', status: 'agreed', by: 'worker', actorId: ctx.actor.id },
      ),
    );
    ctx.write(updateGig(ctx.tx, gig.id, { status: verdict.to, bookingId: p.bookingId }));
    ctx.notify({
      channel: 'push',
      userId: gig.clientId,
      template: 'gig.accepted',
      data: { gigId: gig.id, bookingId: p.bookingId, title: gig.title },
      dedupeKey: `${ctx.commandId}:client`,
    });
    return { gigId: gig.id, bookingId: p.bookingId, status: BOOKING_INITIAL };
  },
};
