// @vitest-environment happy-dom
// The booking page's money panel against a real SyncClient on memory storage: escrow status in plain words
// per side, money steps offered as the machines allow, disabled with a sentence while the server cannot be
// reached, each step a command shown as waiting (never predicted) until the server answers, disputes with
// claims, evidence and accepting, and settled amounts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { BehaviorSubject, of } from 'rxjs';
import type { Locale } from '@shared/locales';
import type { StoredDocTypes } from '@shared/rxdb-schemas';
import type { SyncClient } from '../sync/client';
import { closeDevices, decide, issuedCommands, offlineDevice } from '../sync/test-support';
import { renderBookingPage } from './test-support';

const CARLA = '0190a000-0000-7000-8000-000000000001';
const OMAR = '0190a000-0000-7000-8000-000000000010';
const ADA = '0190a000-0000-7000-8000-000000000099';
const BOOKING = '0190a000-0000-7000-8000-0000000000b1';
const MILESTONE = '0190a000-0000-7000-8000-0000000000d1';
const DISPUTE = '0190a000-0000-7000-8000-0000000000e1';
const MESSAGE = '0190a000-0000-7000-8000-0000000000a9';
const T0 = '2026-11-19T10:00:00.000Z';
const usd = (amount: number) => ({ amount, currency: 'USD' as const });

type Profile = StoredDocTypes['profiles'];
type Booking = StoredDocTypes['bookings'];
type Milestone = StoredDocTypes['milestones'];
type Dispute = StoredDocTypes['disputes'];

const profile = (id: string, roles: Profile['roles']): Profile => ({
  id, phone: '', displayName: 'Someone', roles, locale: 'en', bio: '', skills: {}, available: false, updatedAt: T0,
});

const booking = (status: Booking['status'], over: Partial<Booking> = {}): Booking => ({
  id: BOOKING, gigId: '0190a000-0000-7000-8000-0000000000a1', title: 'Fix the tap', clientId: CARLA, clientName: 'Carla Client',
  clientPhone: '+14155550101', workerId: OMAR, workerName: 'Omar Operator', workerPhone: '+14155550110', price: usd(8000), status,
  changeRounds: 0, timeline: [{ at: T0, event: 'created', status: 'awaiting_payment', by: 'worker', actorId: OMAR }],
  createdAt: T0, updatedAt: T0, version: 1, ...over,
});

const milestone = (status: Milestone['status'], over: Partial<Milestone> = {}): Milestone => ({
  id: MILESTONE, bookingId: BOOKING, clientId: CARLA, workerId: OMAR, position: 0, description: 'Fix the tap', amount: usd(8000),
  feeBps: 1000, fee: usd(800), net: usd(7200), status, changeRounds: 0, releasedAmount: usd(0), refundedAmount: usd(0), feeAmount: usd(0),
  timeline: [], createdAt: T0, updatedAt: T0, version: 1, ...over,
});

const dispute = (over: Partial<Dispute> = {}): Dispute => ({
  id: DISPUTE, bookingId: BOOKING, milestoneId: MILESTONE, clientId: CARLA, workerId: OMAR, openedBy: 'client', openedById: CARLA,
  reason: 'The tap still drips', amount: usd(8000), refundAmount: usd(8000), status: 'open', respondBy: '2026-11-24T10:00:00.000Z',
  evidence: [], openedAt: T0, createdAt: T0, updatedAt: T0, version: 1, ...over,
});

/**
 * The clock these pages read, a day after the fixtures' events and days before their disputes' deadlines, whatever
 * day the tests run; it moves on in real time from there.
 */
const NOW = '2026-11-21T12:00:00.000Z';
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(new Date(NOW));
});

afterEach(async () => {
  vi.useRealTimers();
  cleanup();
  await closeDevices();
  // Drafts (chat, evidence) are kept in localStorage: each test starts with none.
  localStorage.clear();
});

/** A device that has synced the booking and its money, now offline (nothing reaches a server). */
async function device(userId: string, roles: Profile['roles'], docs: { booking: Booking; milestone?: Milestone; milestones?: Milestone[]; dispute?: Dispute }) {
  const client = await offlineDevice({ id: userId, roles });
  await client.db.profiles.insert(profile(userId, roles));
  await client.db.bookings.insert(docs.booking);
  if (docs.milestone) await client.db.milestones.insert(docs.milestone);
  if (docs.milestones) await client.db.milestones.bulkInsert(docs.milestones);
  if (docs.dispute) await client.db.disputes.insert(docs.dispute);
  return client;
}

/** The same device as the page sees it while replication is connected. */
function connected(client: SyncClient): SyncClient {
  const status = { ...client.getStatus(), online: true, connected: true };
  return Object.create(client, { status$: { value: of(status) }, getStatus: { value: () => status } }) as SyncClient;
}

const renderPage = (client: SyncClient, locale: Locale = 'en') => renderBookingPage(client, BOOKING, { locale });

const row = () => screen.getByTestId('milestone');
const escrow = () => within(row()).getByTestId('escrow-status');

const approve = () => within(row()).getByRole('button', { name: 'Approve and release $80.00' }) as HTMLButtonElement;

/** The client approves a submitted milestone, with the server answering: the command it became. */
async function approveSubmitted() {
  const client = await device(CARLA, ['consumer'], { booking: booking('delivered'), milestone: milestone('submitted') });
  renderPage(connected(client));
  await waitFor(() => expect(approve().disabled).toBe(false));
  fireEvent.click(approve());
  fireEvent.click(await within(row()).findByRole('button', { name: 'Release $80.00 now' }));
  await waitFor(async () => expect(await issuedCommands(client)).toHaveLength(1));
  const [sent] = await client.db.commands.find().exec();
  return { client, sent: sent! };
}

