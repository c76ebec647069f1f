// @vitest-environment happy-dom
// The operator area against a real SyncClient on memory storage (offline): the feed from local gigs, the
// availability switch, accepting a gig and seeing its refusal, quick job actions, and profile edits.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { Route, Router } from 'wouter';
import { memoryLocation } from 'wouter/memory-location';
import type { StoredDocTypes } from '@shared/rxdb-schemas';
import { SyncContext } from '../app/sync-context';
import { I18nProvider } from '../i18n/i18n';
import type { SyncClient } from '../sync/client';
import { moneyDevice, reachable, stubServer } from '../money/test-support';
import { closeDevices, issuedCommands, offlineDevice } from '../sync/test-support';
import OperatorArea from './operator-area';

const OMAR = '0190a000-0000-7000-8000-000000000010';
const CARLA = '0190a000-0000-7000-8000-000000000001';
const T0 = '2026-11-19T10:00:00.000Z';
const HOME = { lat: 37.7599, lng: -122.4148 };
const north = (km: number) => ({ lat: HOME.lat + km / 111.195, lng: HOME.lng });

type Profile = StoredDocTypes['profiles'];
type Gig = StoredDocTypes['gigs'];
type Booking = StoredDocTypes['bookings'];
type Milestone = StoredDocTypes['milestones'];

const omar = (over: Partial<Profile> = {}): Profile => ({
  id: OMAR, phone: '+14155550110', displayName: 'Omar Operator', roles: ['consumer', 'operator'], locale: 'en', bio: '',
  skills: { plumbing: 4, handyman: 3 }, home: HOME, serviceRadiusKm: 15, available: true, hourlyRate: { amount: 4500, currency: 'USD' },
  updatedAt: T0, ...over,
});

const gig = (n: number, over: Partial<Gig> = {}): Gig => ({
  id: `0190a000-0000-7000-8000-0000000000a${n}`, clientId: CARLA, clientName: 'Carla Client', title: `Gig ${n}`, description: 'Something to do',
  skills: { plumbing: 2 }, budget: { amount: 8000, currency: 'USD' }, location: north(n), exactLocation: false, address: '',
  areaLabel: 'Mission', status: 'open', createdAt: T0, updatedAt: T0, version: 1, ...over,
});

const booking = (n: number, status: Booking['status']): Booking => ({
  id: `0190a000-0000-7000-8000-0000000000b${n}`, gigId: gig(n).id, title: `Job ${n}`, clientId: CARLA, clientName: 'Carla Client',
  clientPhone: '', workerId: OMAR, workerName: 'Omar Operator', workerPhone: '', price: { amount: 8000, currency: 'USD' }, status,
  changeRounds: 0, timeline: [], createdAt: T0, updatedAt: T0, version: 1,
});

afterEach(async () => {
  cleanup();
  vi.unstubAllGlobals();
  await closeDevices();
});

/** Omar's phone after a sync, now offline (connect: false): his profile and what the server sent. */
async function operatorDevice(me: Profile = omar(), gigs: Gig[] = [], bookings: Booking[] = []) {
  const client = await offlineDevice({ id: OMAR, roles: ['consumer', 'operator'] });
  await client.db.profiles.insert(me);
  if (gigs.length) await client.db.gigs.bulkInsert(gigs);
  if (bookings.length) await client.db.bookings.bulkInsert(bookings);
  return client;
}

function renderAt(client: SyncClient, path: string) {
  const memory = memoryLocation({ path, record: true });
  render(
    <I18nProvider initial="en">
      <SyncContext.Provider value={client}>
        <Router hook={memory.hook} searchHook={memory.searchHook}>
          <Route path="/o" nest>
            <OperatorArea />
          </Route>
          <Route path="/b/:id">{(p) => <p data-testid="booking-page">{p.id}</p>}</Route>
        </Router>
      </SyncContext.Provider>
    </I18nProvider>,
  );
  return memory;
}

describe('feed', () => {
  it('lists open gigs that fit, nearest first, and says how many are hidden', async () => {
    const client = await operatorDevice(omar(), [
      gig(5),
      gig(1),
      gig(3, { skills: { electrical: 2 } }),
      gig(4, { clientId: OMAR }),
      gig(2, { status: 'assigned' }),
      gig(6, { location: north(40) }),
    ]);
    renderAt(client, '/o');
    const items = await screen.findAllByTestId('feed-item');
    expect(items.map((li) => li.dataset.gigId)).toEqual([gig(1).id, gig(5).id]);
    expect(items[0]!.textContent).toContain('Gig 1');
    expect(items[0]!.textContent).toContain('$80.00');
    expect(items[0]!.textContent).toContain('about 1 km away');
    expect(items[0]!.textContent).toContain('Plumbing (level 2)');
    expect(screen.getByTestId('feed-hidden').textContent).toBe('Not shown: 1 open gig that needs other skills; 1 outside your 15 km range.');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Gigs near you');
  });
});

