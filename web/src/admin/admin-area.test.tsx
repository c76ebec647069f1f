// @vitest-environment happy-dom
// The admin area against a real SyncClient on memory storage (offline): role changes become pending
// `user.set_roles` commands with marks, refusals show beside the person, and overview counts link to lists.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { Route, Router } from 'wouter';
import { memoryLocation } from 'wouter/memory-location';
import type { Role } from '@shared/roles';
import type { StoredDocTypes } from '@shared/rxdb-schemas';
import { SyncContext } from '../app/sync-context';
import { I18nProvider } from '../i18n/i18n';
import type { SyncClient } from '../sync/client';
import { closeDevices, decide, offlineDevice } from '../sync/test-support';
import AdminArea from './admin-area';

const ADA = '0190a000-0000-7000-8000-000000000001';
const CARLA = '0190a000-0000-7000-8000-000000000002';
const OMAR = '0190a000-0000-7000-8000-000000000003';
const T0 = '2026-11-19T10:00:00.000Z';

const profile = (id: string, displayName: string, phone: string, roles: Role[], available = false): StoredDocTypes['profiles'] => ({
  id, phone, displayName, roles, locale: 'en', bio: '', skills: {}, available, updatedAt: T0,
});

const gig = (n: number, status: StoredDocTypes['gigs']['status']): StoredDocTypes['gigs'] => ({
  id: `0190a000-0000-7000-8000-0000000000a${n}`, clientId: CARLA, clientName: 'Carla Client', title: `Gig ${n}`, description: 'Something to do',
  skills: {}, budget: { amount: 5000, currency: 'USD' }, location: { lat: 37.78, lng: -122.42 }, exactLocation: true, address: '',
  areaLabel: 'Mission', status, createdAt: T0, updatedAt: T0, version: 1,
});

afterEach(async () => {
  cleanup();
  vi.restoreAllMocks();
  await closeDevices();
});

/** Ada, an admin, on a device that has synced three profiles and a few gigs, and is now offline. */
async function adminDevice() {
  const client = await offlineDevice({ id: ADA, roles: ['consumer', 'admin'] });
  await client.db.profiles.bulkInsert([
    profile(ADA, 'Ada Admin', '+14155550100', ['consumer', 'admin']),
    profile(CARLA, 'Carla Client', '+14155550101', ['consumer']),
    profile(OMAR, 'Omar Operator', '+14155550110', ['consumer', 'operator'], true),
  ]);
  await client.db.gigs.bulkInsert([gig(1, 'open'), gig(2, 'open'), gig(3, 'assigned')]);
  return client;
}

function renderAt(client: SyncClient, path: string) {
  const memory = memoryLocation({ path, record: true });
  render(
    <I18nProvider initial="en">
      <SyncContext.Provider value={client}>
        <Router hook={memory.hook} searchHook={memory.searchHook}>
          <Route path="/a" nest>
            <AdminArea />
          </Route>
        </Router>
      </SyncContext.Provider>
    </I18nProvider>,
  );
  return memory;
}

async function setRolesCommands(client: SyncClient) {
  const docs = await client.db.commands.find({ selector: { type: 'user.set_roles' } }).exec();
  return docs.map((d) => ({ id: d.id, status: d.status, payload: JSON.parse(d.payload) as unknown }));
}

const checked = (el: HTMLElement) => (el as HTMLInputElement).checked;
const disabled = (el: HTMLElement) => (el as HTMLInputElement).disabled;
const row = (name: string) => screen.getByText(name).closest('li')!;

