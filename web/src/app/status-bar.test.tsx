// @vitest-environment happy-dom
// The status bar's refused actions: a refused booking step can be tried again from there; a refused money step
// (milestone, dispute, payout) is not sent again from the bar, which links to where it can be looked at instead.
// And its line: a link that carries nothing is "No connection" after a while, not "Connecting…" for good.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BehaviorSubject } from 'rxjs';
import { act, cleanup, fireEvent, render, screen, within, waitFor } from '@testing-library/react';
import { Router } from 'wouter';
import { memoryLocation } from 'wouter/memory-location';
import { I18nProvider } from '../i18n/i18n';
import type { RejectionCode } from '@shared/rejections';
import type { SyncClient } from '../sync/client';
import { closeDevices, decide, issuedCommands, offlineDevice } from '../sync/test-support';
import { SyncContext } from './sync-context';
import { StatusBar } from './status-bar';
import { NO_ANSWER_MS } from './use-server-reach';

const CARLA = '0190a000-0000-7000-8000-000000000001';
const OMAR = '0190a000-0000-7000-8000-000000000010';
const BOOKING = '0190a000-0000-7000-8000-0000000000b1';
const MILESTONE = '0190a000-0000-7000-8000-0000000000d1';
const DISPUTE = '0190a000-0000-7000-8000-0000000000e1';
const T0 = '2026-11-19T10:00:00.000Z';
const usd = (amount: number) => ({ amount, currency: 'USD' as const });

afterEach(async () => {
  vi.useRealTimers();
  cleanup();
  await closeDevices();
});

let n = 0;
/** A command the server refused, issued after the device was set up (older refusals are not shown). */
async function refused(client: SyncClient, type: string, payload: object, code: RejectionCode = 'invalid_state') {
  const at = new Date(Date.now() + n++).toISOString();
  await client.db.commands.insert({
    id: `0190a000-0000-7000-8000-0000000000c${n}`, type: type as never, payload: JSON.stringify(payload), issuedAt: at, status: 'rejected',
    rejectionCode: code, rejectionMessage: 'This can no longer be done.', decidedAt: at, updatedAt: at,
  });
}

function renderBar(client: SyncClient) {
  const memory = memoryLocation({ path: '/c', record: true });
  render(
    <I18nProvider initial="en">
      <SyncContext.Provider value={client}>
        <Router hook={memory.hook} searchHook={memory.searchHook}>
          <StatusBar />
        </Router>
      </SyncContext.Provider>
    </I18nProvider>,
  );
  return memory;
}

