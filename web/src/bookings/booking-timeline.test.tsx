// @vitest-environment happy-dom
// Who took each step of a booking's history, as both sides read it.
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { I18nProvider } from '../i18n/i18n';
import type { ViewDoc } from '../sync/optimistic';
import { BookingTimeline } from './booking-timeline';
import type { TimelineRow } from './timeline-entries';

afterEach(cleanup);

const CLIENT = 'client-1';
const WORKER = 'worker-1';
const booking = { clientId: CLIENT, workerId: WORKER, clientName: 'Carla Client', workerName: 'Omar Operator' } as ViewDoc<'bookings'>;
const row = (over: Partial<TimelineRow>): TimelineRow => ({ at: '2026-11-22T12:23:39.592Z', event: 'approve_part', status: 'in_progress', by: 'system', actorId: null, pending: false, ...over });

function steps(rows: TimelineRow[], meId: string, locale: 'en' | 'es' = 'en') {
  render(
    <I18nProvider initial={locale}>
      <BookingTimeline rows={rows} booking={booking} meId={meId} />
    </I18nProvider>,
  );
  // Each step without its time.
  return screen.getAllByRole('listitem').map((li) => li.textContent!.replace(li.querySelector('time')!.textContent!, '').trim());
}

describe('BookingTimeline', () => {
  it('names the client who approved one part of several, though the server records that step as the system’s', () => {
    // The server's approve_part: by "system", with the client who approved as its actor.
    const approvedPart = row({ actorId: CLIENT });
    expect(steps([approvedPart], WORKER, 'es')).toEqual(['Parte aprobada por Carla Client']);
    cleanup();
    expect(steps([approvedPart], CLIENT)).toEqual(['Part approved by you']);
  });

  it('still says Fieldwork for a step no person took (the review time ran out, a payment confirmed)', () => {
    expect(steps([row({ actorId: null }), row({ event: 'payment_confirmed', status: 'funded' })], WORKER)).toEqual([
      'Part approved by Fieldwork',
      'Payment confirmed by Fieldwork',
    ]);
  });
});
