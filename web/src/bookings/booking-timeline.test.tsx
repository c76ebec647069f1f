// @vitest-environment happy-dom
// Who took each step of a booking's history, and of a part's history with a chargeback in it, as both sides read it.
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { I18nProvider } from '../i18n/i18n';
import type { ViewDoc } from '../sync/optimistic';
import { BookingTimeline, PartHistory } from './booking-timeline';
import type { TimelineRow } from './timeline-entries';

afterEach(cleanup);

const CLIENT = 'client-1';
const WORKER = 'worker-1';
const booking = { clientId: CLIENT, workerId: WORKER, clientName: 'Carla Client', workerName: 'Omar Operator' } as ViewDoc<'bookings'>;
const row = (over: Partial<TimelineRow>): TimelineRow => ({ at: '2026-11-22T12:23:39.592Z', event: 'approve_part', status: 'in_progress', by: 'system', actorId: null, pending: false, ...over });

function steps(rows: TimelineRow[], meId: string, locale: 'en' | 'es' = 'en', parts?: ViewDoc<'milestones'>[]) {
  render(
    <I18nProvider initial={locale}>
      <BookingTimeline rows={rows} booking={booking} meId={meId} parts={parts} />
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
  it('in a booking of several parts, names the part each part’s step was about, found by the time both histories share', () => {
    const [t1, t2, t3] = ['2026-11-20T09:00:00.000Z', '2026-11-20T15:00:00.000Z', '2026-11-21T08:00:00.000Z'];
    const part = (description: string, ats: string[]) =>
      ({ description, timeline: ats.map((at) => ({ at, event: 'submit', status: 'submitted', by: 'worker', actorId: WORKER })) }) as unknown as ViewDoc<'milestones'>;
    const rows = [row({ at: t1, event: 'deliver', status: 'delivered', by: 'worker', actorId: WORKER }), row({ at: t2, event: 'approve_part', actorId: CLIENT }), row({ at: t3, event: 'start', by: 'worker', actorId: WORKER, status: 'in_progress' })];
    expect(steps(rows, CLIENT, 'en', [part('Tiles', [t1, t2]), part('Sink', [t3])])).toEqual([
      'Marked delivered by Omar OperatorPart 1: Tiles',
      'Part approved by youPart 1: Tiles',
      // Starting is the booking's, whatever happened to a part at the time.
      'Work started by Omar Operator',
    ]);
    cleanup();
    // One part: the booking's steps are its steps, and saying so would add nothing.
    expect(steps(rows.slice(0, 1), CLIENT, 'es', [part('Tiles', [t1])])).toEqual(['Marcado como entregado por Omar Operator']);
  });

  it('says a chargeback to the client as their own bank’s doing, to the worker as the client’s bank’s, and by nobody', () => {
    const ended = [row({ event: 'part_charged_back', status: 'in_progress' }), row({ event: 'charged_back', status: 'cancelled' })];
    expect(steps(ended, CLIENT)).toEqual(['A part ended: your bank gave its payment back to you', 'Ended: your bank gave the payment back to you']);
    cleanup();
    expect(steps(ended, WORKER)).toEqual(['A part ended: the client’s bank gave its payment back to the client', 'Ended: the client’s bank gave the payment back to the client']);
    cleanup();
    expect(steps(ended, CLIENT, 'es')).toEqual(['Terminó una parte: tu banco te devolvió su pago', 'Terminada: tu banco te devolvió el pago']);
  });
});