describe('feed of a new operator', () => {
  it('says what to add, and not that nothing is open within 0 km of a home it does not have', async () => {
    const client = await operatorDevice(omar({ available: false, skills: {}, home: undefined, serviceRadiusKm: undefined }));
    renderAt(client, '/o');
    expect((await screen.findByTestId('feed-needs-home')).textContent).toContain('Complete your profile');
    expect(screen.queryByTestId('feed-empty')).toBeNull();
    expect(document.body.textContent).not.toContain('0 km');
  });

  it('says first, where a new worker starts, that paid work waits for payouts to be set up', async () => {
    const server = stubServer({ 'GET /pay/payouts/account': { status: 'none', provider: 'demo', detailsSubmitted: false, transfersActive: false } });
    const { client } = await moneyDevice(OMAR, ['consumer', 'operator']);
    await client.db.profiles.insert(omar());
    renderAt(reachable(client), '/o');
    const banner = await screen.findByTestId('payouts-banner');
    expect(banner.textContent).toBe('You cannot accept paid work until your payouts are set up: that is how clients’ money reaches you. Set up payouts');
    expect(within(banner).getByRole('link').getAttribute('href')).toBe('/o/payouts');
    expect(server.requests('/pay/payouts/account')).toHaveLength(1);
  });
});

describe('availability switch', () => {
  it('issues availability.set at once and marks it not yet confirmed', async () => {
    const client = await operatorDevice(omar({ available: false }));
    renderAt(client, '/o');
    const sw = await screen.findByRole('switch', { name: 'Available for work' });
    expect(sw.getAttribute('aria-checked')).toBe('false');
    fireEvent.click(sw);
    await waitFor(() => expect(screen.getByRole('switch').getAttribute('aria-checked')).toBe('true'));
    expect(within(screen.getByTestId('availability')).getByTestId('pending-mark')).toBeTruthy();
    expect(await issuedCommands(client)).toEqual([{ type: 'availability.set', status: 'pending', payload: { available: true } }]);
  });

  it('explains, and issues nothing, when going available needs skills and a home', async () => {
    const client = await operatorDevice(omar({ available: false, skills: {}, home: undefined }));
    renderAt(client, '/o');
    const sw = await screen.findByRole('switch', { name: 'Available for work' });
    expect(screen.getByTestId('availability-blocked').textContent).toContain('add your skills and your home location');
    expect(sw.getAttribute('aria-describedby')).toBe(screen.getByTestId('availability-blocked').id);
    fireEvent.click(sw);
    await new Promise((r) => setTimeout(r, 50));
    expect(sw.getAttribute('aria-checked')).toBe('false');
    expect(await issuedCommands(client)).toEqual([]);
  });
});

describe('gig detail', () => {
  it('accepting offline opens the booking at once; a refusal shows on the gig when the worker comes back', async () => {
    const client = await operatorDevice(omar(), [gig(1)]);
    const memory = renderAt(client, `/o/gigs/${gig(1).id}`);
    // What reaches the worker is said before they commit: plumbing's fee is 10%.
    expect((await screen.findByTestId('gig-net')).textContent).toBe(' (you receive $72.00 after the $8.00 platform fee, 10%)');
    fireEvent.click(await screen.findByRole('button', { name: 'Accept gig' }));
    await screen.findByTestId('booking-page');
    const [cmd] = await issuedCommands(client);
    expect(cmd).toMatchObject({ type: 'gig.accept', status: 'pending', payload: { gigId: gig(1).id } });
    expect(memory.history!.at(-1)).toBe(`/b/${cmd!.payload.bookingId as string}`);

    // The server refuses: another operator was quicker.
    const doc = (await client.db.commands.find().exec())[0]!;
    const decidedAt = new Date().toISOString();
    await doc.incrementalPatch({ status: 'rejected', rejectionCode: 'gig_taken', rejectionMessage: 'This gig was just taken by another worker.', decidedAt, updatedAt: decidedAt });
    act(() => memory.navigate(`/o/gigs/${gig(1).id}`));
    const alert = await screen.findByTestId('command-rejected');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toContain('This gig was just taken by another worker.');
    fireEvent.click(within(alert).getByRole('button', { name: 'Dismiss' }));
    await waitFor(() => expect(screen.queryByTestId('command-rejected')).toBeNull());
  });

  it('says why a gig cannot be accepted, and keeps the button disabled', async () => {
    const client = await operatorDevice(omar(), [gig(1, { skills: { plumbing: 5, electrical: 2 } })]);
    renderAt(client, `/o/gigs/${gig(1).id}`);
    const button = await screen.findByRole('button', { name: 'Accept gig' });
    const reason = screen.getByTestId('accept-blocked');
    expect(reason.dataset.code).toBe('skills_mismatch');
    expect(reason.textContent).toContain('Plumbing (level 5), Electrical (level 2)');
    expect((button as HTMLButtonElement).disabled).toBe(true);
    expect(button.getAttribute('aria-describedby')).toBe(reason.id);
  });
});

