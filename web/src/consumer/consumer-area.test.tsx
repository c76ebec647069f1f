// @vitest-environment happy-dom
// The client's area against a real SyncClient on memory storage (offline): posting a gig shows it at once as
// not yet confirmed, field errors in the user's language, my gigs with who accepted, and gig actions.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { Route, Router } from 'wouter';
import { memoryLocation } from 'wouter/memory-location';
import type { Locale } from '@shared/locales';
import type { StoredDocTypes } from '@shared/rxdb-schemas';
import { SyncContext } from '../app/sync-context';
import { I18nProvider } from '../i18n/i18n';
import type { SyncClient } from '../sync/client';
import { closeDevices, decide, issuedCommands, offlineDevice } from '../sync/test-support';
import ConsumerArea from './consumer-area';

const CARLA = '0190a000-0000-7000-8000-000000000001';
const OMAR = '0190a000-0000-7000-8000-000000000010';
const T0 = '2026-11-19T10:00:00.000Z';

type Gig = StoredDocTypes['gigs'];
type Booking = StoredDocTypes['bookings'];

const gig = (n: number, over: Partial<Gig> = {}): Gig => ({
  id: `0190a000-0000-7000-8000-0000000000a${n}`, clientId: CARLA, clientName: 'Carla Client', title: `Gig ${n}`, description: 'Something to do',
  skills: { plumbing: 2 }, budget: { amount: 8000, currency: 'USD' }, location: { lat: 37.76, lng: -122.41 }, exactLocation: true,
  address: '1 Main St', areaLabel: 'Mission', status: 'open', createdAt: `2026-11-1${n}T10:00:00.000Z`, updatedAt: T0, version: 1, ...over,
});

const booking = (n: number): Booking => ({
  id: `0190a000-0000-7000-8000-0000000000b${n}`, gigId: gig(n).id, title: `Gig ${n}`, clientId: CARLA, clientName: 'Carla Client',
  clientPhone: '', workerId: OMAR, workerName: 'Omar Operator', workerPhone: '', price: { amount: 8000, currency: 'USD' },
  status: 'awaiting_payment', changeRounds: 0, timeline: [], createdAt: T0, updatedAt: T0, version: 1,
});

afterEach(async () => {
  cleanup();
  vi.unstubAllGlobals();
  await closeDevices();
});

async function clientDevice(gigs: Gig[] = [], bookings: Booking[] = []) {
  const client = await offlineDevice({ id: CARLA, roles: ['consumer'] });
  await client.db.profiles.insert({
    id: CARLA, phone: '+14155550101', displayName: 'Carla Client', roles: ['consumer'], locale: 'en', bio: '', skills: {}, available: false, updatedAt: T0,
  });
  if (gigs.length) await client.db.gigs.bulkInsert(gigs);
  if (bookings.length) await client.db.bookings.bulkInsert(bookings);
  return client;
}

function renderAt(client: SyncClient, path: string, locale: Locale = 'en') {
  const memory = memoryLocation({ path, record: true });
  render(
    <I18nProvider initial={locale}>
      <SyncContext.Provider value={client}>
        <Router hook={memory.hook} searchHook={memory.searchHook}>
          <Route path="/c" nest>
            <ConsumerArea />
          </Route>
        </Router>
      </SyncContext.Provider>
    </I18nProvider>,
  );
  return memory;
}

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