describe('status bar, refused actions', () => {
  it('links a refused money step to its booking, dispute or earnings instead of sending it again', async () => {
    const client = await offlineDevice({ id: CARLA, roles: ['consumer', 'operator', 'admin'] });
    await client.db.milestones.insert({
      id: MILESTONE, bookingId: BOOKING, clientId: CARLA, workerId: OMAR, position: 0, description: 'Fix the tap', amount: usd(8000), feeBps: 1000,
      fee: usd(800), net: usd(7200), status: 'payment_pending', changeRounds: 0, releasedAmount: usd(0), refundedAmount: usd(0), feeAmount: usd(0),
      timeline: [], createdAt: T0, updatedAt: T0, version: 1,
    });
    await refused(client, 'milestone.fund', { milestoneId: MILESTONE });
    await refused(client, 'dispute.resolve', { disputeId: DISPUTE, outcome: 'refund_all', reason: 'No work.' });
    await refused(client, 'payout.request', { currency: 'USD' });
    await refused(client, 'booking.start', { bookingId: BOOKING });
    await refused(client, 'booking.cancel', { bookingId: BOOKING, reason: 'Plans changed' });
    const memory = renderBar(client);
    // Five at once would fill a phone's screen: the newest two show, the rest on request.
    await waitFor(() => expect(screen.getAllByTestId('rejection')).toHaveLength(2));
    fireEvent.click(screen.getByRole('button', { name: 'Show 3 earlier actions not done' }));

    const rows = await screen.findAllByTestId('rejection');
    expect(rows).toHaveLength(5);
    // Items of a list, in a landmark of their own, each with its sentence as the alert (buttons not read out).
    expect(screen.getByRole('list', { name: 'Not done' }).closest('section')?.getAttribute('aria-label')).toBe('Sync status');
    expect(screen.getAllByRole('listitem')).toEqual(rows);
    expect(screen.getAllByRole('alert').map((a) => a.closest('li'))).toEqual(rows);
    expect(within(screen.getAllByRole('alert')[0]!).queryByRole('button')).toBeNull();
    const [fund, resolve, payout, start, cancel] = rows as [HTMLElement, HTMLElement, HTMLElement, HTMLElement, HTMLElement];
    for (const row of [fund, resolve, payout, cancel]) expect(within(row).queryByRole('button', { name: 'Try again' })).toBeNull();
    // Cancelling a paid booking refunds it: looked at again on the booking, where it asks first.
    expect(within(cancel).getByRole('link', { name: 'See the booking' }).getAttribute('href')).toBe(`/b/${BOOKING}`);
    expect((await within(fund).findByRole('link', { name: 'See the booking' })).getAttribute('href')).toBe(`/b/${BOOKING}`);
    expect(within(resolve).getByRole('link', { name: 'See the dispute' }).getAttribute('href')).toBe(`/a/disputes/${DISPUTE}`);
    expect(within(payout).getByRole('link', { name: 'See your earnings' }).getAttribute('href')).toBe('/o/earnings');
    // The booking moved on (invalid_state): sent again, it would meet the same refusal.
    expect(within(start).queryByRole('button', { name: 'Try again' })).toBeNull();
    // Each notice names what was not done, so that several side by side can be told apart.
    expect(start.textContent).toMatch(/^Not done \(Starting a job\): /);
    // A part's step names the part: of a booking of several, the booking's title would not say which.
    expect(fund.textContent).toMatch(/^Not done \(Paying a part “Fix the tap”\): /);

    fireEvent.click(within(fund).getByRole('link', { name: 'See the booking' }));
    expect(memory.history!.at(-1)).toBe(`/b/${BOOKING}`);
    // Following the link sent nothing: only the five refused commands are on the device.
    expect((await issuedCommands(client)).map((c) => c.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
  });

  it('offers no "Try again" where the same action would be refused again: a gig another operator took', async () => {
    const client = await offlineDevice({ id: OMAR, roles: ['consumer', 'operator'] });
    await refused(client, 'gig.accept', { gigId: '0190a000-0000-7000-8000-0000000000f1', bookingId: BOOKING }, 'gig_taken');
    await refused(client, 'availability.set', { available: true }, 'profile_incomplete');
    renderBar(client);
    const [taken, incomplete] = (await screen.findAllByTestId('rejection')) as [HTMLElement, HTMLElement];
    expect(taken.getAttribute('data-code')).toBe('gig_taken');
    expect(within(taken).queryByRole('button', { name: 'Try again' })).toBeNull();
    expect(within(taken).getByRole('button', { name: 'Dismiss' })).toBeTruthy();
    // Fixable by the person first (skills and a place on their profile): worth sending again.
    expect(within(incomplete).getByRole('button', { name: 'Try again' })).toBeTruthy();
  });

  it('names what a refused action was about, when the device knew it as it was sent', async () => {
    const client = await offlineDevice({ id: CARLA, roles: ['consumer'] });
    const { id } = await client.issue('gig.update', { gigId: '0190a000-0000-7000-8000-0000000000f3', title: 'Mount a 55-inch TV on the living room drywall, cables hidden' });
    const at = new Date().toISOString();
    await (await client.db.commands.findOne(id).exec())!.incrementalPatch({
      status: 'rejected', rejectionCode: 'gig_booked', rejectionMessage: 'A worker accepted this gig before your change arrived.', decidedAt: at, updatedAt: at,
    });
    renderBar(client);
    const row = await screen.findByTestId('rejection');
    // Long titles are cut: the gig has the rest.
    await waitFor(() => expect(row.querySelector('strong')!.textContent).toBe('Not done (Editing a gig “Mount a 55-inch TV on the living room drywall,…”):'));
  });

  it('drops a refused accept by itself once the same gig was accepted after it, and keeps others', async () => {
    const client = await offlineDevice({ id: OMAR, roles: ['consumer', 'operator'] });
    const gig = '0190a000-0000-7000-8000-0000000000f1';
    await refused(client, 'gig.accept', { gigId: gig, bookingId: BOOKING }, 'gig_changed');
    await refused(client, 'gig.accept', { gigId: '0190a000-0000-7000-8000-0000000000f2', bookingId: '0190a000-0000-7000-8000-0000000000b9' }, 'gig_taken');
    renderBar(client);
    expect(await screen.findAllByTestId('rejection')).toHaveLength(2);
    // Back on the gig, changed meanwhile, the worker accepts it as it is now, and the server applies that.
    const at = new Date(Date.now() + 60_000).toISOString();
    await client.db.commands.insert({
      id: '0190a000-0000-7000-8000-0000000000d9', type: 'gig.accept', payload: JSON.stringify({ gigId: gig, bookingId: '0190a000-0000-7000-8000-0000000000b8' }),
      issuedAt: at, status: 'applied', decidedAt: at, updatedAt: at,
    });
    await waitFor(() => expect(screen.getAllByTestId('rejection').map((r) => r.getAttribute('data-code'))).toEqual(['gig_taken']));
  });

  it('shows a chat message that was not sent whole, so its words are not lost with a booking that never came to be', async () => {
    const client = await offlineDevice({ id: OMAR, roles: ['consumer', 'operator'] });
    await refused(client, 'gig.accept', { gigId: '0190a000-0000-7000-8000-0000000000f1', bookingId: BOOKING }, 'gig_changed');
    await refused(client, 'message.send', { messageId: '0190a000-0000-7000-8000-0000000000e1', bookingId: BOOKING, body: 'On my way, I will bring a drain snake.' }, 'not_found');
    renderBar(client);
    const [, unsent] = (await screen.findAllByTestId('rejection')) as [HTMLElement, HTMLElement];
    expect((await within(unsent).findByTestId('unsent-message')).textContent).toBe(' Your message, not sent: On my way, I will bring a drain snake.');
    // Inside the alert: read out with the refusal.
    expect(within(unsent).getByRole('alert').textContent).toContain('On my way, I will bring a drain snake.');
  });

  it('lists the newest refusals, the earlier ones on request, and dismisses them all at once', async () => {
    const client = await offlineDevice({ id: OMAR, roles: ['consumer', 'operator'] });
    for (const code of ['gig_taken', 'gig_expired', 'chat_closed'] as const)
      await refused(client, 'gig.accept', { gigId: '0190a000-0000-7000-8000-0000000000f1', bookingId: BOOKING }, code);
    renderBar(client);
    // The newest two, on a phone screen that three would fill.
    await waitFor(() => expect(screen.getAllByTestId('rejection').map((r) => r.getAttribute('data-code'))).toEqual(['gig_expired', 'chat_closed']));
    fireEvent.click(screen.getByRole('button', { name: 'Show 1 earlier action not done' }));
    expect(screen.getAllByTestId('rejection').map((r) => r.getAttribute('data-code'))).toEqual(['gig_taken', 'gig_expired', 'chat_closed']);
    expect(screen.queryByTestId('rejections-more')).toBeNull();
    await refused(client, 'gig.accept', { gigId: '0190a000-0000-7000-8000-0000000000f1', bookingId: BOOKING }, 'gig_changed');
    await waitFor(() => expect(screen.getAllByTestId('rejection')).toHaveLength(4));
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss all' }));
    await waitFor(() => expect(screen.queryAllByTestId('rejection')).toEqual([]));
    expect(client.getStatus().rejected).toEqual([]);
  });

  it('sends an accept refused for want of payouts to their setup, rather than offering to try it again as it was', async () => {
    const client = await offlineDevice({ id: OMAR, roles: ['consumer', 'operator'] });
    await refused(client, 'gig.accept', { gigId: '0190a000-0000-7000-8000-0000000000f1', bookingId: BOOKING }, 'payouts_not_set_up');
    const memory = renderBar(client);
    const row = await screen.findByTestId('rejection');
    expect(within(row).queryByRole('button', { name: 'Try again' })).toBeNull();
    fireEvent.click(within(row).getByRole('link', { name: 'Set up payouts' }));
    expect(memory.history!.at(-1)).toBe('/o/payouts');
  });

  it('sends a refused post to the form with everything typed, rather than losing it or sending it unchanged', async () => {
    const client = await offlineDevice({ id: CARLA, roles: ['consumer'] });
    await refused(client, 'gig.post', { gigId: '0190a000-0000-7000-8000-0000000000f2', title: 'Clean the windows' }, 'gig_expired');
    const memory = renderBar(client);
    const row = await screen.findByTestId('rejection');
    expect(within(row).queryByRole('button', { name: 'Try again' })).toBeNull();
    const again = within(row).getByRole('link', { name: 'Edit and post again' });
    fireEvent.click(again);
    expect(memory.history!.at(-1)).toMatch(/^\/c\/new\?again=0190a000-0000-7000-8000-0000000000c\d+$/);
  });
});

describe('status line', () => {
  /** The network as the phone has it: a 2G bar with no data (every request fails), or a working link to a server with nothing new. */
  function mobileLink() {
    const link = { up: false };
    const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      if (!link.up) throw new TypeError('Failed to fetch');
      const { operationName } = (await new Request(input, init).json()) as { operationName: string };
      const answer = operationName.startsWith('Pull') ? { documents: [], checkpoint: null } : [];
      return Response.json({ data: { [operationName]: answer } });
    });
    return { link, fetch };
  }

  it('says there is no connection once the server has not answered for a while, keeps trying, and is back as soon as it answers', async () => {
    const { link, fetch } = mobileLink();
    // The browser believes it is online, but for a moment in a tunnel.
    const online$ = new BehaviorSubject(true);
    const client = await offlineDevice({ id: OMAR, roles: ['consumer', 'operator'] }, { connect: true, fetch: fetch as typeof globalThis.fetch, online$, retryTime: 1000, collections: [] });
    await client.issue('availability.set', { available: true });
    // The replication's chunk loads in real time; from its first try on, the line's clock is the test's (and the
    // replication's retries still come, as the clock also moves with real time).
    await waitFor(() => expect(fetch).toHaveBeenCalled());
    vi.useFakeTimers({ shouldAdvanceTime: true });
    renderBar(client);
    const line = screen.getByTestId('sync-status');
    await waitFor(() => expect(line.textContent).toBe('Connecting… · 1 waiting to send · not synced yet'));

    await vi.advanceTimersByTimeAsync(NO_ANSWER_MS - 1000);
    expect(line.getAttribute('data-state')).toBe('connecting');
    await vi.advanceTimersByTimeAsync(1000);
    await waitFor(() => expect(line.textContent).toBe('No connection · 1 waiting to send · not synced yet'));
    // Offline for what needs the server, as the money steps say.
    expect(line.getAttribute('data-state')).toBe('offline');
    // And still trying.
    const tries = fetch.mock.calls.length;
    await waitFor(() => expect(fetch.mock.calls.length).toBeGreaterThan(tries), { timeout: 5000 });

    // Out of the tunnel and back: trying starts anew, and so does the wait.
    act(() => online$.next(false));
    expect(line.textContent).toBe('Offline · 1 waiting to send · not synced yet');
    act(() => online$.next(true));
    expect(line.textContent).toBe('Connecting… · 1 waiting to send · not synced yet');
    await vi.advanceTimersByTimeAsync(NO_ANSWER_MS);
    await waitFor(() => expect(line.textContent).toBe('No connection · 1 waiting to send · not synced yet'));

    link.up = true;
    await waitFor(() => expect(line.getAttribute('data-state')).toBe('syncing'), { timeout: 5000 });
    expect(line.textContent).toMatch(/^Syncing 1 · synced /);
  });

  it('takes a command the server decided as an answer, and waits anew before saying there is no connection', async () => {
    const client = await offlineDevice({ id: OMAR, roles: ['consumer', 'operator'] }, { online$: new BehaviorSubject(true) });
    const { id } = await client.issue('availability.set', { available: true });
    await client.issue('availability.set', { available: false });
    vi.useFakeTimers({ shouldAdvanceTime: true });
    renderBar(client);
    const line = screen.getByTestId('sync-status');
    await vi.advanceTimersByTimeAsync(NO_ANSWER_MS);
    await waitFor(() => expect(line.textContent).toBe('No connection · 2 waiting to send · not synced yet'));
    // A push came back with the first decided, while the rest of the replication still fails.
    await decide(client, id, { status: 'applied' });
    await waitFor(() => expect(line.textContent).toBe('Connecting… · 1 waiting to send · not synced yet'));
    await vi.advanceTimersByTimeAsync(NO_ANSWER_MS);
    await waitFor(() => expect(line.textContent).toBe('No connection · 1 waiting to send · not synced yet'));
  });
});