describe('my jobs', () => {
  it('groups my bookings and offers the quick actions the booking machine allows', async () => {
    const client = await operatorDevice(omar(), [gig(1), gig(2), gig(3)], [booking(1, 'funded'), booking(2, 'delivered'), booking(3, 'awaiting_payment')]);
    renderAt(client, '/o/jobs');
    const upcoming = await screen.findByTestId('jobs-upcoming');
    expect(within(upcoming).getAllByTestId('job').map((li) => li.dataset.status).sort()).toEqual(['awaiting_payment', 'funded']);
    expect(within(screen.getByTestId('jobs-delivered')).getAllByTestId('job')).toHaveLength(1);
    expect(screen.getByText(/Waiting for the client’s payment/)).toBeTruthy();
    // Only the funded booking can be started; the delivered one offers nothing here.
    const start = await screen.findByRole('button', { name: 'Start Job 1' });
    expect(screen.getAllByRole('button', { name: /^(Start|Mark delivered)/ })).toHaveLength(1);
    start.focus();
    fireEvent.click(start);
    await waitFor(async () => expect(await issuedCommands(client)).toEqual([{ type: 'booking.start', status: 'pending', payload: { bookingId: booking(1, 'funded').id } }]));
    // Delivering submits the work for payment, as on the booking page: it waits for a connection.
    const deliver = (await screen.findByRole('button', { name: 'Mark delivered Job 1' })) as HTMLButtonElement;
    // Start is gone: focus stays with the job (its next action is disabled offline, so the job itself), not the page.
    await waitFor(() => expect(document.activeElement?.closest('[data-testid="job"]')?.getAttribute('data-booking-id')).toBe(booking(1, 'funded').id));
    expect(deliver.disabled).toBe(true);
    expect(screen.getByTestId('deliver-offline').textContent).toBe('Marking delivered submits the work for payment, so it needs a connection.');
  });

  it('marks a job delivered while the server answers, once for a double click', async () => {
    const client = await operatorDevice(omar(), [gig(1)], [booking(1, 'in_progress')]);
    renderAt(reachable(client), '/o/jobs');
    const deliver = (await screen.findByRole('button', { name: 'Mark delivered Job 1' })) as HTMLButtonElement;
    expect(deliver.disabled).toBe(false);
    expect(screen.queryByTestId('deliver-offline')).toBeNull();
    fireEvent.click(deliver);
    fireEvent.click(deliver);
    await waitFor(async () => expect(await issuedCommands(client)).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 100));
    expect(await issuedCommands(client)).toEqual([{ type: 'booking.deliver', status: 'pending', payload: { bookingId: booking(1, 'in_progress').id } }]);
  });

  /** Part n of job 1. */
  const part = (n: number, status: Milestone['status'], version = 1): Milestone => ({
    id: `0190a000-0000-7000-8000-0000000000d${n}`, bookingId: booking(1, 'in_progress').id, clientId: CARLA, workerId: OMAR, position: n,
    description: `Part ${n}`, amount: { amount: 4000, currency: 'USD' }, feeBps: 1000, fee: { amount: 400, currency: 'USD' },
    net: { amount: 3600, currency: 'USD' }, status, changeRounds: 0, releasedAmount: { amount: 0, currency: 'USD' },
    refundedAmount: { amount: 0, currency: 'USD' }, feeAmount: { amount: 0, currency: 'USD' }, timeline: [], createdAt: T0, updatedAt: T0, version,
  } as Milestone);

  it('offers Mark delivered only while a part is paid for: the next part waiting for the client’s payment would be refused', async () => {
    const client = await operatorDevice(omar(), [gig(1)], [booking(1, 'in_progress')]);
    await client.db.milestones.bulkInsert([part(0, 'released'), part(1, 'agreed')]);
    renderAt(reachable(client), '/o/jobs');
    await screen.findByTestId('job');
    await new Promise((r) => setTimeout(r, 100));
    expect(screen.queryByRole('button', { name: 'Mark delivered Job 1' })).toBeNull();
    // The client pays the next part: the work can be handed in again.
    await client.db.milestones.upsert(part(1, 'funded'));
    expect(await screen.findByRole('button', { name: 'Mark delivered Job 1' })).toBeTruthy();
  });

  it('does not call a job "Delivered" while parts agreed but not paid yet are still to come', async () => {
    const client = await operatorDevice(omar(), [gig(1)], [booking(1, 'delivered')]);
    await client.db.milestones.bulkInsert([part(0, 'submitted'), part(1, 'agreed')]);
    renderAt(client, '/o/jobs');
    const job = await screen.findByTestId('job');
    await waitFor(() => expect(within(job).getByText('Handed in for review, more parts to come')).toBeTruthy());
    // The last part dropped: what was handed in is all there is.
    await client.db.milestones.upsert(part(1, 'cancelled', 2));
    await waitFor(() => expect(within(job).getByText('Delivered')).toBeTruthy());
  });
});

