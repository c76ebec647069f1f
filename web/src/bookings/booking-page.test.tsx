// @vitest-environment happy-dom
// The booking page against a real SyncClient on memory storage (offline): the viewer's actions as the machine
// allows them, a step shown at once as not yet confirmed, money steps left to the payment plan (and waiting
// for it to sync), cancelling a paid booking only with the server, the chat, admin read-only.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { Locale } from '@shared/locales';
import type { StoredDocTypes } from '@shared/rxdb-schemas';
import type { SyncClient } from '../sync/client';
import { moneyDevice, reachable, stubServer } from '../money/test-support';
import { closeDevices, issuedCommands, offlineDevice } from '../sync/test-support';
import { formatDateTime } from '../i18n/format';
import { renderBookingPage } from './test-support';

const CARLA = '0190a000-0000-7000-8000-000000000001';
const OMAR = '0190a000-0000-7000-8000-000000000010';
const ADA = '0190a000-0000-7000-8000-000000000099';
const BOOKING = '0190a000-0000-7000-8000-0000000000b1';
const T0 = '2026-11-19T10:00:00.000Z';

type Profile = StoredDocTypes['profiles'];
type Booking = StoredDocTypes['bookings'];
type Milestone = StoredDocTypes['milestones'];

const profile = (id: string, roles: Profile['roles']): Profile => ({
  id, phone: '', displayName: id === OMAR ? 'Omar Operator' : 'Someone', roles, locale: 'en', bio: '', skills: {}, available: false, updatedAt: T0,
});

const booking = (status: Booking['status'], over: Partial<Booking> = {}): Booking => ({
  id: BOOKING, gigId: '0190a000-0000-7000-8000-0000000000a1', title: 'Fix the tap', clientId: CARLA, clientName: 'Carla Client',
  clientPhone: '+14155550101', workerId: OMAR, workerName: 'Omar Operator', workerPhone: '+14155550110',
  price: { amount: 8050, currency: 'USD' }, status, changeRounds: 0,
  timeline: [
    { at: T0, event: 'created', status: 'awaiting_payment', by: 'worker', actorId: OMAR },
    { at: '2026-11-19T10:05:00.000Z', event: 'payment_confirmed', status: 'funded', by: 'system', actorId: null },
  ],
  createdAt: T0, updatedAt: T0, version: 2, ...over,
});

const milestone = (status: Milestone['status']): Milestone => ({
  id: '0190a000-0000-7000-8000-0000000000d1', bookingId: BOOKING, clientId: CARLA, workerId: OMAR, position: 0, description: 'Fix the tap',
  amount: { amount: 8050, currency: 'USD' }, feeBps: 1000, fee: { amount: 805, currency: 'USD' }, net: { amount: 7245, currency: 'USD' }, status,
  changeRounds: 0, releasedAmount: { amount: 0, currency: 'USD' }, refundedAmount: { amount: 0, currency: 'USD' }, feeAmount: { amount: 0, currency: 'USD' },
  timeline: [], createdAt: T0, updatedAt: T0, version: 1,
});

/** Part `n` (from 1) of a payment plan of several. */
const part = (n: number, status: Milestone['status']): Milestone => ({ ...milestone(status), id: `0190a000-0000-7000-8000-0000000000d${n}`, position: n - 1 });

const PLAN_SYNCING = 'The payment plan is still syncing to this device. Submitting, approving, requesting changes and cancelling a paid booking wait for it.';

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

/** A device after a sync, now offline: the user's profile and the booking as the server sent them. */
async function device(userId: string, roles: Profile['roles'], b: Booking) {
  const client = await offlineDevice({ id: userId, roles });
  await client.db.profiles.insert(profile(userId, roles));
  await client.db.bookings.insert(b);
  return client;
}

const renderPage = (client: SyncClient, locale: Locale = 'en') => renderBookingPage(client, BOOKING, { locale });

const status = () => screen.getByTestId('booking-status');

