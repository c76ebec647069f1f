import { describe, expect, it } from 'vitest';
import { can, eventsFrom, next, TransitionError, type MachineTable } from './machine';
import { gigMachine, gigRejection, GIG_EVENTS, GIG_STATES, type GigContext } from './gig-machine';
import { bookingMachine, bookingRejection, BOOKING_EVENTS, BOOKING_STATES, MAX_CHANGE_ROUNDS, type BookingContext } from './booking-machine';
import { PARTIES, type Party } from './roles';
import { HELD_STATES, MILESTONE_EVENTS, MILESTONE_STATES, heldByBank, milestoneMachine, milestoneRejection, outcomeOf } from './milestone-machine';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const home = { lat: 37.7749, lng: -122.4194 };

/** A context in which every gig guard holds. */
const gigOk: GigContext = {
  now: NOW,
  gig: { clientId: 'client', skills: { plumbing: 2 }, location: { lat: 37.78, lng: -122.42 }, expiresAt: NOW + 3_600_000 },
  operator: { id: 'op', skills: { plumbing: 3 }, home, serviceRadiusKm: 10, available: true },
};
const bookingOk: BookingContext = { now: NOW, changeRounds: 0, reason: 'The tap still drips' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function walk(name: string, machine: MachineTable<any, any, any, any>, states: readonly string[], events: readonly string[], okCtx: unknown) {
  describe(`${name} machine, every state × event × party`, () => {
    for (const state of states)
      for (const event of events)
        for (const party of PARTIES) {
          it(`${state} --${event}--> as ${party}`, () => {
            const to = machine.transitions[state]?.[event];
            const v = can(machine, state, event, [party], okCtx);
            if (to === undefined) expect(v).toEqual({ ok: false, why: 'no_transition' });
            else if (!machine.events[event]!.by.includes(party)) expect(v).toEqual({ ok: false, why: 'not_permitted' });
            else expect(v).toEqual({ ok: true, to });
          });
        }
  });

  describe(`${name} machine, shape`, () => {
    it('lists every state in the transition table and targets only known states', () => {
      expect(Object.keys(machine.transitions).sort()).toEqual([...states].sort());
      for (const row of Object.values(machine.transitions) as Record<string, string>[])
        for (const target of Object.values(row)) expect(states).toContain(target);
    });
    it('gives terminal states no exits', () => {
      for (const t of machine.terminal) expect(machine.transitions[t]).toEqual({});
    });
    it('lets every non-terminal state reach a terminal one', () => {
      for (const s of states) {
        const seen = new Set([s]);
        const queue = [s];
        while (queue.length) for (const to of Object.values(machine.transitions[queue.shift()!] as Record<string, string>)) if (!seen.has(to)) (seen.add(to), queue.push(to));
        expect([...seen].some((x) => machine.terminal.includes(x)), `${s} cannot finish`).toBe(true);
      }
    });
    it('names only defined guards, and every event has at least one party', () => {
      for (const rule of Object.values(machine.events) as { by: Party[]; guards?: string[] }[]) {
        expect(rule.by.length).toBeGreaterThan(0);
        for (const g of rule.guards ?? []) expect(typeof machine.guards[g]).toBe('function');
      }
    });
  });
}

walk('gig', gigMachine, GIG_STATES, GIG_EVENTS, gigOk);
walk('booking', bookingMachine, BOOKING_STATES, BOOKING_EVENTS, bookingOk);

describe('gig guards', () => {
  const accept = (ctx: Partial<GigContext> & { op?: Partial<NonNullable<GigContext['operator']>>; g?: Partial<GigContext['gig']> }) =>
    can(gigMachine, 'open', 'accept', ['operator'], {
      now: ctx.now ?? NOW,
      gig: { ...gigOk.gig, ...ctx.g },
      operator: ctx.operator === undefined && !('operator' in ctx) ? { ...gigOk.operator!, ...ctx.op } : ctx.operator,
    });

  it('accepts a fitting, available operator in range', () => expect(accept({})).toEqual({ ok: true, to: 'assigned' }));
  it('refuses the gig owner', () => expect(accept({ op: { id: 'client' } })).toMatchObject({ guard: 'notOwnGig' }));
  it('refuses after expiry, exactly at the boundary too', () => {
    expect(accept({ now: NOW + 3_600_000 })).toMatchObject({ guard: 'notExpired' });
    expect(accept({ now: NOW + 3_599_999 }).ok).toBe(true);
    expect(accept({ g: { expiresAt: null }, now: NOW * 2 }).ok).toBe(true);
  });
  it('refuses an unavailable operator', () => expect(accept({ op: { available: false } })).toMatchObject({ guard: 'operatorAvailable' }));
  it('refuses a missing skill or a level below the requirement', () => {
    expect(accept({ op: { skills: { painting: 5 } } })).toMatchObject({ guard: 'skillsFit' });
    expect(accept({ op: { skills: { plumbing: 1 } } })).toMatchObject({ guard: 'skillsFit' });
    expect(accept({ g: { skills: { plumbing: 3, electrical: 1 } }, op: { skills: { plumbing: 3 } } })).toMatchObject({ guard: 'skillsFit' });
  });
  it('refuses a gig outside the service area and an operator with no home', () => {
    expect(accept({ g: { location: { lat: 37.8044, lng: -122.2712 } } })).toMatchObject({ guard: 'withinServiceArea' }); // Oakland, ~13 km
    expect(accept({ op: { home: null } })).toMatchObject({ guard: 'withinServiceArea' });
  });
  it('refuses when no operator facts are given', () => expect(accept({ operator: undefined })).toMatchObject({ ok: false, why: 'guard_failed' }));

  it('explains refusals with the shared rejection codes', () => {
    expect(gigRejection('assigned', 'accept', can(gigMachine, 'assigned', 'accept', ['operator'], gigOk))).toBe('gig_taken');
    expect(gigRejection('expired', 'accept', can(gigMachine, 'expired', 'accept', ['operator'], gigOk))).toBe('gig_expired');
    expect(gigRejection('cancelled', 'update', can(gigMachine, 'cancelled', 'update', ['client'], gigOk))).toBe('invalid_state');
    // An accept sent while the client cancelled (offline, say) says who ended it.
    expect(gigRejection('cancelled', 'accept', can(gigMachine, 'cancelled', 'accept', ['operator'], gigOk))).toBe('gig_cancelled');
    // A change or cancel that lost to an accept: the booking stands, and is where the client goes next.
    expect(gigRejection('assigned', 'update', can(gigMachine, 'assigned', 'update', ['client'], gigOk))).toBe('gig_booked');
    expect(gigRejection('assigned', 'cancel', can(gigMachine, 'assigned', 'cancel', ['client'], gigOk))).toBe('gig_booked');
    expect(gigRejection('closed', 'update', can(gigMachine, 'closed', 'update', ['client'], gigOk))).toBe('invalid_state');
    expect(gigRejection('open', 'cancel', can(gigMachine, 'open', 'cancel', ['operator'], gigOk))).toBe('forbidden');
    expect(gigRejection('open', 'accept', accept({ op: { available: false } }))).toBe('operator_unavailable');
    expect(gigRejection('open', 'accept', accept({ op: { skills: {} } }))).toBe('skills_mismatch');
    expect(gigRejection('open', 'accept', accept({ op: { id: 'client' } }))).toBe('own_gig');
    expect(gigRejection('open', 'accept', accept({ op: { home: null } }))).toBe('out_of_area');
    expect(gigRejection('open', 'accept', accept({}))).toBeNull();
  });
});

describe('booking guards', () => {
  it('requires a reason to request changes or dispute', () => {
    for (const reason of [undefined, '', '   '])
      expect(can(bookingMachine, 'delivered', 'request_changes', ['client'], { ...bookingOk, reason })).toMatchObject({ guard: 'reasonGiven' });
    expect(bookingRejection(can(bookingMachine, 'funded', 'dispute', ['worker'], { ...bookingOk, reason: '' }))).toBe('reason_required');
  });
  it(`allows ${MAX_CHANGE_ROUNDS} rounds of changes, then asks for approval or a dispute`, () => {
    expect(can(bookingMachine, 'delivered', 'request_changes', ['client'], { ...bookingOk, changeRounds: MAX_CHANGE_ROUNDS - 1 }).ok).toBe(true);
    const v = can(bookingMachine, 'delivered', 'request_changes', ['client'], { ...bookingOk, changeRounds: MAX_CHANGE_ROUNDS });
    expect(bookingRejection(v)).toBe('change_rounds_exhausted');
    // A step that meets a booking the other side cancelled says so.
    expect(bookingRejection(can(bookingMachine, 'cancelled', 'start', ['worker'], bookingOk), 'cancelled')).toBe('booking_cancelled');
    expect(bookingRejection(can(bookingMachine, 'completed', 'cancel', ['client'], bookingOk), 'completed')).toBe('invalid_state');
  });
  it('walks the happy path with next()', () => {
    let s = next(bookingMachine, 'awaiting_payment', 'payment_confirmed', ['system'], bookingOk);
    s = next(bookingMachine, s, 'start', ['worker'], bookingOk);
    s = next(bookingMachine, s, 'deliver', ['worker'], bookingOk);
    s = next(bookingMachine, s, 'request_changes', ['client'], bookingOk);
    s = next(bookingMachine, s, 'deliver', ['worker'], bookingOk);
    expect(next(bookingMachine, s, 'approve', ['client'], bookingOk)).toBe('completed');
  });
  it('throws a TransitionError that says why', () => {
    expect(() => next(bookingMachine, 'completed', 'cancel', ['client'], bookingOk)).toThrow(TransitionError);
    expect(() => next(bookingMachine, 'in_progress', 'deliver', ['client'], bookingOk)).toThrow(/not_permitted/);
  });
  it('only the server confirms payment, whoever else asks', () => {
    for (const p of PARTIES.filter((x) => x !== 'system'))
      expect(can(bookingMachine, 'awaiting_payment', 'payment_confirmed', [p], bookingOk)).toEqual({ ok: false, why: 'not_permitted' });
  });
  it('ends a dispute with the booking resolved, or back at work when only part of it was in dispute', () => {
    expect(next(bookingMachine, 'disputed', 'resolve', ['admin'], bookingOk)).toBe('resolved');
    expect(next(bookingMachine, 'disputed', 'resolve_part', ['system'], bookingOk)).toBe('in_progress');
    expect(next(bookingMachine, 'disputed', 'resolve_to_review', ['system'], bookingOk)).toBe('delivered');
    // Only the server, following a milestone's settlement, sends the work on.
    for (const p of PARTIES.filter((x) => x !== 'system'))
      for (const e of ['resolve_part', 'resolve_to_review'] as const)
        expect(can(bookingMachine, 'disputed', e, [p], bookingOk)).toEqual({ ok: false, why: 'not_permitted' });
    expect(eventsFrom(bookingMachine, 'disputed', ['client', 'worker'])).toEqual(['resolve']);
  });
  it('finishes work under way when its last open part was dropped: the server only, and not before work starts', () => {
    for (const from of ['in_progress', 'delivered', 'changes_requested'] as const) expect(next(bookingMachine, from, 'finish', ['system'], bookingOk)).toBe('completed');
    for (const p of PARTIES.filter((x) => x !== 'system')) expect(can(bookingMachine, 'in_progress', 'finish', [p], bookingOk)).toEqual({ ok: false, why: 'not_permitted' });
    for (const from of ['awaiting_payment', 'funded', 'disputed', 'completed', 'cancelled', 'resolved'] as const)
      expect(can(bookingMachine, from, 'finish', ['system'], bookingOk)).toMatchObject({ ok: false });
  });
  it('lets only the worker end work under way, by giving the money back, with a reason', () => {
    for (const from of ['in_progress', 'delivered', 'changes_requested'] as const) {
      expect(next(bookingMachine, from, 'give_back', ['worker'], bookingOk)).toBe('cancelled');
      for (const p of PARTIES.filter((x) => x !== 'worker')) expect(can(bookingMachine, from, 'give_back', [p], bookingOk)).toEqual({ ok: false, why: 'not_permitted' });
      expect(bookingRejection(can(bookingMachine, from, 'give_back', ['worker'], { ...bookingOk, reason: ' ' }))).toBe('reason_required');
      // Nor may anyone cancel it outright any more.
      expect(can(bookingMachine, from, 'cancel', ['client', 'worker', 'admin'], bookingOk)).toEqual({ ok: false, why: 'no_transition' });
    }
    // Before work starts the booking is cancelled; in dispute, the dispute decides; once ended, nothing.
    for (const from of ['awaiting_payment', 'funded', 'disputed', 'completed', 'cancelled', 'resolved'] as const)
      expect(can(bookingMachine, from, 'give_back', ['worker'], bookingOk)).toEqual({ ok: false, why: 'no_transition' });
  });
  it('gives a part back from wherever its money is held and not in dispute, by the worker only', () => {
    const ctx = { proposedBy: null, actingAs: 'worker' as const };
    for (const state of MILESTONE_STATES) {
      const v = can(milestoneMachine, state, 'give_back', ['worker'], ctx);
      expect(v.ok ? v.to : null, state).toBe(HELD_STATES.includes(state) && state !== 'disputed' ? 'refunded' : null);
    }
    for (const p of PARTIES.filter((x) => x !== 'worker')) expect(can(milestoneMachine, 'submitted', 'give_back', [p], ctx)).toEqual({ ok: false, why: 'not_permitted' });
  });
  it('offers the buttons a party may press', () => {
    expect(eventsFrom(bookingMachine, 'delivered', ['client']).sort()).toEqual(['approve', 'dispute', 'request_changes']);
    expect(eventsFrom(bookingMachine, 'funded', ['worker']).sort()).toEqual(['cancel', 'dispute', 'start']);
    expect(eventsFrom(bookingMachine, 'in_progress', ['worker']).sort()).toEqual(['deliver', 'dispute', 'give_back']);
    expect(eventsFrom(bookingMachine, 'in_progress', ['client']).sort()).toEqual(['dispute']);
    expect(eventsFrom(bookingMachine, 'completed', [...PARTIES])).toEqual([]);
  });
});

describe('a milestone held by the client’s bank (a chargeback)', () => {
  const ctx = (heldByBank: boolean) => ({ proposedBy: null, actingAs: 'client' as const, reason: 'x', heldByBank });

  it('refuses every event that moves its money, and nothing else', () => {
    for (const state of MILESTONE_STATES)
      for (const event of MILESTONE_EVENTS) {
        const parties = milestoneMachine.events[event].by;
        const free = can(milestoneMachine, state, event, parties, ctx(false));
        const held = can(milestoneMachine, state, event, parties, ctx(true));
        const movesMoney = ['approve', 'auto_approve', 'cancel', 'give_back', 'release_all', 'refund_all', 'split'].includes(event);
        if (free.ok && movesMoney) expect(milestoneRejection(held)).toBe('bank_dispute_open');
        else expect(held).toEqual(free);
      }
  });

  it('is read from the history: held after the bank opened a dispute, until it decides either way', () => {
    const step = (event: string) => ({ event });
    expect(heldByBank([])).toBe(false);
    expect(heldByBank([step('payment_confirmed'), step('bank_dispute_opened')])).toBe(true);
    expect(heldByBank([step('bank_dispute_opened'), step('request_changes'), step('submit')])).toBe(true);
    expect(heldByBank([step('bank_dispute_opened'), step('bank_dispute_won')])).toBe(false);
    expect(heldByBank([step('bank_dispute_opened'), step('charged_back')])).toBe(false);
    expect(heldByBank([step('bank_dispute_opened'), step('bank_dispute_won'), step('bank_dispute_opened')])).toBe(true);
  });

  it('ends by charged_back from every state that holds money, as a refund', () => {
    for (const state of MILESTONE_STATES) {
      const v = can(milestoneMachine, state, 'charged_back', ['system'], ctx(true));
      expect(v.ok ? v.to : null).toBe(HELD_STATES.includes(state) ? 'refunded' : null);
    }
  });

  it('names the dispute outcome a claim comes to', () => {
    expect([outcomeOf(8000, 8000), outcomeOf(8000, 0), outcomeOf(8000, 2500)]).toEqual(['refund_all', 'release_all', 'split']);
  });
});