describe('post a gig', () => {
  it('shows field errors next to the fields and writes nothing', async () => {
    const client = await clientDevice();
    renderAt(client, '/c/new');
    fireEvent.click(await screen.findByRole('button', { name: 'Post gig' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Please fix the marked fields.');
    expect(screen.getByText('Give the gig a title.')).toBeTruthy();
    expect(screen.getByText('Pick at least one skill.')).toBeTruthy();
    expect(screen.getByText('Say how much you will pay.')).toBeTruthy();
    const title = screen.getByLabelText('Title');
    expect(title.getAttribute('aria-invalid')).toBe('true');
    expect(title.getAttribute('aria-describedby')).toContain('gig-title-error');
    expect(document.activeElement).toBe(title);
    expect(await issuedCommands(client)).toEqual([]);
  });

  it('issues gig.post and opens the gig at once, marked as not yet confirmed', async () => {
    const client = await clientDevice();
    const memory = renderAt(client, '/c/new');
    type('Title', 'Fix the kitchen tap');
    fireEvent.click(screen.getByLabelText('Plumbing'));
    fireEvent.change(screen.getByLabelText('Level for Plumbing'), { target: { value: '3' } });
    type('Budget', '80.50');
    type('Latitude', '37.7749');
    type('Longitude', '-122.4194');
    type('Area (optional)', 'Mission');
    fireEvent.click(screen.getByRole('button', { name: 'Post gig' }));

    await screen.findByRole('heading', { level: 1, name: 'Fix the kitchen tap' });
    const [cmd] = await issuedCommands(client);
    expect(cmd).toMatchObject({
      type: 'gig.post',
      status: 'pending',
      payload: { title: 'Fix the kitchen tap', skills: { plumbing: 3 }, budget: { amount: 8050, currency: 'USD' }, areaLabel: 'Mission', publish: true },
    });
    expect(memory.history!.at(-1)).toBe(`/c/gigs/${cmd!.payload.gigId as string}`);
    const state = screen.getByTestId('gig-status');
    expect(state.dataset.status).toBe('open');
    expect(within(state).getByTestId('pending-mark')).toBeTruthy();
    expect(screen.getByText(/Workers see it once the server confirms it/)).toBeTruthy();
    expect(screen.getByText('$80.50')).toBeTruthy();
  });

  it('says so when the device will not give its location', async () => {
    vi.stubGlobal('navigator', {
      ...navigator,
      geolocation: { getCurrentPosition: (_ok: unknown, fail: (e: { code: number }) => void) => fail({ code: 1 }) },
    });
    const client = await clientDevice();
    renderAt(client, '/c/new');
    fireEvent.click(await screen.findByRole('button', { name: 'Use my location' }));
    expect((await screen.findByText(/Location permission was denied/)).getAttribute('role')).toBe('status');
  });

  it('fills the coordinates from the device', async () => {
    vi.stubGlobal('navigator', {
      ...navigator,
      geolocation: { getCurrentPosition: (ok: (p: { coords: { latitude: number; longitude: number } }) => void) => ok({ coords: { latitude: 37.774929, longitude: -122.419416 } }) },
    });
    const client = await clientDevice();
    renderAt(client, '/c/new');
    fireEvent.click(await screen.findByRole('button', { name: 'Use my location' }));
    await waitFor(() => expect((screen.getByLabelText('Latitude') as HTMLInputElement).value).toBe('37.77493'));
    expect((screen.getByLabelText('Longitude') as HTMLInputElement).value).toBe('-122.41942');
  });

  it('says a budget is over one charge or off its currency’s step, not that it should be above zero', async () => {
    const client = await clientDevice();
    renderAt(client, '/c/new');
    type('Budget', '1000000');
    fireEvent.click(await screen.findByRole('button', { name: 'Post gig' }));
    expect((await screen.findByText(/^A budget can be at most/)).textContent).toBe('A budget can be at most $999,999.99: the payment provider takes no more in one charge.');
    type('Budget', '12.345');
    fireEvent.change(screen.getByLabelText('Currency'), { target: { value: 'KWD' } });
    fireEvent.click(screen.getByRole('button', { name: 'Post gig' }));
    expect((await screen.findByText(/^Amounts in KWD/)).textContent!.replace(/\u00a0/g, ' ')).toBe('Amounts in KWD go in steps of KWD 0.010: the payment provider charges nothing finer.');
    expect(screen.queryByText('Type an amount above zero, such as 80 or 80.50.')).toBeNull();
    expect(await issuedCommands(client)).toEqual([]);
  });

  it('gives an example of a budget in whole units for a currency that has no cents', async () => {
    const client = await clientDevice();
    renderAt(client, '/c/new');
    const hint = await screen.findByText('The total you will pay, for example 80 or 80.50.');
    fireEvent.change(screen.getByLabelText('Currency'), { target: { value: 'JPY' } });
    await waitFor(() => expect(hint.textContent).toBe('The total you will pay, in whole units, for example 8000.'));
  });

  it('says how a budget typed with a separator is read: in KWD "1,000" is one dinar, not a thousand', async () => {
    const client = await clientDevice();
    renderAt(client, '/c/new');
    type('Budget', '80');
    expect(screen.queryByTestId('budget-read-as')).toBeNull();
    type('Budget', '1,000');
    fireEvent.change(await screen.findByLabelText('Currency'), { target: { value: 'KWD' } });
    expect((await screen.findByTestId('budget-read-as')).textContent!.replace(/\u00a0/g, ' ')).toBe('Read as KWD 1.000.');
    type('Budget', '1000');
    expect(screen.queryByTestId('budget-read-as')).toBeNull();
  });

  it('starts from a refused post, everything typed kept, and posting it anew settles the refusal', async () => {
    const client = await clientDevice();
    const refused = await client.issue('gig.post', {
      gigId: '0190a000-0000-7000-8000-0000000000c1', title: 'Clean the windows', description: 'Three floors, typed at length on the bus',
      skills: { cleaning: 3 }, budget: { amount: 150050, currency: 'EUR' }, location: { lat: 37.77, lng: -122.43 }, areaLabel: 'Mission',
      address: '1 Main St', startsAt: null, expiresAt: '2020-01-01T10:00:00.000Z', publish: true,
    });
    await decide(client, refused.id, { status: 'rejected', code: 'gig_expired', message: 'The expiry time you chose has already passed.' });
    renderAt(client, `/c/new?again=${refused.id}`, 'es');
    await waitFor(() => expect((screen.getByLabelText('Título') as HTMLInputElement).value).toBe('Clean the windows'));
    expect((screen.getByLabelText('Descripción (opcional)') as HTMLTextAreaElement).value).toBe('Three floors, typed at length on the bus');
    expect((screen.getByLabelText('Presupuesto') as HTMLInputElement).value).toBe('1500,50');
    expect((screen.getByLabelText('Moneda') as HTMLSelectElement).value).toBe('EUR');
    expect((screen.getByLabelText('Nivel de Limpieza') as HTMLSelectElement).value).toBe('3');
    expect((screen.getByLabelText('Dirección (opcional)') as HTMLInputElement).value).toBe('1 Main St');

    // The expiry that got it refused is there to change, and said to be past.
    fireEvent.click(screen.getByRole('button', { name: 'Publicar trabajo' }));
    expect(await screen.findByText('Elige una hora futura.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('La oferta termina (opcional)'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Publicar trabajo' }));
    await screen.findByRole('heading', { level: 1, name: 'Clean the windows' });
    const posted = (await issuedCommands(client)).filter((c) => c.status === 'pending');
    expect(posted).toMatchObject([{ type: 'gig.post', payload: { title: 'Clean the windows', budget: { amount: 150050, currency: 'EUR' }, expiresAt: null } }]);
    await waitFor(async () => expect((await client.db.getLocal<{ ids: string[] }>('dismissed-rejections'))?.toJSON().data.ids).toContain(refused.id));
  });

  it('posts an ended gig again: a new gig with its details, times chosen anew', async () => {
    const expired = gig(1, {
      status: 'expired', title: 'Mow the lawn', description: 'Front and back', skills: { handyman: 2 }, budget: { amount: 4550, currency: 'EUR' },
      location: { lat: 40.41, lng: -3.7 }, address: 'Calle Mayor 1', areaLabel: 'Centro', startsAt: '2026-11-01T09:00:00.000Z', expiresAt: '2026-11-02T09:00:00.000Z',
    });
    const client = await clientDevice([expired, gig(2)]);
    const memory = renderAt(client, `/c/gigs/${expired.id}`, 'es');
    const again = await screen.findByRole('link', { name: 'Publicarlo de nuevo' });
    fireEvent.click(again);
    expect(memory.history!.at(-1)).toBe(`/c/new?from=${expired.id}`);
    expect((await screen.findByTestId('copied-from')).textContent).toContain('«Mow the lawn»');
    expect((screen.getByLabelText('Título') as HTMLInputElement).value).toBe('Mow the lawn');
    expect((screen.getByLabelText('Presupuesto') as HTMLInputElement).value).toBe('45,50');
    expect((screen.getByLabelText('Moneda') as HTMLSelectElement).value).toBe('EUR');
    expect((screen.getByLabelText('Nivel de Reparaciones') as HTMLSelectElement).value).toBe('2');
    expect((screen.getByLabelText('Dirección (opcional)') as HTMLInputElement).value).toBe('Calle Mayor 1');
    // The old times were for the gig that ended.
    expect((screen.getByLabelText('Empieza (opcional)') as HTMLInputElement).value).toBe('');
    expect((screen.getByLabelText('La oferta termina (opcional)') as HTMLInputElement).value).toBe('');

    fireEvent.click(screen.getByRole('button', { name: 'Publicar trabajo' }));
    await screen.findByRole('heading', { level: 1, name: 'Mow the lawn' });
    const [posted, ...more] = (await issuedCommands(client)).filter((c) => c.type === 'gig.post');
    expect(more).toEqual([]);
    expect(posted).toMatchObject({
      status: 'pending',
      payload: { title: 'Mow the lawn', description: 'Front and back', skills: { handyman: 2 }, budget: { amount: 4550, currency: 'EUR' }, location: { lat: 40.41, lng: -3.7 }, address: 'Calle Mayor 1', areaLabel: 'Centro', startsAt: null, expiresAt: null },
    });
    expect((posted!.payload as { gigId: string }).gigId).not.toBe(expired.id);

    // A gig still on offer is edited or cancelled, not copied.
    cleanup();
    renderAt(client, `/c/gigs/${gig(2).id}`);
    await screen.findByRole('button', { name: 'Edit' });
    expect(screen.queryByTestId('post-again')).toBeNull();
  });

  it('refuses a start already past, but not one picked a few minutes ago', async () => {
    const client = await clientDevice();
    renderAt(client, '/c/new');
    const local = (ms: number) => {
      const d = new Date(Date.now() + ms);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    };
    type('Starts (optional)', local(-24 * 3600_000));
    fireEvent.click(screen.getByRole('button', { name: 'Post gig' }));
    expect(await screen.findByText('Pick a time in the future.')).toBeTruthy();
    type('Starts (optional)', local(-3 * 60_000));
    fireEvent.click(screen.getByRole('button', { name: 'Post gig' }));
    await waitFor(() => expect(screen.queryByText('Pick a time in the future.')).toBeNull());
  });

  it('shows errors in Spanish', async () => {
    const client = await clientDevice();
    renderAt(client, '/c/new', 'es');
    fireEvent.click(await screen.findByRole('button', { name: 'Publicar trabajo' }));
    expect(await screen.findByText('Ponle un título al trabajo.')).toBeTruthy();
  });
});

describe('my gigs', () => {
  it('lists my gigs newest first with who accepted, and filters by state', async () => {
    const client = await clientDevice([gig(1), gig(2, { status: 'assigned', bookingId: booking(2).id, workerId: OMAR }), gig(3, { status: 'cancelled' })], [booking(2)]);
    renderAt(client, '/c');
    const items = await screen.findAllByTestId('gig-item');
    expect(items.map((li) => li.dataset.status)).toEqual(['cancelled', 'assigned', 'open']);
    const accepted = within(items[1]!).getByRole('link', { name: 'Omar Operator' });
    expect(accepted.getAttribute('href')).toBe(`/b/${booking(2).id}`);
    expect(items[1]!.textContent).toContain('Awaiting payment');
    expect(screen.getByTestId('post-gig').getAttribute('href')).toBe('/c/new');

    fireEvent.click(screen.getByRole('button', { name: 'Open (1)' }));
    expect(screen.getAllByTestId('gig-item').map((li) => li.dataset.status)).toEqual(['open']);
    expect(screen.getByRole('button', { name: 'Open (1)' }).getAttribute('aria-pressed')).toBe('true');
  });
});

describe('a gig whose booking agreed a payment plan', () => {
  it('shows the booked price beside the budget it was posted with, in the list and on its page', async () => {
    const planned: Booking = { ...booking(2), price: { amount: 9500, currency: 'USD' } };
    const client = await clientDevice([gig(1, { status: 'assigned', bookingId: booking(1).id, workerId: OMAR }), gig(2, { status: 'assigned', bookingId: planned.id, workerId: OMAR })], [booking(1), planned]);
    renderAt(client, '/c');
    const items = await screen.findAllByTestId('gig-item');
    await waitFor(() => expect(within(items[0]!).getByTestId('gig-booked-price').textContent).toBe('booked for $95.00'));
    // Booked at its budget: nothing more to say.
    expect(within(items[1]!).queryByTestId('gig-booked-price')).toBeNull();
    cleanup();

    renderAt(client, `/c/gigs/${gig(2).id}`);
    expect((await screen.findByTestId('gig-booked-price')).textContent).toBe('$95.00');
  });
});

describe('gig page', () => {
  it('cancels an open gig after a confirm step', async () => {
    const client = await clientDevice([gig(1)]);
    renderAt(client, `/c/gigs/${gig(1).id}`);
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel gig' }));
    type('Reason (optional)', 'Fixed it myself');
    fireEvent.click(screen.getByRole('button', { name: 'Confirm cancellation' }));
    await waitFor(() => expect(screen.getByTestId('gig-status').dataset.status).toBe('cancelled'));
    expect(await issuedCommands(client)).toEqual([{ type: 'gig.cancel', status: 'pending', payload: { gigId: gig(1).id, reason: 'Fixed it myself' } }]);
    // The machine allows nothing more on a cancelled gig.
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Cancel gig' })).toBeNull();
  });

  it('keeps a way to the bookings a gig had: one cancelled puts the gig back on offer', async () => {
    const cancelled = { ...booking(1), status: 'cancelled' as const };
    const client = await clientDevice([gig(1)], [cancelled]);
    renderAt(client, `/c/gigs/${gig(1).id}`);
    const earlier = await screen.findByTestId('gig-earlier-bookings');
    expect(within(earlier).getByRole('link', { name: 'Omar Operator' }).getAttribute('href')).toBe(`/b/${cancelled.id}`);
    expect(earlier.textContent).toContain('Cancelled');
    expect(screen.getByTestId('gig-back-on-offer').textContent).toContain('another worker may accept it');
    expect(screen.queryByText('No one has accepted this gig yet.')).toBeNull();
  });

  it('gives focus back to the button that asked when the question or the edit is put away', async () => {
    const client = await clientDevice([gig(1)]);
    renderAt(client, `/c/gigs/${gig(1).id}`);
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel gig' }));
    fireEvent.click(screen.getByRole('button', { name: 'Keep gig' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel gig' })));
    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    fireEvent.click(screen.getByRole('button', { name: 'Discard changes' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Edit' })));
  });

  it('starts an edit in the decimal comma a Spanish reader is asked for', async () => {
    const client = await clientDevice([gig(1, { budget: { amount: 9050, currency: 'USD' } })]);
    renderAt(client, `/c/gigs/${gig(1).id}`, 'es');
    fireEvent.click(await screen.findByRole('button', { name: 'Editar' }));
    expect((screen.getByLabelText('Presupuesto (USD)') as HTMLInputElement).value).toBe('90,50');
  });

  it('edits the budget and marks the changed field', async () => {
    const client = await clientDevice([gig(1)]);
    renderAt(client, `/c/gigs/${gig(1).id}`);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    type('Budget (USD)', '95');
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await screen.findByText('$95.00');
    const budget = screen.getByText('$95.00').closest('dd')!;
    expect(within(budget).getByTestId('pending-mark')).toBeTruthy();
    expect(await issuedCommands(client)).toEqual([
      { type: 'gig.update', status: 'pending', payload: { gigId: gig(1).id, budget: { amount: 9500, currency: 'USD' } } },
    ]);
  });

  it('edits where and when: the address and the offer’s end, refusing an end already past', async () => {
    const client = await clientDevice([gig(1)]);
    renderAt(client, `/c/gigs/${gig(1).id}`);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    type('Street address (optional)', '2 Side St, flat 3');
    type('Offer ends (optional)', '2020-01-01T10:00');
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Pick a time in the future.')).toBeTruthy();
    expect(await issuedCommands(client)).toEqual([]);
    type('Offer ends (optional)', '');
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(async () =>
      expect(await issuedCommands(client)).toEqual([{ type: 'gig.update', status: 'pending', payload: { gigId: gig(1).id, address: '2 Side St, flat 3' } }]),
    );
  });

  it('publishes a draft, and points an assigned gig to its booking', async () => {
    const client = await clientDevice([gig(1, { status: 'draft' }), gig(2, { status: 'assigned', bookingId: booking(2).id })], [booking(2)]);
    renderAt(client, `/c/gigs/${gig(1).id}`);
    fireEvent.click(await screen.findByRole('button', { name: 'Publish' }));
    await waitFor(() => expect(screen.getByTestId('gig-status').dataset.status).toBe('open'));
    cleanup();

    renderAt(client, `/c/gigs/${gig(2).id}`);
    const link = await screen.findByRole('link', { name: 'Open booking and chat' });
    expect(link.getAttribute('href')).toBe(`/b/${booking(2).id}`);
    expect(
      await screen.findByText('This gig has a booking. Cancelling the booking puts the gig back on offer to other workers: to call it off altogether, cancel the booking, then the gig.'),
    ).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Cancel gig' })).toBeNull();
  });
});