describe('booking page, worker', () => {
  it('offers Start on a paid booking, and shows the step at once as not yet confirmed', async () => {
    const client = await device(OMAR, ['operator'], booking('funded'));
    renderPage(client);
    await screen.findByRole('heading', { level: 1, name: 'Fix the tap' });
    expect(status().dataset.status).toBe('funded');
    expect(within(status()).queryByTestId('pending-mark')).toBeNull();
    // The other party, with a phone to call.
    expect(screen.getByRole('link', { name: /^Call Carla Client/ }).getAttribute('href')).toBe('tel:+14155550101');
    // Installed, the app has no Back button of the browser's.
    expect(screen.getByRole('link', { name: 'Back to my jobs' }).getAttribute('href')).toBe('/o/jobs');
    expect(screen.queryByRole('button', { name: 'Approve' })).toBeNull();
    // Cancelling a paid booking refunds the client: offline it is there, but waits for a connection.
    expect((screen.getByRole('button', { name: 'Cancel booking' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('cancel-offline').textContent).toBe('You are offline. Cancelling a paid booking refunds the client, so it needs a connection.');

    fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(status().dataset.status).toBe('in_progress'));
    expect(status().textContent).toContain('In progress');
    expect(within(status()).getByTestId('pending-mark')).toBeTruthy();
    expect(await issuedCommands(client)).toEqual([{ type: 'booking.start', status: 'pending', payload: { bookingId: BOOKING } }]);

    // The new history entry is the one marked; delivering is the payment plan's step, and it is not here yet.
    const entries = within(screen.getByTestId('timeline')).getAllByRole('listitem');
    expect(entries.map((li) => li.dataset.event)).toEqual(['created', 'payment_confirmed', 'start']);
    expect(within(entries[2]!).getByTestId('pending-mark')).toBeTruthy();
    expect(within(entries[1]!).queryByTestId('pending-mark')).toBeNull();
    expect(entries[1]!.textContent).toContain('Payment confirmed by Fieldwork');
    expect(screen.queryByRole('button', { name: 'Start' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Mark delivered' })).toBeNull();
    expect(screen.getByTestId('plan-syncing').textContent).toBe(PLAN_SYNCING);
    await waitFor(() => expect(screen.getByTestId('action-notice').textContent).toContain('Saved on this device'));

    // The server's answer arrives: the command applied, and the booking as it now stands.
    const [sent] = await client.db.commands.find().exec();
    const at = '2026-11-19T11:00:00.000Z';
    const started = booking('in_progress');
    await client.db.bookings.upsert({ ...started, timeline: [...started.timeline, { at, event: 'start', status: 'in_progress', by: 'worker', actorId: OMAR }], updatedAt: at, version: 3 });
    await sent!.incrementalPatch({ status: 'applied', result: '{}', decidedAt: at, updatedAt: at });
    await waitFor(() => expect(screen.getByTestId('action-notice').textContent).toBe('Done: the server confirmed it.'));
    expect(status().dataset.status).toBe('in_progress');
    expect(screen.queryAllByTestId('pending-mark')).toEqual([]);
  });

  it('sends a chat message offline and shows it as mine, not yet confirmed', async () => {
    const client = await device(OMAR, ['operator'], booking('awaiting_payment'));
    renderPage(client);
    const box = await screen.findByLabelText('Message');
    expect(screen.getByText(/Waiting for the client’s payment/)).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Write a message first.');

    fireEvent.change(box, { target: { value: '  On my way at 3pm  ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    const item = await within(screen.getByTestId('chat')).findByText('On my way at 3pm');
    const li = item.closest('li')!;
    expect(li.className).toBe('mine');
    expect(within(li).getByTestId('pending-mark').textContent).toContain('Not yet confirmed');
    expect((box as HTMLTextAreaElement).value).toBe('');
    const [cmd] = await issuedCommands(client);
    expect(cmd).toMatchObject({ type: 'message.send', status: 'pending', payload: { bookingId: BOOKING, body: 'On my way at 3pm' } });
    expect(cmd!.payload.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });

  it('keeps a message being written through a reload, and forgets it once sent', async () => {
    const client = await device(OMAR, ['operator'], booking('in_progress'));
    renderPage(client);
    fireEvent.change(await screen.findByLabelText('Message'), { target: { value: 'Half written' } });
    cleanup();
    // The app reloads (an update, a crash): the words are still there.
    renderPage(client);
    const box = (await screen.findByLabelText('Message')) as HTMLTextAreaElement;
    expect(box.value).toBe('Half written');
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await within(screen.getByTestId('chat')).findByText('Half written');
    cleanup();
    renderPage(client);
    expect(((await screen.findByLabelText('Message')) as HTMLTextAreaElement).value).toBe('');
  });

  it('shows a message written offline at the time it was written, and when it was sent if that was much later', async () => {
    const client = await device(OMAR, ['operator'], booking('in_progress'));
    const message = (id: string, body: string, createdAt: string, updatedAt: string) =>
      ({ id, bookingId: BOOKING, senderId: CARLA, body, createdAt, updatedAt });
    await client.db.messages.bulkInsert([
      message('0190a000-0000-7000-8000-0000000000a1', 'Written offline', '2026-11-19T10:00:00.000Z', '2026-11-19T10:45:00.000Z'),
      message('0190a000-0000-7000-8000-0000000000a2', 'Sent at once', '2026-11-19T10:30:00.000Z', '2026-11-19T10:30:01.000Z'),
    ]);
    renderPage(client);
    const chat = await screen.findByTestId('chat');
    await waitFor(() => expect(within(chat).getAllByRole('listitem')).toHaveLength(2));
    const [late, prompt] = within(chat).getAllByRole('listitem') as [HTMLElement, HTMLElement];
    // In the order they were written; the late one says when it went.
    expect(late.textContent).toContain('Written offline');
    expect(within(late).getByTestId('chat-sent-late').textContent).toBe(` · sent ${formatDateTime('2026-11-19T10:45:00.000Z', 'en')}`);
    expect(within(prompt).queryByTestId('chat-sent-late')).toBeNull();
  });
});

describe('booking page, client', () => {
  it('between parts, tells each side that the next part waits for its payment rather than that work goes on', async () => {
    for (const [who, roles, sentence] of [
      [OMAR, ['operator'], 'The next part is not paid yet: wait until the client pays it (under Payment) before you go on. If it will not be paid, you can drop it there.'],
      [CARLA, ['consumer'], 'The next part is waiting for your payment (under Payment): the worker goes on once it is paid.'],
    ] as const) {
      const client = await device(who, [...roles], booking('in_progress'));
      await client.db.milestones.bulkInsert([part(1, 'released'), part(2, 'agreed')]);
      renderPage(client);
      await waitFor(() => expect(screen.getByTestId('booking-hint').textContent).toBe(sentence));
      // Once that part is paid, the work goes on as usual.
      await client.db.milestones.upsert({ ...part(2, 'funded'), version: 2 });
      await waitFor(() => expect(screen.getByTestId('booking-hint').textContent).not.toBe(sentence));
      cleanup();
      await closeDevices();
    }
  });

  it('with one part in review and a paid one still to do, says work goes on rather than "Delivered"', async () => {
    for (const [who, roles, sentence] of [
      [OMAR, ['operator'], 'The client is checking the part you handed in. Go on with the next paid part meanwhile (under Payment).'],
      [CARLA, ['consumer'], 'Check the part handed in (under Payment), then approve it or request changes. The worker goes on with the rest meanwhile.'],
    ] as const) {
      const client = await device(who, [...roles], booking('delivered'));
      await client.db.milestones.bulkInsert([part(1, 'submitted'), part(2, 'funded')]);
      renderPage(client);
      await waitFor(() => expect(screen.getByTestId('booking-hint').textContent).toBe(sentence));
      expect(status().textContent).toBe('Status: A part handed in, work goes on');
      expect(status().dataset.status).toBe('delivered');
      // The other part handed in too: both wait for the client, and the booking is delivered.
      await client.db.milestones.upsert({ ...part(2, 'submitted'), version: 2 });
      await waitFor(() => expect(status().textContent).toBe('Status: Delivered'));
      expect(screen.getByTestId('booking-hint').textContent).toBe(who === OMAR ? 'Waiting for the client to check the work.' : 'Check the work, then approve it or request changes.');
      // A third part agreed and not paid yet: what is handed in is not all of the work.
      await client.db.milestones.insert(part(3, 'agreed'));
      await waitFor(() => expect(status().textContent).toBe('Status: Handed in for review, more parts to come'));
      await client.db.milestones.upsert({ ...part(3, 'cancelled'), version: 2 });
      await waitFor(() => expect(status().textContent).toBe('Status: Delivered'));
      // Changes asked for on the first while the second waits (the booking stays delivered): the changes come first.
      await client.db.milestones.upsert({ ...part(1, 'changes_requested'), version: 2 });
      await waitFor(() => expect(status().textContent).toBe('Status: A part handed in, work goes on'));
      expect(screen.getByTestId('booking-hint').textContent).toBe(
        who === OMAR
          ? 'The client asked for changes on a part (under Payment): make them and submit it again. Another part you handed in waits for the client’s check.'
          : 'Check the part handed in (under Payment), then approve it or request changes. The worker is making the changes you asked for on another part.',
      );
      cleanup();
      await closeDevices();
    }
  });

  it('mid-sync (the booking here, its payment plan not yet) offers no step that moves money, and says the plan is syncing', async () => {
    const client = await device(CARLA, ['consumer'], booking('delivered'));
    renderPage(client);
    expect((await screen.findByTestId('plan-syncing')).textContent).toBe(PLAN_SYNCING);
    expect(screen.getByText('No payment plan on this device yet. It may still be syncing.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /^Approve/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Request changes' })).toBeNull();
    expect(screen.queryByText('Nothing for you to do right now.')).toBeNull();
    expect(await issuedCommands(client)).toEqual([]);
    expect(status().dataset.status).toBe('delivered');
  });

  it('cancels a paid booking only while the server answers, saying what goes back, and once for a double click', async () => {
    const { client, online$ } = await moneyDevice(CARLA, ['consumer'], false);
    await client.db.profiles.insert(profile(CARLA, ['consumer']));
    await client.db.bookings.insert(booking('funded'));
    await client.db.milestones.insert(milestone('funded'));
    renderBookingPage(reachable(client), BOOKING);
    const cancel = (await screen.findByRole('button', { name: 'Cancel booking' })) as HTMLButtonElement;
    expect(screen.getByRole('link', { name: 'Back to my gigs' }).getAttribute('href')).toBe('/c');
    expect(cancel.disabled).toBe(true);
    // Said to the client in the second person: the refund is theirs.
    expect(screen.getByTestId('cancel-offline').textContent).toBe('You are offline. Cancelling a paid booking refunds you, so it needs a connection.');

    act(() => online$.next(true));
    await waitFor(() => expect(cancel.disabled).toBe(false));
    expect(screen.queryByTestId('cancel-offline')).toBeNull();
    fireEvent.click(cancel);
    expect(await screen.findByText('Cancel this booking? $80.50 comes back to you. This cannot be undone.')).toBeTruthy();
    const confirm = screen.getByRole('button', { name: 'Confirm cancellation' });
    fireEvent.click(confirm);
    fireEvent.click(confirm);
    await waitFor(async () => expect(await issuedCommands(client)).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 100));
    expect(await issuedCommands(client)).toEqual([{ type: 'booking.cancel', status: 'pending', payload: { bookingId: BOOKING } }]);
  });

  it('cancels only after a confirm step, with the optional reason', async () => {
    // Before payment the server shares no phone numbers, and the page says when it will.
    const client = await device(CARLA, ['consumer'], booking('awaiting_payment', { workerPhone: '' }));
    renderPage(client);
    await screen.findByRole('heading', { level: 1, name: 'Fix the tap' });
    expect(screen.queryByRole('link', { name: /^Call / })).toBeNull();
    expect(screen.getByText('Phone numbers are shared once you have paid.')).toBeTruthy();
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel booking' }));
    expect(await issuedCommands(client)).toEqual([]);
    // The client learns that the gig is offered again, not called off.
    expect(screen.getByTestId('cancel-reopens-gig').textContent).toBe(
      'Your gig then goes back on offer, and another worker may accept it. If you no longer need it, cancel the gig too.',
    );
    // Kept: focus goes back to the button that asked.
    fireEvent.click(screen.getByRole('button', { name: 'Keep the booking' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel booking' })));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel booking' }));
    fireEvent.change(screen.getByLabelText('Reason (optional)'), { target: { value: 'Found someone closer' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm cancellation' }));
    await waitFor(() => expect(status().dataset.status).toBe('cancelled'));
    expect(await issuedCommands(client)).toEqual([
      { type: 'booking.cancel', status: 'pending', payload: { bookingId: BOOKING, reason: 'Found someone closer' } },
    ]);
  });

  it('says the gig ends with the booking when its offer has ended, and goes back on offer while it runs', async () => {
    const gigDoc = (expiresAt: string): StoredDocTypes['gigs'] => ({
      id: booking('awaiting_payment').gigId!, clientId: CARLA, clientName: 'Carla Client', title: 'Fix the tap', description: '', skills: { plumbing: 2 },
      budget: { amount: 8050, currency: 'USD' }, location: { lat: 37.76, lng: -122.41 }, exactLocation: true, address: '', areaLabel: '',
      expiresAt, status: 'assigned', bookingId: BOOKING, workerId: OMAR, createdAt: T0, updatedAt: T0, version: 2,
    });
    const client = await device(CARLA, ['consumer'], booking('awaiting_payment', { workerPhone: '' }));
    await client.db.gigs.insert(gigDoc('2026-11-20T18:00:00.000Z'));
    renderPage(client, 'es');
    fireEvent.click(await screen.findByRole('button', { name: 'Cancelar reserva' }));
    // The gig reaches the page by its own query, which may answer after the booking's (a busy machine).
    await waitFor(() =>
      expect(screen.getByTestId('cancel-reopens-gig').textContent).toMatch(/^La oferta de tu trabajo terminó el .*20.*, así que el trabajo termina con esta reserva\./),
    );

    cleanup();
    await client.db.gigs.upsert(gigDoc(new Date(Date.now() + 86_400_000).toISOString()));
    renderPage(client);
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel booking' }));
    await waitFor(() => expect(screen.getByTestId('cancel-reopens-gig').textContent).toMatch(/^Your gig then goes back on offer/));
  });

  it('closes the chat of a cancelled booking, saying why', async () => {
    const client = await device(CARLA, ['consumer'], booking('cancelled', { workerPhone: '' }));
    renderPage(client);
    expect((await screen.findByTestId('chat-closed')).textContent).toBe('This booking was cancelled, so its chat is closed.');
    expect(screen.queryByLabelText('Message')).toBeNull();
  });

  it('speaks Spanish', async () => {
    const client = await device(CARLA, ['consumer'], booking('delivered'));
    renderPage(client, 'es');
    expect((await screen.findByTestId('plan-syncing')).textContent).toBe(
      'El plan de pagos aún se está sincronizando en este dispositivo. Entregar, aprobar, pedir cambios y cancelar una reserva pagada esperan a que llegue.',
    );
    expect(status().textContent).toContain('Entregado');
    expect(screen.getByLabelText('Mensaje')).toBeTruthy();
  });
});

describe('booking page, a dispute on a part', () => {
  const TOILET = '0190a000-0000-7000-8000-0000000000d7';
  const RESPOND_BY = '2026-11-27T17:40:00.000Z';
  const usd = (amount: number) => ({ amount, currency: 'USD' as const });
  const toilet = (over: Partial<Milestone> = {}): Milestone => ({
    ...milestone('disputed'), id: TOILET, description: 'Fix running toilet', amount: usd(6000), fee: usd(600), net: usd(5400), ...over,
  });
  const dispute = (openedBy: 'client' | 'worker', refund: number, over: Partial<StoredDocTypes['disputes']> = {}): StoredDocTypes['disputes'] => ({
    id: '0190a000-0000-7000-8000-0000000000e7', bookingId: BOOKING, milestoneId: TOILET, clientId: CARLA, workerId: OMAR, openedBy,
    openedById: openedBy === 'client' ? CARLA : OMAR, reason: 'Still running', amount: usd(6000), refundAmount: usd(refund), status: 'open',
    respondBy: RESPOND_BY, evidence: [], openedAt: T0, createdAt: T0, updatedAt: T0, version: 1, ...over,
  });
  const WITHOUT_ANSWER = 'This booking has a dispute on a part: see it under Payment. Without an answer in time, its claim applies; once it is answered, a mediator decides.';

  async function disputed(userId: string, roles: Profile['roles'], d: StoredDocTypes['disputes'], parts: Milestone[] = [toilet()]) {
    const client = await device(userId, roles, booking('disputed'));
    await client.db.milestones.bulkInsert(parts);
    await client.db.disputes.insert(d);
    return client;
  }
  const steps = () => screen.getAllByTestId('dispute-step').map((p) => p.textContent);

  it('tells the side that must answer what to do, by when, and where the money goes without an answer', async () => {
    // Omar's client claims all $60 back; the server applies the claim if he stays silent past the deadline.
    const worker = await disputed(OMAR, ['operator'], dispute('client', 6000));
    renderPage(worker);
    await waitFor(() =>
      expect(steps()).toEqual(['Answer by Nov 27, 2026, 5:40 PM: add evidence, or accept the claim (under Payment). Without an answer, $60.00 goes back to the client.']),
    );
    expect(screen.queryByTestId('no-actions')).toBeNull();
    expect(screen.getByTestId('booking-hint').textContent).toBe(WITHOUT_ANSWER);
    // The dispute card says the same rule.
    expect((await within(await screen.findByTestId('dispute')).findByText(/^You can answer until/)).textContent).toBe('You can answer until Nov 27, 2026, 5:40 PM; without an answer, the claim applies.');
    cleanup();
    await closeDevices();

    // The worker opened it, claiming $40 of the $60: the client answers, and hears what comes back to them.
    const client = await disputed(CARLA, ['consumer'], dispute('worker', 2000));
    renderPage(client);
    await waitFor(() =>
      expect(steps()).toEqual([
        'Answer by Nov 27, 2026, 5:40 PM: add evidence, or accept the claim (under Payment). Without an answer, $20.00 comes back to you and $40.00 goes to the worker.',
      ]),
    );
    expect(screen.queryByText('Nothing for you to do right now.')).toBeNull();
  });

  it('once the time to answer has run out with no answer, says the claim applies, to each side', async () => {
    // The server's window job settles it within a minute; until the settled dispute arrives, nobody is told to answer.
    const ended = dispute('client', 6000, { respondBy: '2026-11-21T11:00:00.000Z' });
    const worker = await disputed(OMAR, ['operator'], ended);
    renderPage(worker);
    await waitFor(() => expect(steps()).toEqual(['The time to answer ended Nov 21, 2026, 11:00 AM with no answer: $60.00 goes back to the client.']));
    expect(screen.getByTestId('dispute-step').className).toBe('hint');
    cleanup();
    await closeDevices();

    const client = await disputed(CARLA, ['consumer'], ended, [toilet()]);
    renderPage(client, 'es');
    await waitFor(() => expect(steps().map((text) => text!.replace(/\u00a0/g, ' '))).toEqual([`No llegó respuesta antes del ${formatDateTime(ended.respondBy, 'es').replace(/\u00a0/g, ' ')}, así que se aplica tu reclamación: 60,00 US$ se te devuelven.`]));
  });

  it('tells the side that opened it that it waits for the answer until the deadline, then what follows', async () => {
    const worker = await disputed(OMAR, ['operator'], dispute('worker', 2000));
    renderPage(worker);
    // What the worker nets if the claim applies: the 10% fee of the $40 released, not of the whole.
    await waitFor(() =>
      expect(steps()).toEqual([
        'Waiting for the client’s answer until Nov 27, 2026, 5:40 PM. Without an answer, your claim applies: $20.00 goes back to the client and you receive $36.00 after the $4.00 platform fee. If they answer, a mediator decides. You can add evidence meanwhile (under Payment).',
      ]),
    );
    expect(screen.getByTestId('booking-hint').textContent).toBe(WITHOUT_ANSWER);
    cleanup();
    await closeDevices();

    const client = await disputed(CARLA, ['consumer'], dispute('client', 6000));
    renderPage(client);
    await waitFor(() =>
      expect(steps()).toEqual([
        'Waiting for the worker’s answer until Nov 27, 2026, 5:40 PM. Without an answer, your claim applies: $60.00 comes back to you. If they answer, a mediator decides. You can add evidence meanwhile (under Payment).',
      ]),
    );
    // The worker answers: now a mediator decides, and both lines say so.
    await client.db.disputes.upsert(dispute('client', 6000, { respondedAt: '2026-11-24T09:00:00.000Z', version: 2 }));
    await waitFor(() =>
      expect(steps()).toEqual(['The worker answered, so a mediator decides, unless they accept your claim first. You can add evidence meanwhile (under Payment).']),
    );
    expect(screen.getByTestId('booking-hint').textContent).toBe(
      'This booking has a dispute on a part: see it under Payment. It was answered, so a mediator decides, unless the claim is accepted first.',
    );
  });

  it('does not offer accepting while the client’s bank holds the money, which the claim then waits for', async () => {
    const opened = { at: '2026-11-20T10:00:00.000Z', event: 'bank_dispute_opened', status: 'disputed', by: 'system', actorId: null } as const;
    const worker = await disputed(OMAR, ['operator'], dispute('client', 6000), [toilet({ timeline: [opened] })]);
    renderPage(worker);
    await waitFor(() =>
      expect(steps()).toEqual([
        'Answer by Nov 27, 2026, 5:40 PM: add evidence (under Payment). Without an answer, the claim applies once the bank gives the money back: $60.00 goes back to the client.',
      ]),
    );
  });

  it('with disputes on two parts, names each part, the one awaiting the viewer’s answer first', async () => {
    const second = toilet({ id: '0190a000-0000-7000-8000-0000000000d8', description: 'Replace the flapper', position: 1 });
    const client = await disputed(CARLA, ['consumer'], dispute('client', 6000), [toilet(), second]);
    await client.db.disputes.insert(
      dispute('worker', 0, { id: '0190a000-0000-7000-8000-0000000000e8', milestoneId: second.id, respondBy: '2026-11-28T09:00:00.000Z', openedAt: '2026-11-21T10:00:00.000Z' }),
    );
    renderPage(client);
    await waitFor(() =>
      expect(steps()).toEqual([
        'Replace the flapper: Answer by Nov 28, 2026, 9:00 AM: add evidence, or accept the claim (under Payment). Without an answer, $60.00 goes to the worker.',
        'Fix running toilet: Waiting for the worker’s answer until Nov 27, 2026, 5:40 PM. Without an answer, your claim applies: $60.00 comes back to you. If they answer, a mediator decides. You can add evidence meanwhile (under Payment).',
      ]),
    );
  });

  it('speaks Spanish, with the money as a plural subject', async () => {
    const worker = await disputed(OMAR, ['operator'], dispute('client', 6000));
    renderPage(worker, 'es');
    const date = formatDateTime(RESPOND_BY, 'es').replace(/\u00a0/g, ' ');
    await waitFor(() =>
      expect(steps().map((s) => s!.replace(/\u00a0/g, ' '))).toEqual([
        `Tienes hasta el ${date} para responder: añade pruebas o acepta la reclamación (en Pago). Sin respuesta, 60,00 US$ vuelven al cliente.`,
      ]),
    );
    expect(screen.queryByText('Ahora no tienes nada que hacer.')).toBeNull();
    expect(screen.getByTestId('booking-hint').textContent).toBe(
      'Esta reserva tiene una disputa sobre una parte: mírala en Pago. Sin respuesta a tiempo, se aplica su reclamación; si se responde, decide un mediador.',
    );
  });

  it('tells an admin reading the rule of the deadline, and nothing to do', async () => {
    const admin = await disputed(ADA, ['admin'], dispute('client', 6000));
    renderPage(admin);
    await waitFor(() => expect(screen.getByTestId('booking-hint').textContent).toBe(WITHOUT_ANSWER));
    expect(screen.getByTestId('read-only')).toBeTruthy();
    expect(screen.queryAllByTestId('dispute-step')).toEqual([]);
    // Where a mediator acts on it, and the way back to the admin's list.
    const mediate = within(screen.getByTestId('admin-dispute-links')).getByRole('link', { name: 'Mediate the dispute on “Fix running toilet”' });
    expect(mediate.getAttribute('href')).toMatch(/^\/a\/disputes\/0190a000-/);
    expect(screen.getByRole('link', { name: 'Back to bookings' }).getAttribute('href')).toBe('/a/bookings');
  });
});

describe('booking page, a settled dispute', () => {
  it('says where the money went is under Payment', async () => {
    const client = await device(CARLA, ['consumer'], booking('resolved'));
    renderPage(client);
    expect((await screen.findByTestId('booking-hint')).textContent).toBe('The dispute was settled: where the money went is under Payment, each part with its history.');
  });
});

describe('booking page, admin', () => {
  it('is read-only for an admin who is not a party', async () => {
    const client = await device(ADA, ['admin'], booking('funded'));
    renderPage(client);
    expect((await screen.findByTestId('read-only')).textContent).toBe('You are viewing this booking as an admin: its steps are its parties’ to take.');
    // No dispute here, so no milestones for a mediator on this device: read from the server, which needs a connection.
    expect((await screen.findByTestId('money-unreachable')).textContent).toContain('The figures are asked for again every few seconds.');
    // Cancelling for both sides is the one step offered, and a paid booking's needs the server, which is out of reach.
    expect(screen.queryAllByRole('button').map((b) => b.textContent)).toEqual(['Cancel for both sides', 'Try again']);
    expect(screen.getByTestId('admin-cancel-offline').textContent).toBe('Cancelling a paid booking needs a connection: its money goes back to the client at once.');
    expect(screen.queryByLabelText('Message')).toBeNull();
    // Both parties are named for the admin.
    expect(screen.getByRole('link', { name: 'Call Carla Client +14155550101' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Call Omar Operator +14155550110' })).toBeTruthy();
  });
});

/** Ada, an admin and no party, on a device that reaches the server (stubbed per test), with the booking synced. */
async function adminOnline(status: Booking['status']) {
  const { client } = await moneyDevice(ADA, ['admin']);
  await client.db.profiles.insert(profile(ADA, ['admin']));
  await client.db.bookings.insert(booking(status));
  renderPage(reachable(client));
  return client;
}

describe('booking page, admin cancelling for both sides', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('asks why, saying what goes back to the client, then sends booking.cancel with the reason; not once work has started', async () => {
    // Two parts paid for, one not: what is held goes back.
    const paid = [{ ...part(1, 'funded'), amount: { amount: 5000, currency: 'USD' as const } }, { ...part(2, 'funded'), amount: { amount: 2550, currency: 'USD' as const } }, part(3, 'agreed')];
    stubServer({ [`GET /money/bookings/${BOOKING}`]: { bookingId: BOOKING, milestones: paid } });
    const client = await adminOnline('funded');
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel for both sides' }));
    expect(screen.getByText(/^Cancel this booking for both sides\? The \$75\.50 the client paid for it goes back to them in full/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel the booking' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Say why: both sides read it, and the audit log keeps it.');
    expect(await issuedCommands(client)).toEqual([]);
    fireEvent.change(screen.getByLabelText('Why? Both sides read it, and the audit log keeps it.'), { target: { value: 'The address is unsafe' } });
    fireEvent.click(screen.getByRole('button', { name: 'Cancel the booking' }));
    await waitFor(async () => expect((await issuedCommands(client)).map((c) => [c.type, c.payload])).toEqual([['booking.cancel', { bookingId: BOOKING, reason: 'The address is unsafe' }]]));
    cleanup();
    await closeDevices();

    await adminOnline('in_progress');
    await screen.findByTestId('read-only');
    expect(screen.queryByRole('button', { name: 'Cancel for both sides' })).toBeNull();
  });
});

describe('booking page, admin reading the money', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('reads each part of a booking without a dispute from the server: where its money is', async () => {
    const released: Milestone = {
      ...part(1, 'released'), description: 'Fix the tap', releasedAmount: { amount: 8050, currency: 'USD' }, feeAmount: { amount: 805, currency: 'USD' },
      settledAt: '2026-11-20T10:00:00.000Z', transferredAt: '2026-11-20T11:00:00.000Z',
    };
    const refunded: Milestone = { ...part(2, 'refunded'), description: 'Replace the washer', refundedAmount: { amount: 8050, currency: 'USD' }, settledAt: '2026-11-20T10:00:00.000Z' };
    // As the server sends it: absent fields as null, which the device's documents leave out.
    const wire = (m: Milestone) => ({ ...m, dueAt: null, paymentExpiresAt: null, checkoutUrl: null, fundedAt: null, submittedAt: null, autoApproveAt: null, deleted: false });
    const server = stubServer({ [`GET /money/bookings/${BOOKING}`]: { bookingId: BOOKING, milestones: [wire(released), wire(refunded)] } });
    const client = await adminOnline('in_progress');
    const rows = await screen.findAllByTestId('milestone');
    expect(rows.map((r) => r.getAttribute('data-status'))).toEqual(['released', 'refunded']);
    expect(rows[0]!.textContent).toContain('Fix the tap');
    expect(rows[1]!.textContent).toContain('Replace the washer');
    expect(server.requests(`/money/bookings/${BOOKING}`)).toHaveLength(1);
    expect(screen.getByTestId('read-only')).toBeTruthy();
    // The booking changes (cancelled, say, which refunds what was held): its money is read again.
    await client.db.bookings.upsert(booking('cancelled', { version: 3 }));
    await waitFor(() => expect(server.requests(`/money/bookings/${BOOKING}`)).toHaveLength(2));
  });
});

describe('a booking whose accept was refused', () => {
  it('says why on the page the worker was sent to, with a way back to the gig', async () => {
    const client = await device(OMAR, ['consumer', 'operator'], booking('funded', { id: '0190a000-0000-7000-8000-0000000000b2' }));
    const gigId = '0190a000-0000-7000-8000-0000000000a1';
    await client.db.commands.insert({
      id: '0190a000-0000-7000-8000-0000000000c1', type: 'gig.accept', payload: JSON.stringify({ gigId, bookingId: BOOKING }),
      issuedAt: T0, status: 'rejected', rejectionCode: 'gig_taken', rejectionMessage: 'This gig was just taken by another worker.',
      decidedAt: T0, updatedAt: T0,
    });
    renderPage(client);
    const alert = await screen.findByTestId('command-rejected');
    expect(alert.textContent).toContain('This gig was just taken by another worker.');
    expect(within(alert).getByRole('link').getAttribute('href')).toBe(`/o/gigs/${gigId}`);
    // Not also, once the booking has been missing a while (useAbsent), "may still be syncing", which the refusal contradicts.
    await new Promise((r) => setTimeout(r, 1600));
    expect(screen.queryByText(/may still be syncing/)).toBeNull();
  });

  it('shows no refusal for a booking that is merely not here yet', async () => {
    const client = await device(OMAR, ['consumer', 'operator'], booking('funded', { id: '0190a000-0000-7000-8000-0000000000b2' }));
    renderPage(client);
    await screen.findByText(/not on this device/, undefined, { timeout: 4000 });
    expect(screen.queryByTestId('command-rejected')).toBeNull();
  });
});