describe('PartHistory', () => {
  // A part the client's bank disputed, decided for Fieldwork, disputed again and then decided for the client. The
  // server notes the reason the bank gave (Stripe's code); the second is one Stripe might add later.
  const part = {
    clientId: CLIENT, workerId: WORKER,
    timeline: [
      { at: '2026-11-19T10:00:00.000Z', event: 'submit', status: 'submitted', by: 'worker', actorId: WORKER },
      { at: '2026-11-20T10:00:00.000Z', event: 'bank_dispute_opened', status: 'submitted', by: 'system', actorId: null, note: 'product_not_received' },
      { at: '2026-11-21T10:00:00.000Z', event: 'bank_dispute_won', status: 'submitted', by: 'system', actorId: null },
      { at: '2026-11-22T10:00:00.000Z', event: 'bank_dispute_opened', status: 'submitted', by: 'system', actorId: null, note: 'new_reason_code' },
      { at: '2026-11-23T10:00:00.000Z', event: 'charged_back', status: 'refunded', by: 'system', actorId: null },
    ],
  } as ViewDoc<'milestones'>;

  function partSteps(meId: string, locale: 'en' | 'es', milestone = part) {
    render(
      <I18nProvider initial={locale}>
        <PartHistory milestone={milestone} names={booking} meId={meId} />
      </I18nProvider>,
    );
    return screen.getAllByRole('listitem').map((li) => li.textContent!.replace(li.querySelector('time')!.textContent!, '').trim());
  }

  it('names a chargeback’s steps by what the bank did, from the reader’s side, with no “by Fieldwork”', () => {
    expect(partSteps(CLIENT, 'en')).toEqual([
      'Submitted for approval by Omar Operator',
      'Your bank disputed the paymentReason given: the work was not received',
      'Your bank decided for Fieldwork: the money is held in escrow again',
      'Your bank disputed the payment',
      'Your bank returned the payment to you',
    ]);
    cleanup();
    expect(partSteps(WORKER, 'en')).toEqual([
      'Submitted for approval by you',
      'The client’s bank disputed the paymentReason given: the work was not received',
      'The client’s bank decided for Fieldwork: the money is held in escrow again',
      'The client’s bank disputed the payment',
      'The bank returned the payment to the client',
    ]);
  });

  it('in Spanish too', () => {
    expect(partSteps(CLIENT, 'es').slice(1)).toEqual([
      'Tu banco disputó el pagoMotivo indicado: el trabajo no se recibió',
      'Tu banco decidió a favor de Fieldwork: el dinero vuelve a estar retenido en garantía',
      'Tu banco disputó el pago',
      'Tu banco te devolvió el pago',
    ]);
    cleanup();
    expect(partSteps(WORKER, 'es').slice(1)).toEqual([
      'El banco del cliente disputó el pagoMotivo indicado: el trabajo no se recibió',
      'El banco del cliente decidió a favor de Fieldwork: el dinero vuelve a estar retenido en garantía',
      'El banco del cliente disputó el pago',
      'El banco devolvió el pago al cliente',
    ]);
  });

  // A part released to the worker, then disputed by the client's bank twice: decided for Fieldwork, then for the client.
  const settled = {
    clientId: CLIENT, workerId: WORKER,
    timeline: [
      { at: '2026-11-19T10:00:00.000Z', event: 'approve', status: 'released', by: 'client', actorId: CLIENT },
      { at: '2026-11-20T10:00:00.000Z', event: 'late_bank_dispute_opened', status: 'released', by: 'system', actorId: null, note: 'fraudulent' },
      { at: '2026-11-21T10:00:00.000Z', event: 'late_bank_dispute_won', status: 'released', by: 'system', actorId: null },
      { at: '2026-11-22T10:00:00.000Z', event: 'late_bank_dispute_opened', status: 'released', by: 'system', actorId: null },
      { at: '2026-11-23T10:00:00.000Z', event: 'late_bank_dispute_lost', status: 'released', by: 'system', actorId: null },
    ],
  } as ViewDoc<'milestones'>;

  it('says what the bank did after the part was settled, and that what was paid out stays paid', () => {
    expect(partSteps(CLIENT, 'en', settled).slice(1)).toEqual([
      'Your bank disputed the payment after this part was settled; Fieldwork answers your bankReason given: the card holder says they did not make this payment',
      'Your bank decided your dispute for Fieldwork',
      'Your bank disputed the payment after this part was settled; Fieldwork answers your bank',
      'Your bank decided your dispute for you and returned the payment to you',
    ]);
    cleanup();
    expect(partSteps(WORKER, 'es', settled).slice(1)).toEqual([
      'El banco del cliente disputó el pago cuando esta parte ya estaba cerrada; Fieldwork responde, y lo pagado sigue pagadoMotivo indicado: el titular de la tarjeta dice que no hizo este pago',
      'El banco del cliente decidió a favor de Fieldwork',
      'El banco del cliente disputó el pago cuando esta parte ya estaba cerrada; Fieldwork responde, y lo pagado sigue pagado',
      'El banco del cliente le devolvió el pago; Fieldwork lo asume, y lo pagado sigue pagado',
    ]);
  });
});