describe('users', () => {
  it('granting a role issues user.set_roles with the full role list and marks the person as not yet confirmed', async () => {
    const client = await adminDevice();
    renderAt(client, '/a/users');
    const operator = await screen.findByRole('checkbox', { name: 'Operator role for Carla Client' });
    expect(checked(operator)).toBe(false);
    expect(within(row('Carla Client')).queryByTestId('pending-mark')).toBeNull();

    fireEvent.click(operator);
    // Asked first, with why: nothing is sent, and nothing changes, until the admin says so.
    const form = await screen.findByTestId('role-change');
    expect(form.textContent).toContain('Give Carla Client the Operator role?');
    expect(checked(operator)).toBe(false);
    fireEvent.click(within(form).getByRole('button', { name: 'Change the role' }));
    expect((await within(form).findByRole('alert')).textContent).toBe('Say why: every change of roles is kept in the audit log.');
    expect(await setRolesCommands(client)).toHaveLength(0);
    fireEvent.change(within(form).getByLabelText('Why? It is kept in the audit log, which every admin reads.'), { target: { value: 'Passed the plumbing check' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Change the role' }));

    await waitFor(async () => expect(await setRolesCommands(client)).toHaveLength(1));
    expect(screen.queryByTestId('role-change')).toBeNull();
    const [cmd] = await setRolesCommands(client);
    expect(cmd).toMatchObject({ status: 'pending', payload: { userId: CARLA, roles: ['consumer', 'operator'], reason: 'Passed the plumbing check' } });
    await waitFor(() => expect(checked(screen.getByRole('checkbox', { name: 'Operator role for Carla Client' }))).toBe(true));
    expect(within(row('Carla Client')).getByTestId('pending-mark').textContent).toContain('Not yet confirmed');
    // Only the person the command is about carries the mark.
    expect(within(row('Omar Operator')).queryByTestId('pending-mark')).toBeNull();

    // The server applies it and sends the profile back: the mark goes.
    await decide(client, cmd!.id, { status: 'applied' });
    await client.db.profiles.upsert(profile(CARLA, 'Carla Client', '+14155550101', ['consumer', 'operator']));
    await waitFor(() => expect(within(row('Carla Client')).queryByTestId('pending-mark')).toBeNull());
    expect(checked(screen.getByRole('checkbox', { name: 'Operator role for Carla Client' }))).toBe(true);
  });

  it('before taking the worker role from someone with work under way, says what it means for them', async () => {
    const client = await adminDevice();
    const booking = (n: number, status: StoredDocTypes['bookings']['status']): StoredDocTypes['bookings'] => ({
      id: `0190a000-0000-7000-8000-0000000000b${n}`, gigId: gig(3, 'assigned').id, title: 'Gig 3', clientId: CARLA, clientName: 'Carla Client',
      clientPhone: '', workerId: OMAR, workerName: 'Omar Operator', workerPhone: '', price: { amount: 5000, currency: 'USD' }, status, changeRounds: 0,
      timeline: [], createdAt: T0, updatedAt: T0, version: 1,
    });
    await client.db.bookings.bulkInsert([booking(1, 'in_progress'), booking(2, 'completed')]);
    renderAt(client, '/a/users');
    fireEvent.click(await screen.findByRole('checkbox', { name: 'Operator role for Omar Operator' }));
    const form = await screen.findByTestId('role-change');
    expect(form.textContent).toContain('Take the Operator role from Omar Operator?');
    // The finished booking does not count.
    expect((await within(form).findByTestId('role-work-under-way')).textContent).toBe(
      'Omar Operator has a booking under way as a worker. Without this role they can still finish it, but cannot see their earnings or be paid out until the role is given back.',
    );
  });

  it('a person’s only role cannot be switched off', async () => {
    const client = await adminDevice();
    renderAt(client, '/a/users');
    const consumer = await screen.findByRole('checkbox', { name: 'Client role for Carla Client' });
    expect(disabled(consumer)).toBe(true);
    expect(document.getElementById(consumer.getAttribute('aria-describedby')!)?.textContent).toContain('Everyone keeps at least one role');
    expect(disabled(screen.getByRole('checkbox', { name: 'Client role for Omar Operator' }))).toBe(false);
  });

  it('asks before an admin removes their own admin role, and shows the server’s refusal beside them', async () => {
    const client = await adminDevice();
    const memory = renderAt(client, '/a/users');
    const admin = await screen.findByRole('checkbox', { name: 'Admin role for Ada Admin' });

    fireEvent.click(admin);
    const form = await screen.findByTestId('role-change');
    expect(form.textContent).toContain('Remove your own admin role? You will leave the admin area, and only another admin can give it back.');
    fireEvent.click(within(form).getByRole('button', { name: 'Keep as it is' }));
    expect(screen.queryByTestId('role-change')).toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    expect(await setRolesCommands(client)).toHaveLength(0);
    expect(checked(admin)).toBe(true);

    fireEvent.click(admin);
    fireEvent.change(await screen.findByLabelText('Why? It is kept in the audit log, which every admin reads.'), { target: { value: 'Handing over to Omar' } });
    fireEvent.click(screen.getByRole('button', { name: 'Change the role' }));
    await waitFor(async () => expect(await setRolesCommands(client)).toHaveLength(1));
    const [cmd] = await setRolesCommands(client);
    expect(cmd!.payload).toEqual({ userId: ADA, roles: ['consumer'], reason: 'Handing over to Omar' });
    // Leaving the admin area: the start page picks an area the person still has.
    await waitFor(() => expect(memory.history!.at(-1)).toBe('/'));

    await decide(client, cmd!.id, { status: 'rejected', code: 'last_admin', message: 'You cannot remove the last admin role.' });
    // Back on the users page (the role is back), the refusal is still there: it is read from stored data.
    act(() => memory.navigate('/a/users'));
    const refusal = await waitFor(() => within(row('Ada Admin')).getByTestId('role-refusal'));
    expect(refusal.textContent).toContain('Role change not done: You cannot remove the last admin role.');
    // A refused command has no effect: the role shows as held again, without a pending mark.
    expect(checked(screen.getByRole('checkbox', { name: 'Admin role for Ada Admin' }))).toBe(true);
    expect(within(row('Ada Admin')).queryByTestId('pending-mark')).toBeNull();

    fireEvent.click(within(refusal).getByRole('button', { name: 'Dismiss' }));
    await waitFor(() => expect(within(row('Ada Admin')).queryByTestId('role-refusal')).toBeNull());
    expect(client.getStatus().rejected).toHaveLength(0);
  });

  it('searches by phone number and filters from the URL', async () => {
    const client = await adminDevice();
    renderAt(client, '/a/users?role=operator');
    await screen.findByText('Omar Operator');
    expect(screen.queryByText('Carla Client')).toBeNull();
    expect((screen.getByLabelText('Show') as HTMLSelectElement).value).toBe('operator');

    fireEvent.change(screen.getByLabelText('Show'), { target: { value: '' } });
    await screen.findByText('Carla Client');
    fireEvent.change(screen.getByLabelText('Search by name or phone'), { target: { value: '555 0101' } });
    await waitFor(() => expect(screen.queryByText('Omar Operator')).toBeNull());
    expect(screen.getByText('Carla Client')).toBeTruthy();
    expect(screen.getByText('Showing 1 of 3')).toBeTruthy();
  });
});

describe('overview', () => {
  it('counts gigs by state and people by role, each linking to its filtered list', async () => {
    const client = await adminDevice();
    renderAt(client, '/a');
    expect(await screen.findByRole('heading', { level: 1, name: 'Marketplace overview' })).toBeTruthy();
    const open = await screen.findByTestId('overview-gigs-open');
    expect(open.getAttribute('data-count')).toBe('2');
    expect(open.getAttribute('href')).toBe('/a/gigs?state=open');
    expect(screen.getByTestId('overview-gigs-closed').getAttribute('data-count')).toBe('0');
    expect(screen.getByTestId('overview-users-admin').getAttribute('data-count')).toBe('1');
    expect(screen.getByTestId('overview-operators-available').getAttribute('href')).toBe('/a/users?available=1');
    expect(screen.getByRole('link', { name: 'Overview' }).getAttribute('aria-current')).toBe('page');

    fireEvent.click(open);
    expect(await screen.findByRole('heading', { level: 1, name: 'Gigs' })).toBeTruthy();
    await waitFor(() => expect(screen.getAllByTestId('admin-gig')).toHaveLength(2));
    expect(screen.getByRole('link', { name: 'Gigs' }).getAttribute('aria-current')).toBe('page');
  });
});

describe('bookings', () => {
  it('/a/bookings/:id hands over to the booking page', async () => {
    const client = await adminDevice();
    const memory = renderAt(client, '/a/bookings/0190a000-0000-7000-8000-0000000000b1');
    await waitFor(() => expect(memory.history!.at(-1)).toBe('/b/0190a000-0000-7000-8000-0000000000b1'));
  });
});