describe('profile', () => {
  it('issues profile.update with only the changed fields and marks them pending', async () => {
    const client = await operatorDevice();
    renderAt(client, '/o/profile');
    const radius = await screen.findByLabelText('Service radius (km)');
    expect((radius as HTMLInputElement).value).toBe('15');
    fireEvent.change(radius, { target: { value: '25' } });
    fireEvent.change(screen.getByLabelText('Level for Plumbing'), { target: { value: '5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(async () =>
      expect(await issuedCommands(client)).toEqual([
        { type: 'profile.update', status: 'pending', payload: { skills: { plumbing: 5, handyman: 3 }, serviceRadiusKm: 25 } },
      ]),
    );
    await waitFor(() => expect(screen.getAllByTestId('pending-mark')).toHaveLength(2));
    expect((screen.getByLabelText('Service radius (km)') as HTMLInputElement).value).toBe('25');
  });

  it('takes a decimal comma in the home and the radius, as people writing Spanish type them', async () => {
    const client = await operatorDevice();
    renderAt(client, '/o/profile');
    const lat = (await screen.findByLabelText('Latitude')) as HTMLInputElement;
    // A number field would drop the comma ("37,7601" → 377601, out of range): these are text with a decimal keypad.
    expect([lat.type, lat.inputMode]).toEqual(['text', 'decimal']);
    fireEvent.change(lat, { target: { value: '37,7601' } });
    fireEvent.change(screen.getByLabelText('Service radius (km)'), { target: { value: '22,5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(async () =>
      expect(await issuedCommands(client)).toEqual([
        { type: 'profile.update', status: 'pending', payload: { home: { lat: 37.7601, lng: HOME.lng }, serviceRadiusKm: 22.5 } },
      ]),
    );
  });

  it('refuses an out-of-range radius in the form, issuing nothing', async () => {
    const client = await operatorDevice();
    renderAt(client, '/o/profile');
    fireEvent.change(await screen.findByLabelText('Service radius (km)'), { target: { value: '500' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect((await screen.findByText('Enter a radius from 1 to 200 km.')).id).toBe('op-radius-error');
    expect(screen.getByLabelText('Service radius (km)').getAttribute('aria-invalid')).toBe('true');
    expect(await issuedCommands(client)).toEqual([]);
  });

  it('says a rate is over one charge, or off its currency’s step, naming the cap and the step', async () => {
    const client = await operatorDevice(omar({ hourlyRate: { amount: 12_340, currency: 'KWD' } }));
    renderAt(client, '/o/profile');
    const rate = await screen.findByLabelText('Hourly rate (KWD)');
    const said = async (typed: string) => {
      fireEvent.change(rate, { target: { value: typed } });
      fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
      await waitFor(() => expect(document.getElementById('op-rate-error')).toBeTruthy());
      return document.getElementById('op-rate-error')!.textContent!.replace(/\u00a0/g, ' ');
    };
    expect(await said('100000')).toBe('A rate can be at most KWD 99,999.999: the payment provider takes no more in one charge.');
    expect(await said('12.345')).toBe('Amounts in KWD go in steps of KWD 0.010: the payment provider charges nothing finer.');
    expect(await issuedCommands(client)).toEqual([]);
  });
});