describe('money panel, client', () => {
  it('offers no payment on a booking being cancelled, the cancel still on its way to the server', async () => {
    const client = await device(CARLA, ['consumer'], { booking: booking('awaiting_payment'), milestone: milestone('agreed') });
    renderPage(connected(client));
    await within(await screen.findByTestId('milestone')).findByRole('button', { name: 'Pay $80.00' });
    // Cancelled offline: the device shows it at once, before the server has it.
    await client.issue('booking.cancel', { bookingId: BOOKING });
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Pay $80.00' })).toBeNull());
  });

  it('says who answered a dispute and what follows, to each side', async () => {
    const answered = dispute({ respondedAt: '2026-11-20T10:00:00.000Z' });
    const clientSide = await device(CARLA, ['consumer'], { booking: booking('disputed'), milestone: milestone('disputed'), dispute: answered });
    renderPage(clientSide);
    expect((await screen.findByText(/answered, so a mediator will decide/)).textContent).toBe(
      'The worker answered, so a mediator will decide, unless they accept your claim first.',
    );
    cleanup();
    await closeDevices();
    const workerSide = await device(OMAR, ['operator'], { booking: booking('disputed'), milestone: milestone('disputed'), dispute: answered });
    renderPage(workerSide, 'es');
    // The card's own sentence ("What you can do" says it too, in its own words).
    expect((await within(await screen.findByTestId('dispute')).findByText(/^Respondiste/)).textContent).toBe(
      'Respondiste, así que la reclamación no se aplica sola: decidirá un mediador, salvo que la aceptes antes.',
    );
  });

  it('tells the worker a disputed part is held even before its dispute reaches the device', async () => {
    const client = await device(OMAR, ['operator'], { booking: booking('disputed'), milestone: milestone('disputed') });
    renderPage(client);
    await waitFor(() => expect(screen.getByTestId('worker-net').textContent).toBe('Held until the dispute is decided; paid in full, you would receive $72.00.'));
  });

  it('shows what the worker wrote with a part handed in, and each part\'s own history with who did what', async () => {
    const second = '0190a000-0000-7000-8000-0000000000d2';
    const parts = [
      milestone('submitted', {
        description: 'Tiles', timeline: [
          { at: T0, event: 'accept', status: 'agreed', by: 'client', actorId: CARLA },
          { at: '2026-11-19T11:00:00.000Z', event: 'payment_confirmed', status: 'funded', by: 'system', actorId: null },
          { at: '2026-11-19T15:00:00.000Z', event: 'submit', status: 'submitted', by: 'worker', actorId: OMAR, note: 'Grout needs a day to dry.' },
        ],
      }),
      milestone('submitted', {
        id: second, position: 1, description: 'Sink', timeline: [
          { at: '2026-11-19T16:00:00.000Z', event: 'submit', status: 'submitted', by: 'worker', actorId: OMAR },
        ],
      }),
    ];
    const client = await device(CARLA, ['consumer'], { booking: booking('delivered'), milestones: parts });
    renderPage(client, 'es');
    const [tiles, sink] = await screen.findAllByTestId('milestone');
    // The note came with the second hand-in of the booking, which moved no booking status: only here.
    expect(within(tiles!).getByTestId('milestone-note').textContent).toBe('Omar Operator: «Grout needs a day to dry.»');
    expect(within(sink!).queryByTestId('milestone-note')).toBeNull();
    const history = within(tiles!).getByTestId('part-history');
    expect(within(history).getByText('Historial de esta parte')).toBeTruthy();
    const steps = within(history).getAllByRole('listitem').map((li) => li.textContent);
    expect(steps).toHaveLength(3);
    expect(steps[0]).toMatch(/^Acordada por ti/);
    expect(steps[1]).toMatch(/^Pagada, retenida en garantía por Fieldwork/);
    expect(steps[2]).toMatch(/^Entregada para aprobación por Omar Operator.*Grout needs a day to dry\.$/);
  });

  it('shows the worker nothing of their own note as news, but the client\'s reasons for changes', async () => {
    const client = await device(OMAR, ['operator'], {
      booking: booking('changes_requested'),
      milestone: milestone('changes_requested', {
        timeline: [
          { at: T0, event: 'submit', status: 'submitted', by: 'worker', actorId: OMAR, note: 'All done' },
          { at: '2026-11-19T12:00:00.000Z', event: 'request_changes', status: 'changes_requested', by: 'client', actorId: CARLA, note: 'The tap still drips' },
        ],
      }),
    });
    renderPage(client);
    await waitFor(() => expect(within(row()).getByTestId('milestone-note').textContent).toBe('Carla Client: “The tap still drips”'));
  });

  it('says a device without a network is offline, and what waits for one', async () => {
    const client = await offlineDevice({ id: CARLA, roles: ['consumer'] }, { online$: of(false) });
    await client.db.profiles.insert(profile(CARLA, ['consumer']));
    await client.db.bookings.insert(booking('awaiting_payment'));
    await client.db.milestones.insert(milestone('agreed'));
    renderPage(client);
    expect((await screen.findByTestId('money-offline')).textContent).toMatch(/^You are offline\. Paying, submitting, approving, payment plans and disputes need a connection/);
  });

  it('shows what paying costs and who pays the fee; unconnected, paying is disabled with a sentence and the chat still works', async () => {
    const client = await device(CARLA, ['consumer'], { booking: booking('awaiting_payment'), milestone: milestone('agreed') });
    renderPage(client);
    await waitFor(() => expect(escrow().textContent).toBe('Waiting for payment'));
    expect(escrow().dataset.status).toBe('agreed');
    expect(row().textContent).toContain('Platform fee (10%), paid from the worker’s share: $8.00');
    const pay = within(row()).getByRole('button', { name: 'Pay $80.00' }) as HTMLButtonElement;
    expect(pay.disabled).toBe(true);
    // The platform says online and the server has not answered yet: said as the status line says it.
    expect(screen.getByTestId('money-offline').textContent).toMatch(/^Connecting to the server… Paying, submitting, approving, payment plans and disputes wait for it/);
    // The rest of the page works offline: a message is written and waits.
    fireEvent.change(screen.getByLabelText('Message'), { target: { value: 'Paying tonight' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(async () => expect((await issuedCommands(client)).map((c) => c.type)).toEqual(['message.send']));
  });

  it('back from paying a part a new plan replaced meanwhile, says that payment is sent back and to pay the parts as they are now', async () => {
    const NEW = '0190a000-0000-7000-8000-0000000000d2';
    const replaced = milestone('cancelled');
    const current = milestone('agreed', { id: NEW, position: 1, amount: usd(5000), fee: usd(500), net: usd(4500) });
    const client = await device(CARLA, ['consumer'], { booking: booking('awaiting_payment'), milestones: [replaced, current] });
    renderBookingPage(connected(client), BOOKING, { search: `paid=${MILESTONE}` });
    expect((await screen.findByTestId('paid-replaced')).textContent).toBe(
      'The part you just paid for had been replaced by a new plan, so that payment is sent back to you in full. Pay for the parts as they stand now, below.',
    );
    await within(await screen.findByTestId('milestone')).findByRole('button', { name: 'Pay $50.00' });
  });

  it('with a connection offers paying, and after the checkout says the payment is on its way until it is confirmed', async () => {
    const client = await device(CARLA, ['consumer'], { booking: booking('awaiting_payment'), milestone: milestone('payment_pending', { paymentExpiresAt: '2026-11-19T11:00:00.000Z' }) });
    const memory = renderBookingPage(connected(client), BOOKING, { search: `paid=${MILESTONE}` });
    const again = (await within(await screen.findByTestId('milestone')).findByRole('button', { name: 'Continue to payment' })) as HTMLButtonElement;
    expect(again.disabled).toBe(false);
    expect(screen.queryByTestId('money-offline')).toBeNull();
    expect(row().textContent).toContain('Payment sent. This part shows as paid as soon as the payment provider confirms it.');
    // The way back to the checkout stays, for a payment that did not go through, but not as the next step.
    expect(again.className).toBe('btn');
    expect(within(screen.getByTestId('fund')).getAllByText(/./, { selector: 'p.hint' }).map((p) => p.textContent)).toEqual([
      'Only if you did not complete the payment: go back to the payment page here.',
      expect.stringMatching(/^The payment page stays open until /),
    ]);
    // The query leaves the address at once: a reload, or a visit through history after the checkout lapsed, says nothing was sent.
    await waitFor(() => expect(memory.history!.at(-1)).toBe(`/b/${BOOKING}`));
    expect(memory.history).toHaveLength(1);
    expect(row().textContent).toContain('Payment sent.');
    // The provider's confirmation arrives by replication.
    await client.db.milestones.upsert(milestone('funded', { fundedAt: T0, updatedAt: '2026-11-19T10:05:00.000Z', version: 2 }));
    await waitFor(() => expect(escrow().textContent).toBe('Paid — held in escrow'));
    expect(row().textContent).not.toContain('Payment sent');
    expect(within(row()).queryByRole('button', { name: /Pay|Continue/ })).toBeNull();
  });

  it('offers the checkout left open as the next step when the client did not come back from it paid', async () => {
    const client = await device(CARLA, ['consumer'], { booking: booking('awaiting_payment'), milestone: milestone('payment_pending', { paymentExpiresAt: '2026-11-19T11:00:00.000Z' }) });
    renderBookingPage(connected(client), BOOKING);
    const again = (await within(await screen.findByTestId('milestone')).findByRole('button', { name: 'Continue to payment' })) as HTMLButtonElement;
    expect(again.className).toBe('btn btn-primary');
    expect(row().textContent).toContain('Fieldwork holds your money until you approve the work.');
    expect(row().textContent).not.toContain('Payment sent');
    expect(row().textContent).not.toContain('Only if you did not complete the payment');
  });

  it('lets the worker hand in another part while one waits for review, as the server takes it', async () => {
    const second = '0190a000-0000-7000-8000-0000000000d2';
    const client = await device(OMAR, ['consumer', 'operator'], {
      booking: booking('delivered'),
      milestones: [
        milestone('submitted', { description: 'Sink', submittedAt: T0, autoApproveAt: '2026-11-22T10:00:00.000Z' }),
        milestone('funded', { id: second, position: 1, description: 'Shower', fundedAt: T0 }),
      ],
    });
    renderPage(connected(client));
    const shower = (await screen.findAllByTestId('milestone')).find((m) => m.textContent?.includes('Shower'))!;
    const submit = (await within(shower).findByRole('button', { name: 'Submit for approval' })) as HTMLButtonElement;
    expect(submit.disabled).toBe(false);
    // The section says where the step is, rather than that there is nothing to do.
    const actions = screen.getByRole('region', { name: 'What you can do' });
    expect(within(actions).getByTestId('no-actions').textContent).toBe('Your next step is under Payment, part by part.');
    fireEvent.click(submit);
    await waitFor(async () => expect(await issuedCommands(client)).toEqual([{ type: 'milestone.submit', status: 'pending', payload: { milestoneId: second } }]));
  });

  it('approves a submitted milestone after a confirm step, as one command shown waiting, not predicted, until the server answers', async () => {
    const autoApproveAt = '2026-11-22T10:00:00.000Z';
    const client = await device(CARLA, ['consumer'], { booking: booking('delivered'), milestone: milestone('submitted', { submittedAt: T0, autoApproveAt }) });
    renderPage(connected(client));
    await waitFor(() => expect(escrow().textContent).toMatch(/^Submitted — auto-approves on Nov 22, 2026/));
    // The booking's own Approve and Request changes give way to the milestone's.
    const actions = screen.getByRole('region', { name: 'What you can do' });
    expect(within(actions).queryByRole('button', { name: 'Approve' })).toBeNull();
    // ...and the section says where they went, rather than that there is nothing to do.
    expect(within(actions).getByTestId('no-actions').textContent).toBe('Your next step is under Payment, part by part.');

    // Releasing the money cannot be undone: a question first, and nothing sent until it is answered.
    fireEvent.click(within(row()).getByRole('button', { name: 'Approve and release $80.00' }));
    expect(await within(row()).findByText('Approve the work and release $80.00 to the worker? This cannot be undone.')).toBeTruthy();
    expect(await issuedCommands(client)).toEqual([]);
    fireEvent.click(within(row()).getByRole('button', { name: 'Not yet' }));
    expect(within(row()).queryByText(/This cannot be undone/)).toBeNull();
    fireEvent.click(within(row()).getByRole('button', { name: 'Approve and release $80.00' }));
    const release = await within(row()).findByRole('button', { name: 'Release $80.00 now' });
    fireEvent.click(release);
    fireEvent.click(release);
    // It names the hand-in it approves: one handed in again meanwhile is not approved unseen.
    await waitFor(async () => expect(await issuedCommands(client)).toEqual([{ type: 'milestone.approve', status: 'pending', payload: { milestoneId: MILESTONE, submittedAt: T0 } }]));
    await waitFor(() => expect(within(escrow()).getByTestId('pending-mark')).toBeTruthy());
    expect(escrow().dataset.status).toBe('submitted');
    expect((within(row()).getByRole('button', { name: 'Approve and release $80.00' }) as HTMLButtonElement).disabled).toBe(true);
    await waitFor(() => expect(within(row()).getByTestId('money-notice').textContent).toBe('Sent. Waiting for the server to confirm it.'));

    const [sent] = await client.db.commands.find().exec();
    await client.db.milestones.upsert(milestone('released', { releasedAmount: usd(8000), feeAmount: usd(800), settledAt: T0, version: 4 }));
    await decide(client, sent!.id, { status: 'applied' });
    await waitFor(() => expect(escrow().textContent).toBe('Released to the worker'));
    await waitFor(() => expect(within(row()).getByTestId('money-notice').textContent).toBe('Done: the server confirmed it.'));
    expect(within(row()).queryAllByRole('button')).toEqual([]);
    expect(await client.db.commands.count().exec()).toBe(1);
  });

  it('says a step is kept on the device, not sent, when the connection goes before it could be sent', async () => {
    const client = await device(CARLA, ['consumer'], { booking: booking('delivered'), milestone: milestone('submitted') });
    const status$ = new BehaviorSubject({ ...client.getStatus(), online: true, connected: true });
    renderPage(Object.create(client, { status$: { value: status$ }, getStatus: { value: () => status$.value } }) as SyncClient);
    await waitFor(() => expect(approve().disabled).toBe(false));
    fireEvent.click(approve());
    fireEvent.click(await within(row()).findByRole('button', { name: 'Release $80.00 now' }));
    await waitFor(() => expect(within(row()).getByTestId('money-notice').textContent).toBe('Sent. Waiting for the server to confirm it.'));
    status$.next({ ...status$.value, online: false, connected: false });
    await waitFor(() =>
      expect(within(row()).getByTestId('money-notice').textContent).toBe(
        'Not confirmed yet: the connection dropped. If it reached Fieldwork, it is done; if not, it is kept on this device and goes when you are back online. Either way it happens only once.',
      ),
    );
  });

  it('keeps a step’s buttons disabled after the server applied it until the milestone it changed arrives', async () => {
    const { client, sent } = await approveSubmitted();

    // "Applied" comes back first; the released milestone is still on its way (a slow network).
    await decide(client, sent.id, { status: 'applied' });
    await waitFor(() => expect(within(escrow()).queryByTestId('pending-mark')).toBeNull());
    expect(escrow().dataset.status).toBe('submitted');
    expect(within(row()).getByTestId('money-notice').textContent).toBe('Sent. Waiting for the server to confirm it.');
    expect(approve().disabled).toBe(true);
    expect((within(row()).getByRole('button', { name: 'Request changes' }) as HTMLButtonElement).disabled).toBe(true);
    expect((within(row()).getByRole('button', { name: 'Open a dispute' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(approve());
    expect(within(row()).queryByRole('button', { name: 'Release $80.00 now' })).toBeNull();
    expect(await client.db.commands.count().exec()).toBe(1);

    await client.db.milestones.upsert(milestone('released', { releasedAmount: usd(8000), feeAmount: usd(800), settledAt: T0, version: 2 }));
    await waitFor(() => expect(escrow().textContent).toBe('Released to the worker'));
    expect(within(row()).getByTestId('money-notice').textContent).toBe('Done: the server confirmed it.');
  });

  it('frees the step again when the server refuses it', async () => {
    const { client, sent } = await approveSubmitted();
    await waitFor(() => expect(approve().disabled).toBe(true));
    await decide(client, sent.id, { status: 'rejected', code: 'invalid_state', message: 'x' });
    await waitFor(() => expect(approve().disabled).toBe(false));
  });

  it('says a step could not be kept on the device, sends nothing, and leaves the question to answer again', async () => {
    const client = await device(CARLA, ['consumer'], { booking: booking('delivered'), milestone: milestone('submitted', { submittedAt: T0, autoApproveAt: T0 }) });
    const full = Object.create(connected(client), {
      issue: { value: () => Promise.reject(new Error('the disk is full')) },
    }) as SyncClient;
    renderPage(full);
    fireEvent.click(await within(await screen.findByTestId('milestone')).findByRole('button', { name: 'Approve and release $80.00' }));
    fireEvent.click(await within(row()).findByRole('button', { name: 'Release $80.00 now' }));
    expect((await within(row()).findByRole('alert')).textContent).toBe('This step could not be saved on this device (the disk is full), so it was not sent. Try again.');
    expect((within(row()).getByRole('button', { name: 'Release $80.00 now' }) as HTMLButtonElement).disabled).toBe(false);
    expect(await issuedCommands(client)).toEqual([]);
  });

  it('asks what needs to change before requesting changes, and opens a dispute with a claim it checks first', async () => {
    // Still within its review window: past it, neither step is offered.
    const client = await device(CARLA, ['consumer'], { booking: booking('delivered'), milestone: milestone('submitted', { autoApproveAt: '2099-01-01T10:00:00.000Z' }) });
    renderPage(connected(client));
    fireEvent.click(await within(await screen.findByTestId('milestone')).findByRole('button', { name: 'Request changes' }));
    expect((await within(row()).findByRole('alert')).textContent).toBe('Please say what needs to change.');
    expect(await issuedCommands(client)).toEqual([]);

    fireEvent.click(within(row()).getByRole('button', { name: 'Open a dispute' }));
    const form = within(row()).getByRole('form', { name: 'Open a dispute' });
    const claim = within(form).getByLabelText('How much should be refunded to you?') as HTMLInputElement;
    expect(claim.value).toBe('80.00');
    fireEvent.change(within(form).getByLabelText('What went wrong?'), { target: { value: 'It still leaks' } });
    fireEvent.change(claim, { target: { value: '95' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Open dispute' }));
    expect((await within(form).findByRole('alert')).textContent).toBe('Enter an amount between $0.01 and $80.00.');
    // Typed so that it is not read as an amount: said why, not as if it were out of range.
    fireEvent.change(claim, { target: { value: '30.5055' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Open dispute' }));
    expect((await within(form).findByRole('alert')).textContent).toBe('Use at most 2 digits after the decimal point.');
    fireEvent.change(claim, { target: { value: '1,000.00' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Open dispute' }));
    expect((await within(form).findByRole('alert')).textContent).toBe('Type the amount without separators for thousands, such as 1000 or 1000.50.');
    expect(await issuedCommands(client)).toEqual([]);

    fireEvent.change(claim, { target: { value: '30' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Open dispute' }));
    // Asked once, with the claim as read: nothing goes out until the client says yes.
    expect(within(form).getByTestId('dispute-question').textContent).toBe(
      'Open this dispute? If the claim applies, $30.00 comes back to you and $50.00 goes to the worker. The worker can accept it or answer it; without an answer in time, it applies.',
    );
    expect(await issuedCommands(client)).toEqual([]);
    // Changing the claim takes the question back; asked again, then confirmed.
    fireEvent.change(claim, { target: { value: '3' } });
    expect(within(form).queryByTestId('dispute-question')).toBeNull();
    fireEvent.change(claim, { target: { value: '30' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Open dispute' }));
    fireEvent.click(within(form).getByRole('button', { name: 'Yes, open the dispute' }));
    await waitFor(async () => expect((await issuedCommands(client)).map((c) => c.type)).toEqual(['dispute.open']));
    const [open] = await issuedCommands(client);
    expect(open!.payload).toMatchObject({ milestoneId: MILESTONE, reason: 'It still leaks', refundAmount: 3000 });
    expect(open!.payload.disputeId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    await waitFor(() => expect(within(escrow()).getByTestId('pending-mark')).toBeTruthy());
  });
});

describe('money panel, a dispute’s money said to its reader', () => {
  const norm = (text: string | null) => text!.replace(/\u00a0/g, ' ');
  /** Accepting the claim on the page: the question it asks first. */
  async function acceptQuestion(acceptName: string) {
    const box = await screen.findByTestId('dispute');
    const accept = within(box).getByRole('button', { name: acceptName }) as HTMLButtonElement;
    await waitFor(() => expect(accept.disabled).toBe(false));
    fireEvent.click(accept);
    return norm((await within(box).findByText(/^(Accept the claim\?|¿Aceptar la reclamación\?)/)).textContent);
  }

  it('tells the client the claim and what accepting gives back as their own money, in Spanish too', async () => {
    const own = await device(CARLA, ['consumer'], { booking: booking('disputed'), milestone: milestone('disputed'), dispute: dispute({ refundAmount: usd(3000) }) });
    renderPage(own);
    expect((await screen.findByTestId('dispute-claim')).textContent).toBe('Claim: $30.00 back to you, $50.00 to the worker.');
    cleanup();
    await closeDevices();

    // The worker's claim, which the client may accept.
    const theirs = dispute({ openedBy: 'worker', openedById: OMAR, refundAmount: usd(3000) });
    for (const [locale, accept, question] of [
      ['en', 'Accept the claim', 'Accept the claim? $30.00 comes back to you and $50.00 goes to the worker. This cannot be undone.'],
      ['es', 'Aceptar la reclamación', '¿Aceptar la reclamación? 30,00 US$ se te devuelven y 50,00 US$ van al trabajador. No se puede deshacer.'],
    ] as const) {
      const client = await device(CARLA, ['consumer'], { booking: booking('disputed'), milestone: milestone('disputed'), dispute: theirs });
      renderPage(connected(client), locale);
      expect(await acceptQuestion(accept)).toBe(question);
      cleanup();
      await closeDevices();
    }
  });

  it('tells the worker in Spanish what they receive, the amounts taking a plural verb', async () => {
    const amounts = { amount: usd(123_450), fee: usd(12_345), net: usd(111_105) };
    const client = await device(OMAR, ['operator'], {
      booking: booking('disputed', { price: usd(123_450) }),
      milestone: milestone('disputed', amounts),
      dispute: dispute({ amount: usd(123_450), refundAmount: usd(30_075) }),
    });
    renderPage(connected(client), 'es');
    // $933.75 released: its 10% fee rounds half to even, to $93.38.
    expect(await acceptQuestion('Aceptar la reclamación')).toBe(
      '¿Aceptar la reclamación? 300,75 US$ vuelven al cliente y recibes 840,37 US$ después de la comisión de 93,38 US$. No se puede deshacer.',
    );
    expect(norm(screen.getByTestId('worker-net').textContent)).toContain('Si se aplica la reclamación, 300,75 US$ vuelven al cliente y recibes 840,37 US$');
  });
});

describe('money panel, worker', () => {
  it('offers to drop a part not paid for once work has started, asking first, with an optional reason', async () => {
    const SECOND = '0190a000-0000-7000-8000-0000000000d2';
    const done = milestone('released', { releasedAmount: usd(8000), feeAmount: usd(800) });
    const unpaid = milestone('agreed', { id: SECOND, position: 1, description: 'New lights', amount: usd(6000), fee: usd(600), net: usd(5400) });
    const client = await device(OMAR, ['operator'], { booking: booking('in_progress'), milestones: [done, unpaid] });
    renderPage(connected(client));
    const rows = await screen.findAllByTestId('milestone');
    // Only the unpaid part offers it; the released one has nothing left to drop.
    expect(within(rows[0]!).queryByRole('button', { name: 'Drop this unpaid part' })).toBeNull();
    fireEvent.click(within(rows[1]!).getByRole('button', { name: 'Drop this unpaid part' }));
    expect(rows[1]!.textContent).toContain('Drop this part ($60.00)? It is not paid for, so you will not do it or be paid for it, and the client is told.');
    expect(await issuedCommands(client)).toEqual([]);
    fireEvent.change(within(rows[1]!).getByLabelText('Why (optional; the other side reads it)'), { target: { value: 'Not paid after two weeks' } });
    fireEvent.click(within(rows[1]!).getByRole('button', { name: 'Drop the part' }));
    await waitFor(async () =>
      expect(await issuedCommands(client)).toEqual([{ type: 'milestone.withdraw', status: 'pending', payload: { milestoneId: SECOND, reason: 'Not paid after two weeks' } }]),
    );
  });

  it('lets the worker stop work under way and give back what is held, asking first with the amount and a reason', async () => {
    const SECOND = '0190a000-0000-7000-8000-0000000000d2';
    const done = milestone('released', { releasedAmount: usd(8000), feeAmount: usd(800) });
    const handedIn = milestone('submitted', { id: SECOND, position: 1, description: 'New lights', amount: usd(6000), fee: usd(600), net: usd(5400) });
    const omar = await device(OMAR, ['operator'], { booking: booking('delivered'), milestones: [done, handedIn] });
    renderPage(connected(omar));
    const actions = await screen.findByTestId('booking-actions');
    fireEvent.click(await within(actions).findByRole('button', { name: 'Stop and give the money back' }));
    // What goes back is what is held now (the part handed in), not what was already released to the worker.
    expect(actions.textContent).toContain('Stop work on this booking? The $60.00 still held for it goes back to the client, and the booking ends. What was already paid to you stays yours.');
    // The worker waits for the client's review: stopping is a way out, not a step to take, and the page still says so.
    expect(within(actions).getByTestId('no-actions').textContent).toBe('Nothing for you to do right now.');
    fireEvent.click(within(actions).getByRole('button', { name: 'Yes, stop work' }));
    expect(await within(actions).findByText('Say why you are stopping: the client reads it.')).toBeTruthy();
    expect(await issuedCommands(omar)).toEqual([]);
    fireEvent.change(within(actions).getByLabelText('Why are you stopping? The client reads it.'), { target: { value: 'Hurt my back' } });
    fireEvent.click(within(actions).getByRole('button', { name: 'Yes, stop work' }));
    await waitFor(async () => expect(await issuedCommands(omar)).toEqual([{ type: 'booking.give_back', status: 'pending', payload: { bookingId: BOOKING, reason: 'Hurt my back', held: 6000 } }]));
    cleanup();
    await closeDevices();

    // Not to the client, whose way out once work has started is a dispute; and not offline, as it refunds.
    const carla = await device(CARLA, ['consumer'], { booking: booking('delivered'), milestones: [done, handedIn] });
    renderPage(connected(carla));
    expect(await screen.findByRole('button', { name: 'Approve and release $60.00' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Stop and give the money back' })).toBeNull();
    cleanup();
    await closeDevices();
    const offline = await device(OMAR, ['operator'], { booking: booking('in_progress'), milestones: [done, milestone('funded', { id: SECOND, position: 1, description: 'New lights', amount: usd(6000) })] });
    renderPage(offline);
    expect(((await screen.findByRole('button', { name: 'Stop and give the money back' })) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('give-back-offline').textContent).toBe('You are offline. Giving the money back refunds the client, so it needs a connection.');
    cleanup();
    await closeDevices();

    // Between parts, the next not paid for: nothing is held, so nothing is said to go back, and the step says what it does.
    const between = await device(OMAR, ['operator'], { booking: booking('in_progress'), milestones: [done, milestone('agreed', { id: SECOND, position: 1, description: 'New lights', amount: usd(6000) })] });
    renderPage(connected(between));
    fireEvent.click(await screen.findByRole('button', { name: 'Stop work' }));
    expect(screen.getByTestId('booking-actions').textContent).toContain(
      'Stop work on this booking? No money is held for it now, so none moves; the booking ends. Its parts not paid for are dropped. What was already paid to you stays yours. This cannot be undone.',
    );
    fireEvent.change(screen.getByLabelText('Why are you stopping? The client reads it.'), { target: { value: 'Moving away' } });
    fireEvent.click(screen.getByRole('button', { name: 'Yes, stop work' }));
    // What it saw held goes with it: a part paid meanwhile makes the server refuse it rather than refund unseen money.
    await waitFor(async () => expect(await issuedCommands(between)).toEqual([{ type: 'booking.give_back', status: 'pending', payload: { bookingId: BOOKING, reason: 'Moving away', held: 0 } }]));
  });

  it('says a booking its worker gave back as that, not as cancelled, with the step in its history', async () => {
    const given = { at: NOW, event: 'give_back', status: 'cancelled' as const, by: 'worker' as const, actorId: OMAR, note: 'Hurt my back' };
    const ended = booking('cancelled', { timeline: [...booking('cancelled').timeline, given] });
    const part = milestone('refunded', { refundedAmount: usd(8000), timeline: [{ at: NOW, event: 'give_back', status: 'refunded', by: 'worker', actorId: OMAR, note: 'Hurt my back' }] });
    const carla = await device(CARLA, ['consumer'], { booking: ended, milestone: part });
    renderPage(carla);
    expect((await screen.findByTestId('booking-status')).textContent).toBe('Status: Stopped by the worker');
    const history = within(screen.getByTestId('timeline')).getAllByRole('listitem').map((li) => li.textContent);
    expect(history.at(-1)).toMatch(/^Work stopped by Omar Operator/);
    const steps = within(within(row()).getByTestId('part-history')).getAllByRole('listitem').map((li) => li.textContent);
    expect(steps.at(-1)).toMatch(/^Given back to the client by Omar Operator/);
  });

  it('says where an ended booking’s money went in all, from where each side stands', async () => {
    const SECOND = '0190a000-0000-7000-8000-0000000000d2';
    const parts = [
      milestone('released', { releasedAmount: usd(8000), feeAmount: usd(800) }),
      milestone('refunded', { id: SECOND, position: 1, description: 'New lights', amount: usd(6000), fee: usd(600), net: usd(5400), refundedAmount: usd(6000) }),
    ];
    const carla = await device(CARLA, ['consumer'], { booking: booking('cancelled'), milestones: parts });
    renderPage(carla);
    expect((await screen.findByTestId('money-outcome')).textContent).toBe('In all: $80.00 paid to the worker and $60.00 refunded to you.');
    cleanup();
    await closeDevices();
    const omar = await device(OMAR, ['operator'], { booking: booking('cancelled'), milestones: parts });
    renderPage(omar, 'es');
    expect((await screen.findByTestId('money-outcome')).textContent).toBe('En total: 72,00\u00a0US$ para ti después de la comisión de 8,00\u00a0US$ y 60,00\u00a0US$ devueltos al cliente.');
    cleanup();
    await closeDevices();
    // A settled part whose payment the bank disputed afterwards: what it returned is not known here, so no sum is said.
    const lateBank = { at: NOW, event: 'late_bank_dispute_lost', status: 'released' as const, by: 'system' as const, actorId: null };
    const disputedLate = await device(CARLA, ['consumer'], { booking: booking('cancelled'), milestones: [{ ...parts[0]!, timeline: [lateBank] }, parts[1]!] });
    renderPage(disputedLate);
    await screen.findAllByTestId('milestone');
    expect(screen.queryByTestId('money-outcome')).toBeNull();
    cleanup();
    await closeDevices();
    // A booking of one part, released: its row says it all.
    const done = await device(CARLA, ['consumer'], { booking: booking('completed'), milestone: parts[0] });
    renderPage(done);
    await screen.findByTestId('milestone');
    expect(screen.queryByTestId('money-outcome')).toBeNull();
  });

  it('keeps a part dropped while the work went on on the booking, said as dropped, by whom and why, where a replaced part goes', async () => {
    const [DROPPED, REPLACED] = ['0190a000-0000-7000-8000-0000000000d2', '0190a000-0000-7000-8000-0000000000d3'];
    const agreed = { at: T0, event: 'accept', status: 'agreed' as const, by: 'client', actorId: CARLA };
    const parts = [
      milestone('released', { releasedAmount: usd(8000), feeAmount: usd(800) }),
      milestone('cancelled', {
        id: DROPPED, position: 1, description: 'New lights', amount: usd(6000), fee: usd(600), net: usd(5400),
        timeline: [agreed, { at: NOW, event: 'withdraw', status: 'cancelled', by: 'worker', actorId: OMAR, note: 'Not paid after two weeks' }],
      }),
      milestone('cancelled', {
        id: REPLACED, position: 2, description: 'Old plan', amount: usd(9000),
        timeline: [agreed, { at: T0, event: 'cancel', status: 'cancelled', by: 'client', actorId: CARLA, note: 'Replaced by a new payment plan.' }],
      }),
    ];
    const carla = await device(CARLA, ['consumer'], { booking: booking('completed'), milestones: parts });
    renderPage(carla);
    const rows = await screen.findAllByTestId('milestone');
    expect(rows.map((r) => r.dataset.status)).toEqual(['released', 'cancelled']);
    expect(within(rows[1]!).getByRole('heading').textContent).toBe('Part 2: New lights');
    expect(within(rows[1]!).getByTestId('escrow-status').textContent).toBe('Dropped by Omar Operator — not paid for, no money moved');
    expect(within(rows[1]!).getByTestId('milestone-note').textContent).toBe('Omar Operator: “Not paid after two weeks”');
    expect(within(rows[1]!).queryByRole('button')).toBeNull();
    const steps = within(within(rows[1]!).getByTestId('part-history')).getAllByRole('listitem').map((li) => li.textContent);
    expect(steps[1]).toMatch(/^Dropped by Omar Operator/);
    cleanup();

    const omar = await device(OMAR, ['operator'], { booking: booking('completed'), milestones: parts });
    renderPage(omar, 'es');
    const [released, dropped] = await screen.findAllByTestId('milestone');
    // Said to the worker as theirs: not "released to the worker" over "you received".
    expect(within(released!).getByTestId('escrow-status').textContent).toBe('Liberado para ti');
    expect(within(dropped!).getByTestId('escrow-status').textContent).toBe('Quitada por ti: sin pagar, no se movió dinero');
    expect(within(dropped!).getByTestId('milestone-note').textContent).toBe('Tú: «Not paid after two weeks»');
    // Nothing to receive for it: no line about pay.
    expect(within(dropped!).queryByTestId('worker-net')).toBeNull();
  });

  it('does not offer to drop an unpaid part before work starts: the plan is changed then', async () => {
    const client = await device(OMAR, ['operator'], { booking: booking('funded'), milestone: milestone('agreed') });
    renderPage(connected(client));
    await screen.findAllByTestId('milestone');
    expect(screen.queryByRole('button', { name: 'Drop this unpaid part' })).toBeNull();
  });

  it('submits funded work with a note, after saying what it will receive; before the work starts it says to start first', async () => {
    const client = await device(OMAR, ['operator'], { booking: booking('funded'), milestone: milestone('funded', { fundedAt: T0 }) });
    renderPage(connected(client));
    await waitFor(() => expect(escrow().textContent).toBe('Paid — held in escrow'));
    expect(within(row()).getByTestId('worker-net').textContent).toBe('You receive $72.00 after the $8.00 platform fee (10%).');
    expect(row().textContent).toContain('Start the work (under “What you can do”) before submitting it.');
    expect(within(row()).queryByRole('button', { name: 'Submit for approval' })).toBeNull();

    // Started (as the server now has it): the booking's Mark delivered gives way to the milestone's Submit.
    await client.db.bookings.upsert(booking('in_progress', { version: 2 }));
    const submit = await within(row()).findByRole('button', { name: 'Submit for approval' });
    expect(screen.queryByRole('button', { name: 'Mark delivered' })).toBeNull();
    fireEvent.change(within(row()).getByLabelText('Note for the client (optional)'), { target: { value: 'New washer fitted' } });
    fireEvent.click(submit);
    await waitFor(async () =>
      expect(await issuedCommands(client)).toEqual([{ type: 'milestone.submit', status: 'pending', payload: { milestoneId: MILESTONE, note: 'New washer fitted' } }]),
    );
    await waitFor(() => expect(within(escrow()).getByTestId('pending-mark')).toBeTruthy());
    expect(escrow().textContent).toContain('Paid — held in escrow');
  });

  it('keeps a hand-in note and a dispute being written through reloads with and without a connection, and forgets them once the part has moved on', async () => {
    const client = await device(OMAR, ['operator'], { booking: booking('in_progress'), milestone: milestone('funded', { fundedAt: T0 }) });
    renderPage(connected(client));
    fireEvent.change(await within(await screen.findByTestId('milestone')).findByLabelText('Note for the client (optional)'), { target: { value: 'Washer fitted, tap tested' } });
    fireEvent.click(within(row()).getByRole('button', { name: 'Open a dispute' }));
    fireEvent.change(within(row()).getByLabelText('What went wrong?'), { target: { value: 'The client changed the job' } });

    // The connection went and the page was reloaded (the app updated, the phone closed it), then the connection
    // came back: what was written is there each time, the dispute form open on it.
    for (const page of [client, connected(client)]) {
      cleanup();
      renderPage(page);
      expect(((await within(await screen.findByTestId('milestone')).findByLabelText('Note for the client (optional)')) as HTMLTextAreaElement).value).toBe('Washer fitted, tap tested');
      expect((within(row()).getByLabelText('What went wrong?') as HTMLTextAreaElement).value).toBe('The client changed the job');
    }
    fireEvent.click(within(row()).getByRole('button', { name: 'Submit for approval' }));
    await waitFor(async () =>
      expect(await issuedCommands(client)).toEqual([{ type: 'milestone.submit', status: 'pending', payload: { milestoneId: MILESTONE, note: 'Washer fitted, tap tested' } }]),
    );

    // Sent: the note is no longer a draft. The dispute's is, until the part it was about is handed in.
    await waitFor(() => expect(Object.keys(localStorage).filter((k) => k.includes('.submit.'))).toEqual([]));
    expect(Object.keys(localStorage).filter((k) => k.includes('.dispute.'))).toHaveLength(1);
    await client.db.milestones.upsert(milestone('submitted', { fundedAt: T0, submittedAt: NOW, version: 2 }));
    await waitFor(() => expect(Object.keys(localStorage).filter((k) => k.startsWith('fw.draft.'))).toEqual(['fw.draft.' + client.db.name + '.dispute.' + MILESTONE]));
    await client.db.milestones.upsert(milestone('released', { fundedAt: T0, submittedAt: NOW, releasedAmount: usd(8000), feeAmount: usd(800), version: 3 }));
    await waitFor(() => expect(Object.keys(localStorage).filter((k) => k.startsWith('fw.draft.'))).toEqual([]));
  });

  it('claims the pay it should get released, which the command carries as what goes back to the client', async () => {
    const client = await device(OMAR, ['operator'], { booking: booking('in_progress'), milestone: milestone('funded') });
    renderPage(connected(client));
    fireEvent.click(await within(await screen.findByTestId('milestone')).findByRole('button', { name: 'Open a dispute' }));
    const form = within(row()).getByRole('form', { name: 'Open a dispute' });
    fireEvent.change(within(form).getByLabelText('What went wrong?'), { target: { value: 'The client added a second tap' } });
    fireEvent.change(within(form).getByLabelText('How much should be released to you?'), { target: { value: '60' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Open dispute' }));
    // The fee is on what is released: 10% of $60.00.
    expect(within(form).getByTestId('dispute-question').textContent).toBe(
      'Open this dispute? If the claim applies, $20.00 goes back to the client and $60.00 is released to you: you receive $54.00 after the $6.00 platform fee. The client can accept it or answer it; without an answer in time, it applies.',
    );
    fireEvent.click(within(form).getByRole('button', { name: 'Yes, open the dispute' }));
    await waitFor(async () => expect((await issuedCommands(client)).map((c) => c.type)).toEqual(['dispute.open']));
    expect((await issuedCommands(client))[0]!.payload).toMatchObject({ milestoneId: MILESTONE, refundAmount: 2000 });
  });

  it('in KWD claims at least 0.010 and in steps of 0.010, each refusal in its own sentence', async () => {
    const kwd = (amount: number) => ({ amount, currency: 'KWD' as const });
    const held = milestone('funded', { amount: kwd(10_000), fee: kwd(1_000), net: kwd(9_000), releasedAmount: kwd(0), refundedAmount: kwd(0), feeAmount: kwd(0) });
    const client = await device(OMAR, ['operator'], { booking: booking('in_progress', { price: kwd(10_000) }), milestone: held });
    renderPage(connected(client));
    fireEvent.click(await within(await screen.findByTestId('milestone')).findByRole('button', { name: 'Open a dispute' }));
    const form = within(row()).getByRole('form', { name: 'Open a dispute' });
    const claim = within(form).getByLabelText('How much should be released to you?');
    fireEvent.change(within(form).getByLabelText('What went wrong?'), { target: { value: 'The client added a second tap' } });
    const refusal = async (typed: string) => {
      fireEvent.change(claim, { target: { value: typed } });
      fireEvent.click(within(form).getByRole('button', { name: 'Open dispute' }));
      return (await within(form).findByRole('alert')).textContent!.replace(/\u00a0/g, ' ');
    };
    expect(await refusal('0.005')).toBe('Enter an amount between KWD 0.010 and KWD 10.000.');
    expect(await refusal('7.505')).toBe('Amounts in KWD go in steps of KWD 0.010: the payment provider refunds nothing finer.');
    expect(await issuedCommands(client)).toEqual([]);

    fireEvent.change(claim, { target: { value: '7.51' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Open dispute' }));
    fireEvent.click(within(form).getByRole('button', { name: 'Yes, open the dispute' }));
    await waitFor(async () => expect((await issuedCommands(client)).map((c) => c.type)).toEqual(['dispute.open']));
    expect((await issuedCommands(client))[0]!.payload).toMatchObject({ milestoneId: MILESTONE, refundAmount: 2_490 });
  });

  it('speaks to each side of a dispute in the second person, in Spanish too', async () => {
    const client = await device(CARLA, ['consumer'], { booking: booking('disputed'), milestone: milestone('disputed'), dispute: dispute({ refundAmount: usd(3000) }) });
    renderPage(connected(client), 'es');
    const box = await screen.findByTestId('dispute');
    expect(box.textContent).toContain('Abierta por ti el');
    expect(box.textContent).toContain('El trabajador puede responder hasta el');
    expect(box.textContent).not.toMatch(/por tú|Tú puede/);
  });

  it('says a booking cancelled before payment moved no money, rather than that its plan is syncing', async () => {
    const client = await device(CARLA, ['consumer'], { booking: booking('cancelled'), milestone: milestone('cancelled') });
    renderPage(connected(client));
    expect((await screen.findByTestId('money-none-cancelled')).textContent).toBe('Cancelled before payment. A payment that arrives late is sent back in full.');
  });

  it('as the time to answer runs out with no answer, says the claim applies and no longer offers to add evidence', async () => {
    // Nothing else changes on the page as the deadline passes: the card still changes its words and its form then.
    const client = await device(OMAR, ['operator'], {
      booking: booking('disputed'), milestone: milestone('disputed'), dispute: dispute({ refundAmount: usd(3000), respondBy: new Date(Date.now() + 1500).toISOString() }),
    });
    renderPage(connected(client));
    const box = await screen.findByTestId('dispute');
    expect(box.textContent).toContain('You can answer until Nov 21, 2026');
    expect(within(box).getByRole('button', { name: 'Send evidence' })).toBeTruthy();
    await waitFor(() => expect(within(box).queryByRole('button', { name: 'Send evidence' })).toBeNull(), { timeout: 5000 });
    expect(box.textContent).toContain('The time to answer ended Nov 21, 2026, 12:00 PM with no answer, so the claim applies.');
    expect(box.textContent).not.toContain('You can answer until');
  });

  it('answers a dispute with a chat message as evidence, and accepts the claim only after confirming', async () => {
    const client = await device(OMAR, ['operator'], { booking: booking('disputed'), milestone: milestone('disputed'), dispute: dispute({ refundAmount: usd(3000) }) });
    await client.db.messages.insert({ id: MESSAGE, bookingId: BOOKING, senderId: CARLA, body: 'Looks great, thanks!', createdAt: T0, updatedAt: T0 });
    renderPage(connected(client));
    const box = await screen.findByTestId('dispute');
    expect(escrow().textContent).toBe('Disputed');
    expect(box.textContent).toContain('Opened by the client on Nov 19, 2026');
    expect(within(box).getByTestId('dispute-claim').textContent).toBe('Claim: $30.00 back to the client; you would receive $45.00 after the $5.00 platform fee.');
    expect(box.textContent).toContain('You can answer until Nov 24, 2026');
    expect(within(box).getByText('No evidence yet.')).toBeTruthy();

    fireEvent.click(within(box).getByRole('button', { name: 'Send evidence' }));
    expect((await within(box).findByRole('alert')).textContent).toBe('Write something, pick a message or attach a file.');
    fireEvent.change(within(box).getByLabelText('What should the mediator know?'), { target: { value: 'The client was happy on the day.' } });
    fireEvent.click(within(box).getByRole('checkbox', { name: /Looks great, thanks!/ }));
    fireEvent.click(within(box).getByRole('button', { name: 'Send evidence' }));
    await waitFor(async () => expect((await issuedCommands(client)).map((c) => c.type)).toEqual(['dispute.add_evidence']));
    const [evidence] = await issuedCommands(client);
    expect(evidence!.payload).toMatchObject({ disputeId: DISPUTE, text: 'The client was happy on the day.', messageIds: [MESSAGE], attachmentIds: [] });
    // Sent, the button waits for the server: focus is on the emptied field rather than lost to the page.
    await waitFor(() => expect(document.activeElement).toBe(within(box).getByLabelText('What should the mediator know?')));
    // The server applies it, and the dispute with the evidence comes after.
    await decide(client, (await client.db.commands.find().exec())[0]!.id, { status: 'applied' });
    const accept = within(box).getByRole('button', { name: 'Accept the claim' }) as HTMLButtonElement;
    expect(accept.disabled).toBe(true);
    await client.db.disputes.upsert(
      dispute({
        refundAmount: usd(3000), version: 2,
        evidence: [
          { id: '0190a000-0000-7000-8000-0000000000f1', by: 'worker', actorId: OMAR, text: 'The client was happy on the day.', messageIds: [MESSAGE], attachments: [], at: T0 },
          { id: '0190a000-0000-7000-8000-0000000000f2', by: 'client', actorId: CARLA, text: '', messageIds: [], attachments: [{ id: '0190a000-0000-7000-8000-0000000000f3', name: 'leak.jpg', contentType: 'image/jpeg', size: 85_400 }], at: T0 },
        ],
      }),
    );
    // The client's photo is the worker's to open too, not only its name.
    expect((await within(box).findByTestId('attachment')).textContent).toBe('Download leak.jpg (85.4 kB)');
    // Nor is the worker told the full pay is theirs while the claim is open.
    expect(screen.getByTestId('worker-net').textContent).toBe(
      // A claim of $30.00 of $80.00 leaves $50.00 gross: the fee is 10% of that, not of the whole.
      'Held until the dispute is decided. If the claim applies, $30.00 goes back to the client and you receive $45.00 after the $5.00 platform fee (10%); paid in full, you would receive $72.00.',
    );

    // Accepting moves money: a question first, then the command.
    await waitFor(() => expect(accept.disabled).toBe(false));
    fireEvent.click(accept);
    // Said to the worker as what they receive, the fee taken from their share of the claim.
    expect(
      await within(box).findByText('Accept the claim? $30.00 goes back to the client and you receive $45.00 after the $5.00 platform fee. This cannot be undone.'),
    ).toBeTruthy();
    expect((await issuedCommands(client)).map((c) => c.type)).toEqual(['dispute.add_evidence']);
    fireEvent.click(within(box).getByRole('button', { name: 'Accept the claim now' }));
    await waitFor(async () => expect((await issuedCommands(client)).map((c) => c.type)).toEqual(['dispute.add_evidence', 'dispute.accept']));
  });

  it('says a claim of all of it one way as all of it, to each reader, never as "$0.00" the other way', async () => {
    const lines = async (who: string, roles: Profile['roles'], refund: number) => {
      const client = await device(who, roles, { booking: booking('disputed'), milestone: milestone('disputed'), dispute: dispute({ refundAmount: usd(refund) }) });
      renderPage(connected(client));
      const line = (await within(await screen.findByTestId('dispute')).findByTestId('dispute-claim')).textContent;
      cleanup();
      await closeDevices();
      return line;
    };
    expect(await lines(OMAR, ['operator'], 8000)).toBe('Claim: all $80.00 back to the client, nothing to you.');
    expect(await lines(CARLA, ['consumer'], 8000)).toBe('Claim: all $80.00 back to you.');
    expect(await lines(OMAR, ['operator'], 0)).toBe('Claim: all of it to you: you would receive $72.00 after the $8.00 platform fee.');
    expect(await lines(CARLA, ['consumer'], 0)).toBe('Claim: all $80.00 to the worker.');
  });

  it('keeps evidence being written through a reload while the dispute is open, and forgets it once it is decided', async () => {
    const client = await device(OMAR, ['operator'], { booking: booking('disputed'), milestone: milestone('disputed'), dispute: dispute() });
    renderPage(connected(client));
    fireEvent.change(within(await screen.findByTestId('dispute')).getByLabelText('What should the mediator know?'), { target: { value: 'Photos to follow' } });
    cleanup();
    renderPage(connected(client));
    const field = within(await screen.findByTestId('dispute')).getByLabelText('What should the mediator know?') as HTMLTextAreaElement;
    expect(field.value).toBe('Photos to follow');
    await client.db.disputes.upsert(dispute({ status: 'resolved', outcome: 'refund_all', refundedAmount: usd(8000), releasedAmount: usd(0), resolvedAt: NOW, version: 2 }));
    await client.db.milestones.upsert(milestone('refunded', { refundedAmount: usd(8000), version: 2 }));
    await waitFor(() => expect(Object.keys(localStorage).filter((k) => k.startsWith('fw.draft.'))).toEqual([]));
  });

  it('refuses, before uploading, a file that evidence cannot be, in the person\'s language', async () => {
    const client = await device(OMAR, ['operator'], { booking: booking('disputed'), milestone: milestone('disputed'), dispute: dispute() });
    renderPage(connected(client), 'es');
    const box = await screen.findByTestId('dispute');
    const page = new File(['<html></html>'], 'factura.html', { type: 'text/html' });
    fireEvent.change(within(box).getByLabelText(/^Adjuntar un archivo/), { target: { files: [page] } });
    fireEvent.click(within(box).getByRole('button', { name: 'Enviar pruebas' }));
    expect((await within(box).findByRole('alert')).textContent).toBe(
      '«factura.html» no es una imagen (JPEG, PNG, WebP), un PDF ni texto plano, que es lo que pueden ser las pruebas.',
    );
    expect(await issuedCommands(client)).toEqual([]);
  });

  it('says nothing was sent when a file cannot be uploaded', async () => {
    const client = await device(OMAR, ['operator'], { booking: booking('disputed'), milestone: milestone('disputed'), dispute: dispute() });
    renderPage(connected(client));
    const box = await screen.findByTestId('dispute');
    const file = new File(['a photo'], 'tap.jpg', { type: 'image/jpeg' });
    fireEvent.change(within(box).getByLabelText('Attach a file (photo, PDF or text, up to 2 MB)'), { target: { files: [file] } });
    fireEvent.click(within(box).getByRole('button', { name: 'Send evidence' }));
    // This device's server address answers nothing.
    expect((await within(box).findByRole('alert', {}, { timeout: 5000 })).textContent).toBe(
      'The file could not be uploaded: No connection to the server. Try again when you are online.',
    );
    expect(await issuedCommands(client)).toEqual([]);
  });
});

describe('money panel, settled', () => {
  const split = {
    booking: booking('resolved'),
    milestone: milestone('split', { releasedAmount: usd(5000), refundedAmount: usd(3000), feeAmount: usd(500), settledAt: T0 }),
    dispute: dispute({
      status: 'resolved', refundAmount: usd(8000), outcome: 'split', resolvedHow: 'admin', releasedAmount: usd(5000), refundedAmount: usd(3000),
      resolutionReason: 'Half the work was done.', resolvedAt: '2026-11-21T10:00:00.000Z',
    }),
  };

  it('shows both sides the split amounts and the mediator’s reason, and the worker its net', async () => {
    for (const [who, roles] of [[CARLA, ['consumer']], [OMAR, ['operator']]] as const) {
      const client = await device(who, [...roles], split);
      renderPage(client);
      await waitFor(() => expect(escrow().textContent).toBe('Split'));
      // Each reads it from where they stand.
      expect(within(row()).getByTestId('settled-amounts').textContent).toBe(
        who === CARLA ? '$30.00 back to you, $50.00 to the worker.' : '$30.00 back to the client, $50.00 to you (before the platform fee).',
      );
      const box = await screen.findByTestId('dispute');
      // Said to its reader, as the texts say it: what came back to the client, what the worker received after the fee.
      expect(within(box).getByTestId('dispute-outcome').textContent).toBe(
        who === CARLA
          ? 'Resolved on Nov 21, 2026, 10:00 AM: $30.00 came back to you, and the worker received $45.00 after the $5.00 platform fee.'
          : 'Resolved on Nov 21, 2026, 10:00 AM: $30.00 went back to the client, and you received $45.00 after the $5.00 platform fee.',
      );
      expect(box.textContent).toContain('Decided by a mediator: Half the work was done.');
      if (who === OMAR) expect(within(row()).getByTestId('worker-net').textContent).toBe('Released to you: $45.00 ($5.00 platform fee).');
      else expect(within(row()).queryByTestId('worker-net')).toBeNull();
      // The ledger says refunded; the client is sent to where the provider's side of it shows.
      const receipt = within(row()).queryByRole('link', { name: 'When the refund reaches your card: see the receipt' });
      if (who === CARLA) expect(receipt?.getAttribute('href')).toBe(`/c/receipts/${split.milestone.id}`);
      else expect(receipt).toBeNull();
      expect(within(row()).queryAllByRole('button')).toEqual([]);
      // Offline, with nothing left to do about the money: no sentence about the connection.
      expect(screen.queryByTestId('money-offline')).toBeNull();
      cleanup();
      await closeDevices();
    }
  });

  it('says a dispute that went all one way as all of it, with no "$0.00" the other way', async () => {
    const resolved = { status: 'resolved', refundAmount: usd(8000), resolvedHow: 'accepted', resolvedAt: '2026-11-21T10:00:00.000Z' } as const;
    const refundedAll = {
      booking: booking('resolved'),
      milestone: milestone('refunded', { releasedAmount: usd(0), refundedAmount: usd(8000), settledAt: T0 }),
      dispute: dispute({ ...resolved, outcome: 'refund_all', releasedAmount: usd(0), refundedAmount: usd(8000) }),
    };
    const paidAll = {
      booking: booking('resolved'),
      milestone: milestone('released', { releasedAmount: usd(8000), refundedAmount: usd(0), feeAmount: usd(800), settledAt: T0 }),
      dispute: dispute({ ...resolved, refundAmount: usd(0), outcome: 'release_all', releasedAmount: usd(8000), refundedAmount: usd(0) }),
    };
    const at = 'Resolved on Nov 21, 2026, 10:00 AM: ';
    for (const [docs, who, roles, said] of [
      [refundedAll, CARLA, ['consumer'], 'all $80.00 came back to you.'],
      [refundedAll, OMAR, ['operator'], 'all $80.00 went back to the client, so this part is not paid.'],
      [paidAll, CARLA, ['consumer'], 'the worker was paid in full, and nothing came back to you.'],
      [paidAll, OMAR, ['operator'], 'you were paid in full, $72.00 after the $8.00 platform fee.'],
    ] as const) {
      renderPage(await device(who, [...roles], docs));
      const box = await screen.findByTestId('dispute');
      await waitFor(() => expect(within(box).getByTestId('dispute-outcome').textContent).toBe(`${at}${said}`));
      cleanup();
      await closeDevices();
    }
  });

  it('says on the page, not only in a text, that work was approved because the time to review it ran out', async () => {
    const autoApproved = {
      booking: booking('completed'),
      milestone: milestone('released', {
        releasedAmount: usd(8000), feeAmount: usd(800), settledAt: T0,
        timeline: [{ at: T0, event: 'auto_approve', status: 'released', by: 'system', actorId: null }],
      }),
    };
    for (const [who, roles, said] of [
      [CARLA, ['consumer'], 'Approved when your time to review it ran out, as agreed.'],
      [OMAR, ['operator'], 'Approved when the client’s time to review it ran out, as agreed.'],
    ] as const) {
      renderPage(await device(who, [...roles], autoApproved));
      expect((await within(await screen.findByTestId('milestone')).findByTestId('auto-approved')).textContent).toBe(said);
      cleanup();
      await closeDevices();
    }
    // Approved by the client: nothing more to say.
    renderPage(await device(CARLA, ['consumer'], { ...autoApproved, milestone: milestone('released', { releasedAmount: usd(8000), feeAmount: usd(800), settledAt: T0 }) }));
    await waitFor(() => expect(escrow().textContent).toBe('Released to the worker'));
    expect(within(row()).queryByTestId('auto-approved')).toBeNull();
  });

  it('is read-only for an admin who is not a party, and speaks Spanish', async () => {
    const client = await device(ADA, ['admin'], split);
    renderPage(client, 'es');
    await waitFor(() => expect(escrow().textContent).toBe('Repartido'));
    expect(within(row()).getByTestId('settled-amounts').textContent).toMatch(/^30,00\sUS\$ para el cliente, 50,00\sUS\$ para el trabajador\.$/);
    expect(screen.queryAllByRole('button')).toEqual([]);
    expect(screen.queryByTestId('money-offline')).toBeNull();
  });
});

describe('money panel, chargeback', () => {
  const paid = { at: T0, event: 'payment_confirmed', status: 'funded', by: 'system', actorId: null } as const;
  const handedIn = { at: '2026-11-19T12:00:00.000Z', event: 'submit', status: 'submitted', by: 'worker', actorId: OMAR, note: 'All done' } as const;
  // The server's steps of a chargeback: the status stays as it was, and a note may come with them.
  const opened = (status: Milestone['status']) =>
    ({ at: '2026-11-20T10:00:00.000Z', event: 'bank_dispute_opened', status, by: 'system', actorId: null, note: 'product_unacceptable' }) as const;
  const won = (status: Milestone['status']) => ({ at: '2026-11-21T10:00:00.000Z', event: 'bank_dispute_won', status, by: 'system', actorId: null }) as const;
  const chargedBack = { at: '2026-11-22T10:00:00.000Z', event: 'charged_back', status: 'refunded', by: 'system', actorId: null } as const;

  it('tells the client their bank holds the part’s money and offers no approval; once the bank decides for Fieldwork, approval is back', async () => {
    const client = await device(CARLA, ['consumer'], {
      booking: booking('delivered'),
      milestone: milestone('submitted', { submittedAt: T0, timeline: [paid, handedIn, opened('submitted')] }),
    });
    renderPage(connected(client));
    await waitFor(() => expect(escrow().textContent).toBe('Held by your bank until it decides'));
    expect(within(row()).getByTestId('bank-hold').textContent).toBe(
      'Your bank is disputing the payment for this part. Its money is held until your bank decides, so it cannot be released or refunded meanwhile.',
    );
    expect(within(row()).queryByRole('button', { name: /Approve/ })).toBeNull();
    // The booking's line does not ask for an approval that cannot be given.
    expect(screen.getByTestId('booking-hint').textContent).toBe(
      'Your bank is disputing the payment for the work handed in: it cannot be approved until your bank decides. You can still request changes.',
    );
    // What moves no money stays: changes asked for, a dispute opened.
    expect(within(row()).getByRole('button', { name: 'Request changes' })).toBeTruthy();
    expect(within(row()).getByRole('button', { name: 'Open a dispute' })).toBeTruthy();
    // The worker's note is still what the client acts on, not the bank's step after it.
    expect(within(row()).getByTestId('milestone-note').textContent).toBe('Omar Operator: “All done”');
    const history = within(row()).getByTestId('part-history');
    expect(within(history).getAllByRole('listitem')[2]!.textContent).toMatch(/^Your bank disputed the payment(?!.* by ).*Reason given: the work was faulty or not as agreed$/);

    await client.db.milestones.upsert(milestone('submitted', { submittedAt: T0, timeline: [paid, handedIn, opened('submitted'), won('submitted')], version: 2 }));
    await waitFor(() => expect(escrow().textContent).toBe('Submitted — waiting for approval'));
    expect(within(row()).queryByTestId('bank-hold')).toBeNull();
    await waitFor(() => expect(approve().disabled).toBe(false));
    expect(within(history).getAllByRole('listitem')[3]!.textContent).toMatch(/^Your bank decided for Fieldwork: the money is held in escrow again/);
    expect(screen.getByTestId('booking-hint').textContent).toBe('Check the work, then approve it or request changes.');
  });

  it('tells the worker, in Spanish, that the money cannot be released to them meanwhile and that the work can still be handed in', async () => {
    const client = await device(OMAR, ['operator'], { booking: booking('in_progress'), milestone: milestone('funded', { fundedAt: T0, timeline: [paid, opened('funded')] }) });
    renderPage(connected(client), 'es');
    await waitFor(() => expect(escrow().textContent).toBe('Retenido por el banco del cliente hasta que decida'));
    expect(within(row()).getByTestId('bank-hold').textContent).toBe(
      'El banco del cliente está disputando el pago de esta parte. Su dinero queda retenido hasta que el banco decida, así que mientras tanto no se puede liberar para ti. Aún puedes entregar el trabajo.',
    );
    expect((within(row()).getByRole('button', { name: 'Enviar para aprobación' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('offers no acceptance of a claim while the bank holds the money, only evidence', async () => {
    const client = await device(OMAR, ['operator'], {
      booking: booking('disputed'),
      milestone: milestone('disputed', { timeline: [paid, { ...handedIn }, opened('disputed')] }),
      dispute: dispute({ refundAmount: usd(3000) }),
    });
    renderPage(connected(client));
    const box = await screen.findByTestId('dispute');
    expect(escrow().textContent).toBe('Held by the client’s bank until it decides');
    expect(within(row()).getByTestId('bank-hold').textContent).toBe(
      'The client’s bank is disputing the payment for this part. Its money is held until the bank decides, so it cannot be released to you meanwhile.',
    );
    expect(within(box).queryByRole('button', { name: 'Accept the claim' })).toBeNull();
    expect(within(box).getByRole('button', { name: 'Send evidence' })).toBeTruthy();
    // The answer's deadline says the claim waits for the bank, not that it applies at the deadline.
    expect(within(box).getByText(/^You can answer until .+\. The bank holds the money meanwhile: without an answer, the claim applies once the bank gives it back\.$/)).toBeTruthy();
  });

  it('says why a paid booking cannot be cancelled while the bank holds its money, instead of offering it', async () => {
    const client = await device(CARLA, ['consumer'], { booking: booking('funded'), milestone: milestone('funded', { fundedAt: T0, timeline: [paid, opened('funded')] }) });
    renderPage(connected(client));
    const actions = await screen.findByRole('region', { name: 'What you can do' });
    await waitFor(() =>
      expect(within(actions).getByTestId('cancel-blocked').textContent).toBe(
        'This booking cannot be cancelled while your bank disputes its payment: cancelling would refund money your bank holds. See Payment.',
      ),
    );
    expect(within(actions).queryByRole('button', { name: 'Cancel booking' })).toBeNull();
  });

  it('says a part the bank returned to the client ended so, not as Fieldwork’s refund, to each side', async () => {
    const returned = {
      booking: booking('cancelled'),
      // The server refunds nothing of a part the bank returned whole (refundedAmount 0).
      milestone: milestone('refunded', { refundedAmount: usd(0), settledAt: T0, timeline: [paid, opened('funded'), chargedBack] }),
    };
    const client = await device(CARLA, ['consumer'], returned);
    renderPage(client);
    await waitFor(() => expect(escrow().textContent).toBe('Returned to you by your bank'));
    expect(within(row()).getByTestId('settled-amounts').textContent).toBe('Your bank returned the payment to you, so this part ends unpaid.');
    // No refund of Fieldwork's to follow on the receipt.
    expect(within(row()).queryByRole('link', { name: /refund/ })).toBeNull();
    expect(within(within(row()).getByTestId('part-history')).getAllByRole('listitem')[2]!.textContent).toMatch(/^Your bank returned the payment to you/);
    cleanup();
    await closeDevices();

    const worker = await device(OMAR, ['operator'], returned);
    renderPage(worker, 'es');
    await waitFor(() => expect(escrow().textContent).toBe('Devuelto al cliente por su banco'));
    expect(within(row()).getByTestId('settled-amounts').textContent).toBe('El banco del cliente le devolvió el pago, así que esta parte queda sin pagar.');
    expect(within(within(row()).getByTestId('part-history')).getAllByRole('listitem')[2]!.textContent).toMatch(/^El banco devolvió el pago al cliente/);
  });

  it('says what Fieldwork refunds when the bank returned only part of the payment, with the receipt to follow it', async () => {
    const partly = {
      booking: booking('cancelled'),
      milestone: milestone('refunded', { refundedAmount: usd(5000), settledAt: T0, timeline: [paid, opened('funded'), chargedBack] }),
    };
    const client = await device(CARLA, ['consumer'], partly);
    renderPage(client);
    await waitFor(() => expect(within(row()).getByTestId('settled-amounts').textContent).toBe('Your bank returned the payment to you, so this part ends unpaid. $50.00 back to you.'));
    expect(within(row()).getByRole('link', { name: 'When the refund reaches your card: see the receipt' }).getAttribute('href')).toBe(`/c/receipts/${partly.milestone.id}`);
  });
});

describe('payment plan', () => {
  const PROPOSED = ['0190a000-0000-7000-8000-0000000000f1', '0190a000-0000-7000-8000-0000000000f2'];
  /** A plan of two parts the worker proposed in place of the unpaid single price. */
  const proposal = (version = 1) =>
    [['Parts and first fix', 3000], ['Finish and tidy up', 6500]].map(([description, amount], i) =>
      milestone('proposed', {
        id: PROPOSED[i]!, position: i + 1, description: description as string, amount: usd(amount as number), version,
        fee: usd((amount as number) / 10), net: usd(((amount as number) * 9) / 10), dueAt: i === 1 ? '2026-12-01T22:59:00.000Z' : undefined,
        timeline: [{ at: T0, event: 'proposed', status: 'proposed', by: 'worker', actorId: OMAR }],
      }),
    );
  const plan = () => screen.getByTestId('plan-proposal');

  /** The worker re-prices the unpaid single price at $95 from the form, and sends it. */
  async function workerProposes95() {
    const client = await device(OMAR, ['operator'], { booking: booking('awaiting_payment'), milestone: milestone('agreed') });
    renderPage(connected(client));
    fireEvent.click(await screen.findByRole('button', { name: 'Change the payment plan' }));
    const form = within(screen.getByTestId('plan-form'));
    fireEvent.change(form.getByLabelText('Amount (USD)'), { target: { value: '95' } });
    fireEvent.click(form.getByRole('button', { name: 'Propose this plan' }));
    await waitFor(async () => expect(await issuedCommands(client)).toHaveLength(1));
    return { client, form };
  }

  it('lets the worker split the unpaid price into parts, checking each part before anything is sent', async () => {
    const client = await device(OMAR, ['operator'], { booking: booking('awaiting_payment'), milestone: milestone('agreed') });
    renderPage(connected(client));
    fireEvent.click(await screen.findByRole('button', { name: 'Change the payment plan' }));
    const form = within(screen.getByTestId('plan-form'));
    // It starts from what a plan replaces: the unpaid single price.
    expect((form.getByLabelText('What this part covers') as HTMLInputElement).value).toBe('Fix the tap');
    expect((form.getByLabelText('Amount (USD)') as HTMLInputElement).value).toBe('80.00');
    fireEvent.change(form.getByLabelText('What this part covers'), { target: { value: 'Parts and first fix' } });
    fireEvent.change(form.getByLabelText('Amount (USD)'), { target: { value: '30' } });
    fireEvent.click(form.getByRole('button', { name: 'Add a part' }));
    const second = within(form.getAllByTestId('plan-part')[1]!);
    fireEvent.change(second.getByLabelText('Amount (USD)'), { target: { value: '1,000' } });
    // Left out of the total until typed plainly, and said so while typing, not only once the plan is sent.
    expect(second.getByTestId('part-grouping').textContent).toBe('Type the amount without separators for thousands, such as 1000 or 1000.50.');
    fireEvent.change(second.getByLabelText('Due date (optional)'), { target: { value: '2020-01-01' } });
    expect(screen.getByTestId('plan-summary').textContent).toContain('New total for the booking: $30.00');
    expect(screen.getByTestId('plan-summary').textContent).toContain('You would receive $27.00 of this plan after the platform fee (10%).');

    fireEvent.click(form.getByRole('button', { name: 'Propose this plan' }));
    expect(await second.findByText('Say what this part covers.')).toBeTruthy();
    expect(second.getByText('Type the amount without separators for thousands, such as 1000 or 1000.50.')).toBeTruthy();
    expect(second.getByText('Pick today or a later date.')).toBeTruthy();
    expect(second.getByLabelText('Amount (USD)').getAttribute('aria-invalid')).toBe('true');
    expect(await issuedCommands(client)).toEqual([]);

    fireEvent.change(second.getByLabelText('What this part covers'), { target: { value: 'Finish and tidy up' } });
    // A decimal comma is read as the decimal mark, and said back: "1,00" is one dollar, not a hundred.
    fireEvent.change(second.getByLabelText('Amount (USD)'), { target: { value: '1,00' } });
    expect(second.getByTestId('part-read-as').textContent).toBe('Read as $1.00.');
    fireEvent.change(second.getByLabelText('Amount (USD)'), { target: { value: '65.5' } });
    expect(second.getByTestId('part-read-as').textContent).toBe('Read as $65.50.');
    fireEvent.change(second.getByLabelText('Due date (optional)'), { target: { value: '' } });
    expect(screen.getByTestId('plan-summary').textContent).toContain('New total for the booking: $95.50');
    fireEvent.click(form.getByRole('button', { name: 'Propose this plan' }));
    await waitFor(async () => expect(await issuedCommands(client)).toHaveLength(1));
    const [sent] = await issuedCommands(client);
    expect(sent).toMatchObject({
      type: 'milestone.propose', status: 'pending',
      payload: {
        bookingId: BOOKING,
        milestones: [
          { description: 'Parts and first fix', amount: usd(3000), dueAt: null },
          { description: 'Finish and tidy up', amount: usd(6550), dueAt: null },
        ],
      },
    });
    // The form stays, with what was typed, until the server has the plan; nothing else is proposed meanwhile.
    await waitFor(() => expect(screen.getByTestId('plan-notice').textContent).toBe('Sent. Waiting for the server to confirm it.'));
    expect((form.getByRole('button', { name: 'Propose this plan' }) as HTMLButtonElement).disabled).toBe(true);
    // The server takes it: its parts arrive as proposed, and the form gives way to them.
    const cmd = (await client.db.commands.find().exec())[0]!;
    const parts = (JSON.parse(cmd.payload) as { milestones: { milestoneId: string; description: string; amount: { amount: number } }[] }).milestones;
    await client.db.milestones.bulkInsert(
      parts.map((p, i) =>
        milestone('proposed', {
          id: p.milestoneId, position: i + 1, description: p.description, amount: usd(p.amount.amount),
          timeline: [{ at: T0, event: 'proposed', status: 'proposed', by: 'worker', actorId: OMAR }],
        }),
      ),
    );
    await decide(client, cmd.id, { status: 'applied' });
    await waitFor(() => expect(screen.queryByTestId('plan-form')).toBeNull());
    expect(screen.getByTestId('plan-proposal').textContent).toContain('You proposed to pay the work not paid for yet in these parts:');
  });

  it('frees the proposer’s page once its plan is accepted or withdrawn, when no plan waits again as before it was sent', async () => {
    const { client } = await workerProposes95();
    const cmd = (await client.db.commands.find().exec())[0]!;
    const [part] = (JSON.parse(cmd.payload) as { milestones: { milestoneId: string }[] }).milestones;
    const proposed = milestone('proposed', {
      id: part!.milestoneId, position: 1, amount: usd(9500), timeline: [{ at: T0, event: 'proposed', status: 'proposed', by: 'worker', actorId: OMAR }],
    });
    await client.db.milestones.insert(proposed);
    await decide(client, cmd.id, { status: 'applied' });
    await waitFor(() => expect(screen.getByTestId('plan-proposal').textContent).toContain('You proposed'));
    // The client accepts: no plan waits any more, as before the worker sent this one.
    await client.db.milestones.bulkUpsert([milestone('cancelled', { version: 2 }), { ...proposed, status: 'agreed', version: 2 }]);
    await waitFor(() => expect(screen.queryByTestId('plan-proposal')).toBeNull());
    const change = (await screen.findByRole('button', { name: 'Change the payment plan' })) as HTMLButtonElement;
    await new Promise((r) => setTimeout(r, 50));
    expect(change.disabled).toBe(false);
    expect(screen.queryByText('Sent. Waiting for the server to confirm it.')).toBeNull();
  });

  it('says in the open form when the other side proposed meanwhile, and starts again from that plan if asked', async () => {
    const client = await device(OMAR, ['operator'], { booking: booking('awaiting_payment'), milestone: milestone('agreed') });
    renderPage(connected(client));
    fireEvent.click(await screen.findByRole('button', { name: 'Change the payment plan' }));
    const form = within(screen.getByTestId('plan-form'));
    fireEvent.change(form.getByLabelText('Amount (USD)'), { target: { value: '95' } });
    expect(form.queryByTestId('plan-changed')).toBeNull();
    // The client proposes two parts while the worker is typing.
    await client.db.milestones.bulkInsert(proposal().map((m) => ({ ...m, timeline: [{ ...m.timeline[0]!, by: 'client' as const, actorId: CARLA }] })));
    expect((await form.findByTestId('plan-changed')).textContent).toContain('The plan changed while you were writing: a new plan is waiting now.');
    // What was typed stays until the worker chooses to start again.
    expect((form.getByLabelText('Amount (USD)') as HTMLInputElement).value).toBe('95');
    fireEvent.click(form.getByRole('button', { name: 'Start again from the plan as it is now' }));
    const fresh = within(screen.getByTestId('plan-form'));
    await waitFor(() => expect((fresh.getAllByLabelText('Amount (USD)') as HTMLInputElement[]).map((i) => i.value)).toEqual(['30.00', '65.00']));
    expect(fresh.queryByTestId('plan-changed')).toBeNull();
  });

  it('says what became of an open form when a dispute starts, and brings it back once the dispute is decided', async () => {
    const client = await device(OMAR, ['operator'], { booking: booking('in_progress'), milestone: milestone('funded', { fundedAt: T0 }) });
    renderPage(connected(client));
    fireEvent.click(await screen.findByRole('button', { name: 'Change the payment plan' }));
    fireEvent.change(within(screen.getByTestId('plan-form')).getByLabelText('Amount (USD)'), { target: { value: '40' } });
    await client.db.bookings.upsert(booking('disputed', { version: 2 }));
    expect((await screen.findByTestId('plan-closed-while-editing')).textContent).toBe(
      'A dispute was opened on this booking, so no plan can be proposed until it is decided. What you typed was not sent; it is kept here for then.',
    );
    expect(screen.queryByTestId('plan-form')).toBeNull();
    await client.db.bookings.upsert(booking('in_progress', { version: 3 }));
    expect((within(await screen.findByTestId('plan-form')).getByLabelText('Amount (USD)') as HTMLInputElement).value).toBe('40');
    expect(await issuedCommands(client)).toEqual([]);
  });

  it('keeps the form, with what was typed, when the server refuses the plan, and says why beside it', async () => {
    const { client, form } = await workerProposes95();
    const [cmd] = await client.db.commands.find().exec();
    await decide(client, cmd!.id, { status: 'rejected', code: 'payouts_not_set_up', message: 'Set up payouts before taking paid work, so that you can be paid when the client approves.' });
    expect((await form.findByTestId('plan-refused')).textContent).toBe('Not proposed: Set up payouts before taking paid work, so that you can be paid when the client approves.');
    expect((form.getByLabelText('Amount (USD)') as HTMLInputElement).value).toBe('95');
    expect((form.getByRole('button', { name: 'Propose this plan' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('shows the client the plan apart from the parts that stand, and accepts it by one of its parts after asking', async () => {
    const client = await device(CARLA, ['consumer'], { booking: booking('awaiting_payment'), milestones: [milestone('agreed'), ...proposal()] });
    renderPage(connected(client));
    await waitFor(() => expect(plan().textContent).toContain('The worker proposes to pay the work not paid for yet in these parts:'));
    // The parts that stand are the single price; the proposal is not among them.
    expect(screen.getAllByTestId('milestone')).toHaveLength(1);
    const parts = within(plan()).getByTestId('proposal-parts');
    expect(parts.textContent).toContain('Parts and first fix: $30.00');
    expect(parts.textContent).toContain('Finish and tidy up: $65.00 (due Dec 1, 2026');
    expect(within(plan()).getByTestId('proposal-total').textContent).toBe('Accepted, it replaces the parts not paid for yet, and the booking comes to $95.00.');

    fireEvent.click(within(plan()).getByRole('button', { name: 'Accept this plan' }));
    expect(await within(plan()).findByText('Accept this plan? The parts not paid for yet are replaced, and the booking comes to $95.00.')).toBeTruthy();
    expect(await issuedCommands(client)).toEqual([]);
    fireEvent.click(within(plan()).getByRole('button', { name: 'Accept the plan' }));
    await waitFor(async () => expect(await issuedCommands(client)).toEqual([{ type: 'milestone.accept', status: 'pending', payload: { bookingId: BOOKING, milestoneId: PROPOSED[0] } }]));
    await waitFor(() => expect(within(plan()).getByTestId('plan-notice').textContent).toBe('Sent. Waiting for the server to confirm it.'));
    expect((within(plan()).getByRole('button', { name: 'Propose something else' }) as HTMLButtonElement).disabled).toBe(true);

    // The server accepts: the plan's parts are agreed, the single price replaced.
    const [sent] = await client.db.commands.find().exec();
    await client.db.milestones.bulkUpsert([milestone('cancelled', { version: 2 }), ...proposal(2).map((m) => ({ ...m, status: 'agreed' as const }))]);
    await decide(client, sent!.id, { status: 'applied' });
    await waitFor(() => expect(screen.queryByTestId('plan-proposal')).toBeNull());
    expect(screen.getAllByTestId('milestone').map((m) => m.querySelector('h3')!.textContent)).toEqual(['Part 1: Parts and first fix', 'Part 2: Finish and tidy up']);
  });

  it('tells the proposer it waits for the other side, with no way to accept its own plan; and counters from the proposal', async () => {
    const worker = await device(OMAR, ['operator'], { booking: booking('awaiting_payment'), milestones: [milestone('agreed'), ...proposal()] });
    renderPage(connected(worker));
    await waitFor(() => expect(plan().textContent).toContain('You proposed to pay the work not paid for yet in these parts:'));
    expect(plan().textContent).toContain('Waiting for the client to accept it. Until then the current plan stands.');
    expect(plan().textContent).toContain('You would receive $85.50 of this plan after the platform fee (10%).');
    expect(within(plan()).queryByRole('button', { name: 'Accept this plan' })).toBeNull();
    cleanup();
    await closeDevices();

    const carla = await device(CARLA, ['consumer'], { booking: booking('awaiting_payment'), milestones: [milestone('agreed'), ...proposal()] });
    renderPage(connected(carla), 'es');
    fireEvent.click(await within(await screen.findByTestId('plan-proposal')).findByRole('button', { name: 'Proponer otra cosa' }));
    const amounts = within(screen.getByTestId('plan-form')).getAllByLabelText('Importe (USD)') as HTMLInputElement[];
    // In the decimal comma the Spanish form asks for.
    expect(amounts.map((a) => a.value)).toEqual(['30,00', '65,00']);
  });

  it('is offered offline only as a disabled step, and not at all once the booking has ended', async () => {
    const client = await device(CARLA, ['consumer'], { booking: booking('awaiting_payment'), milestones: [milestone('agreed'), ...proposal()] });
    renderPage(client);
    await waitFor(() => expect(within(plan()).getByRole('button', { name: 'Accept this plan' })).toBeTruthy());
    expect((within(plan()).getByRole('button', { name: 'Accept this plan' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('money-offline')).toBeTruthy();
    // Said beside the plan too: the page's sentence may be a screen away on a phone.
    expect(within(plan()).getByTestId('plan-offline').textContent).toBe('You are offline. Proposing and accepting a payment plan need a connection.');
    cleanup();
    await closeDevices();

    const done = await device(CARLA, ['consumer'], { booking: booking('completed'), milestone: milestone('released', { releasedAmount: usd(8000), feeAmount: usd(800) }) });
    renderPage(connected(done));
    await screen.findByTestId('milestone');
    expect(screen.queryByTestId('plan')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Change the payment plan' })).toBeNull();
  });

  it('closes the confirm question when a newer plan takes the place of the one it asked about', async () => {
    const client = await device(CARLA, ['consumer'], { booking: booking('awaiting_payment'), milestones: [milestone('agreed'), ...proposal()] });
    renderPage(connected(client));
    fireEvent.click(await within(await screen.findByTestId('plan-proposal')).findByRole('button', { name: 'Accept this plan' }));
    expect(await within(plan()).findByText('Accept this plan? The parts not paid for yet are replaced, and the booking comes to $95.00.')).toBeTruthy();
    // The worker replaces the plan meanwhile with a dearer one.
    const newer = '0190a000-0000-7000-8000-0000000000f3';
    await client.db.milestones.bulkUpsert([
      ...proposal(2).map((m) => ({ ...m, status: 'cancelled' as const })),
      milestone('proposed', {
        id: newer, position: 3, description: 'All of it', amount: usd(20000), fee: usd(2000), net: usd(18000),
        timeline: [{ at: '2026-11-19T11:00:00.000Z', event: 'proposed', status: 'proposed', by: 'worker', actorId: OMAR }],
      }),
    ]);
    await waitFor(() => expect(within(plan()).getByTestId('proposal-parts').textContent).toContain('All of it: $200.00'));
    expect(within(plan()).queryByRole('button', { name: 'Accept the plan' })).toBeNull();
    expect(within(plan()).getByRole('button', { name: 'Accept this plan' })).toBeTruthy();
    expect(await issuedCommands(client)).toEqual([]);
  });

  it('says so when the server withdrew the last plan because a part it would replace was paid first', async () => {
    const paid = milestone('funded', { fundedAt: '2026-11-19T10:30:00.000Z' });
    const withdrawn = proposal(2).map((m) => ({
      ...m, status: 'cancelled' as const,
      timeline: [...m.timeline, { at: '2026-11-19T10:30:00.000Z', event: 'cancel', status: 'cancelled', by: 'system', actorId: null } as const],
    }));
    const client = await device(CARLA, ['consumer'], { booking: booking('funded'), milestones: [paid, ...withdrawn] });
    renderPage(connected(client));
    expect((await screen.findByTestId('plan-withdrawn')).textContent).toBe(
      'The last plan proposed was withdrawn: a part it would replace was paid before it was accepted. Propose a new plan if one is needed.',
    );
    expect(screen.queryByTestId('plan-proposal')).toBeNull();
    expect(screen.getByRole('button', { name: 'Change the payment plan' })).toBeTruthy();
    // Everything agreed is paid for: the plan can only grow.
    expect(screen.getByText(/^Every part agreed is paid for: add more work as new parts\./)).toBeTruthy();
    cleanup();
    await closeDevices();

    // One the other side answered by proposing again is no news.
    const answered = proposal(2).map((m) => ({ ...m, status: 'cancelled' as const, timeline: [...m.timeline, { at: '2026-11-19T10:20:00.000Z', event: 'cancel', status: 'cancelled', by: 'client', actorId: CARLA } as const] }));
    const again = await device(CARLA, ['consumer'], { booking: booking('funded'), milestones: [paid, ...answered] });
    renderPage(connected(again));
    await screen.findByRole('button', { name: 'Change the payment plan' });
    expect(screen.queryByTestId('plan-withdrawn')).toBeNull();
  });

  it('shows no plan left waiting once the booking has ended, and one waiting out a dispute as on hold', async () => {
    const released = milestone('released', { releasedAmount: usd(8000), feeAmount: usd(800) });
    const done = await device(OMAR, ['operator'], { booking: booking('completed'), milestones: [released, ...proposal()] });
    renderPage(connected(done));
    await screen.findByTestId('milestone');
    expect(screen.queryByTestId('plan-proposal')).toBeNull();
    expect(screen.queryByTestId('money-offline')).toBeNull();
    cleanup();
    await closeDevices();

    const held = await device(CARLA, ['consumer'], { booking: booking('disputed'), milestones: [milestone('disputed'), ...proposal()] });
    renderPage(connected(held));
    await waitFor(() => expect(plan().textContent).toContain('While the dispute is open, no plan can be accepted or proposed'));
    expect(within(plan()).queryByRole('button', { name: 'Accept this plan' })).toBeNull();
    expect(within(plan()).queryByRole('button', { name: 'Propose something else' })).toBeNull();
  });

  it('shows an agreed part’s due date on its row', async () => {
    const client = await device(CARLA, ['consumer'], { booking: booking('awaiting_payment'), milestone: milestone('agreed', { dueAt: '2026-12-01T22:59:00.000Z' }) });
    renderPage(connected(client));
    expect((await screen.findByTestId('milestone-due')).textContent).toMatch(/^DueDec 1, 2026/);
  });

  it('moves focus into the dispute form when it opens, and back to its button when it is closed', async () => {
    const client = await device(OMAR, ['operator'], { booking: booking('in_progress'), milestone: milestone('funded') });
    renderPage(connected(client));
    fireEvent.click(await within(await screen.findByTestId('milestone')).findByRole('button', { name: 'Open a dispute' }));
    const form = within(row()).getByRole('form', { name: 'Open a dispute' });
    await waitFor(() => expect(document.activeElement).toBe(within(form).getByLabelText('What went wrong?')));
    fireEvent.change(within(form).getByLabelText('What went wrong?'), { target: { value: 'On second thoughts' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Never mind' }));
    await waitFor(() => expect(document.activeElement).toBe(within(row()).getByRole('button', { name: 'Open a dispute' })));
    // Given up: not kept to open the form again after a reload.
    expect(Object.keys(localStorage).filter((k) => k.startsWith('fw.draft.'))).toEqual([]);
  });

  it('moves focus into the form when it opens, and to the next part when one is removed', async () => {
    const client = await device(OMAR, ['operator'], { booking: booking('awaiting_payment'), milestone: milestone('agreed') });
    renderPage(connected(client));
    fireEvent.click(await screen.findByRole('button', { name: 'Change the payment plan' }));
    await waitFor(() => expect(document.activeElement?.textContent).toBe('New payment plan'));
    const form = within(screen.getByTestId('plan-form'));
    fireEvent.click(form.getByRole('button', { name: 'Add a part' }));
    fireEvent.click(form.getByRole('button', { name: 'Remove part 1' }));
    await waitFor(() => expect(document.activeElement).toBe(form.getByLabelText('What this part covers')));
    fireEvent.click(form.getByRole('button', { name: 'Never mind' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Change the payment plan' })));
  });
});
