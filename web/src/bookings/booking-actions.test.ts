// Which booking actions the page offers, for every state and every kind of viewer, as the machine answers.
import { describe, expect, it } from 'vitest';
import { BOOKING_STATES, MAX_CHANGE_ROUNDS, type BookingState } from '@shared/booking-machine';
import type { Role } from '@shared/roles';
import { checkAction, offeredActions, viewerOf } from './booking-actions';

const CLIENT = { id: 'client-1', roles: ['consumer'] as Role[] };
const WORKER = { id: 'worker-1', roles: ['operator'] as Role[] };
const ADMIN = { id: 'admin-1', roles: ['admin', 'consumer'] as Role[] };
const booking = (status: BookingState, changeRounds = 0, clientId = CLIENT.id) => ({ clientId, workerId: WORKER.id, status, changeRounds });

const offered = (actor: typeof CLIENT, status: BookingState, changeRounds = 0, clientId?: string) =>
  offeredActions(booking(status, changeRounds, clientId), actor).map((a) => (a.blockedBy ? `${a.event}:${a.blockedBy}` : a.event));

describe('offeredActions', () => {
  it('walks every state for the client, the worker and an admin who is neither', () => {
    const table = Object.fromEntries(BOOKING_STATES.map((s) => [s, { client: offered(CLIENT, s), worker: offered(WORKER, s), admin: offered(ADMIN, s) }]));
    expect(table).toEqual({
      awaiting_payment: { client: ['cancel'], worker: ['cancel'], admin: [] },
      funded: { client: ['cancel'], worker: ['start', 'cancel'], admin: [] },
      // Once work has started, only the worker may end it, by giving back what is held.
      in_progress: { client: [], worker: ['deliver', 'give_back'], admin: [] },
      delivered: { client: ['approve', 'request_changes'], worker: ['give_back'], admin: [] },
      changes_requested: { client: [], worker: ['deliver', 'give_back'], admin: [] },
      completed: { client: [], worker: [], admin: [] },
      cancelled: { client: [], worker: [], admin: [] },
      disputed: { client: [], worker: [], admin: [] },
      resolved: { client: [], worker: [], admin: [] },
    });
  });

  it('lets an admin who is the client act as the client', () => {
    expect(offered(ADMIN, 'delivered', 0, ADMIN.id)).toEqual(['approve', 'request_changes']);
  });

  it('shows the exhausted change rounds instead of a request-changes form', () => {
    expect(offered(CLIENT, 'delivered', MAX_CHANGE_ROUNDS)).toEqual(['approve', 'request_changes:change_rounds_exhausted']);
  });
});

describe('checkAction', () => {
  it('needs a reason to request changes, and names the guard that failed', () => {
    const b = booking('delivered');
    expect(checkAction(b, CLIENT, 'request_changes', undefined)).toEqual({ ok: false, why: 'guard_failed', guard: 'reasonGiven' });
    expect(checkAction(b, CLIENT, 'request_changes', '   ')).toMatchObject({ ok: false, guard: 'reasonGiven' });
    expect(checkAction(b, CLIENT, 'request_changes', 'Paint the door too')).toEqual({ ok: true, to: 'changes_requested' });
  });

  it('never lets an admin act here as admin', () => {
    expect(checkAction(booking('funded'), ADMIN, 'cancel', undefined)).toEqual({ ok: false, why: 'not_permitted' });
  });
});

describe('viewerOf', () => {
  it('tells the client, the worker and the admin apart', () => {
    expect(viewerOf(CLIENT, booking('funded'))).toBe('client');
    expect(viewerOf(WORKER, booking('funded'))).toBe('worker');
    expect(viewerOf(ADMIN, booking('funded'))).toBe('admin');
    expect(viewerOf(ADMIN, booking('funded', 0, ADMIN.id))).toBe('client');
    expect(viewerOf({ id: 'stranger', roles: ['consumer'] }, booking('funded'))).toBe('none');
  });
});
