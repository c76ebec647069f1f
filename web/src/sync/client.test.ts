// The sync client against a real RxDB (memory storage, dev-mode, schema validation), without a server.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { firstValueFrom } from 'rxjs';
import { InvalidCommandError } from './commands';
import { newId } from './ids';
import type { SyncClient, SyncClientOptions } from './client';
import { closeDevices, decide, offlineDevice, uniqueName, until } from './test-support';

const USER = '0190a000-0000-7000-8000-000000000001';
/** Never contacted: these clients stay offline. settleMs keeps the client's default unless a test sets it. */
const offlineClient = (over: Partial<SyncClientOptions> = {}): Promise<SyncClient> =>
  offlineDevice({ id: USER, roles: ['consumer'] }, { settleMs: undefined, ...over });

afterEach(closeDevices);

const post = (gigId = newId()) => ({
  gigId,
  title: 'Fix the tap',
  description: 'Kitchen tap drips',
  skills: { plumbing: 2 },
  budget: { amount: 5000, currency: 'USD' },
  location: { lat: 37.78, lng: -122.42 },
  address: '1 Main St',
  areaLabel: 'Mission',
} as const);

describe('issue() offline', () => {
  it('writes a pending command at once and counts it', async () => {
    const client = await offlineClient();
    const gigId = newId();
    const { id } = await client.issue('gig.post', post(gigId));
    const doc = (await client.db.commands.findOne(id).exec())!.toJSON();
    expect(doc).toMatchObject({ id, type: 'gig.post', status: 'pending' });
    expect(doc.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(JSON.parse(doc.payload)).toMatchObject({ gigId, publish: true, startsAt: null });
    expect(doc.updatedAt).toBe(doc.issuedAt);
    const status = await until(client.status$, (s) => s.pending === 1, 'one pending command');
    expect(status).toMatchObject({ connected: false, pending: 1, rejected: [], lastSyncedAt: null });
    expect(client.getStatus().pending).toBe(1);
  });

  it('rejects a payload the shared schema refuses, and writes nothing', async () => {
    const client = await offlineClient();
    await expect(client.issue('gig.post', { ...post(), title: 'x' })).rejects.toThrow(InvalidCommandError);
    await expect(client.issue('nope' as 'gig.post', post())).rejects.toThrow(/unknown command type/);
    expect(await client.db.commands.count().exec()).toBe(0);
  });

  it('keeps issue order as write order, even without awaiting each issue', async () => {
    const client = await offlineClient();
    const gigId = newId();
    const ids = await Promise.all([
      client.issue('gig.post', { ...post(gigId), publish: false }),
      client.issue('gig.update', { gigId, title: 'Fix both taps' }),
      client.issue('gig.publish', { gigId }),
    ]);
    const pending = await client.db.commands.find({ selector: { status: 'pending' }, sort: [{ issuedAt: 'asc' }] }).exec();
    expect(pending.map((d) => d.id)).toEqual(ids.map((i) => i.id));
    // RxDB pushes in write order: each later write has a later last-write time.
    const lwt = pending.map((d) => d.toJSON(true)._meta.lwt);
    expect([...lwt].sort((a, b) => a - b)).toEqual(lwt);
  });
});

describe('optimistic view', () => {
  it('shows the pending chain, then drops a rejected command and keeps its reason until dismissed', async () => {
    const client = await offlineClient({ settleMs: 0 });
    const gigId = newId();
    await client.issue('gig.post', { ...post(gigId), publish: false });
    const { id: updateId } = await client.issue('gig.update', { gigId, title: 'Fix both taps' });

    const view = await until(client.view$('gigs', gigId), (v) => v?.title === 'Fix both taps', 'the edited provisional gig');
    expect(view).toMatchObject({ status: 'draft', provisional: true, pending: true });
    const all = await until(client.viewAll$('gigs', { selector: { status: 'draft' } }), (l) => l.length === 1, 'the draft in a query');
    expect(all[0]!.id).toBe(gigId);

    await decide(client, updateId, { status: 'rejected', code: 'invalid_state', message: 'This can no longer be done.' });
    await until(client.view$('gigs', gigId), (v) => v?.title === 'Fix the tap', 'the rejected edit to disappear');
    const status = await until(client.status$, (s) => s.rejected.length === 1, 'the rejection in the status');
    expect(status.pending).toBe(1);
    expect(status.rejected[0]).toMatchObject({ id: updateId, type: 'gig.update', code: 'invalid_state', message: 'This can no longer be done.' });

    await client.dismiss(updateId);
    await until(client.status$, (s) => s.rejected.length === 0, 'the dismissed rejection to go');
    // Dismissing is local: the command itself is untouched, so nothing is pushed again.
    expect((await client.db.commands.findOne(updateId).exec())!.status).toBe('rejected');
  });

  it('shows refusals of commands issued since this device exists, not the history a fresh device pulls', async () => {
    const client = await offlineClient();
    const old = new Date(Date.now() - 86_400_000).toISOString();
    // What the first pull brings: a refusal from another device, a day before this one existed.
    await client.db.commands.insert({
      id: newId(), type: 'gig.accept', payload: '{}', issuedAt: old, status: 'rejected', rejectionCode: 'gig_taken',
      rejectionMessage: 'This gig was just taken by another worker.', decidedAt: old, updatedAt: old,
    });
    const { id } = await client.issue('gig.update', { gigId: newId(), title: 'New title' });
    await decide(client, id, { status: 'rejected', code: 'not_found', message: 'That item no longer exists or you cannot see it.' });
    const status = await until(client.status$, (s) => s.rejected.length > 0, 'the new refusal');
    expect(status.rejected.map((r) => r.id)).toEqual([id]);
  });

  it('names what a refused command was about, even after it left the device', async () => {
    const client = await offlineClient();
    const gigId = newId();
    const now = new Date().toISOString();
    const { gigId: _, ...fields } = post(gigId);
    await client.db.gigs.insert({ ...fields, title: 'Mount a TV on drywall', id: gigId, clientId: USER, clientName: 'Ana', exactLocation: true, status: 'open', createdAt: now, updatedAt: now, version: 1 });
    const { id } = await client.issue('gig.accept', { gigId, bookingId: newId() });
    // Another worker took it: the server drops the gig from this device's feed, then refuses the accept.
    await (await client.db.gigs.findOne(gigId).exec())!.remove();
    await decide(client, id, { status: 'rejected', code: 'gig_taken', message: 'This gig was just taken by another worker.' });
    const status = await until(client.status$, (s) => s.rejected.length === 1, 'the refusal');
    expect(status.rejected[0]).toMatchObject({ id, code: 'gig_taken', subject: 'Mount a TV on drywall' });
    // A command about nothing the device knows has no subject.
    const { id: other } = await client.issue('booking.start', { bookingId: newId() });
    await decide(client, other, { status: 'rejected', code: 'not_found', message: 'That item no longer exists or you cannot see it.' });
    const both = await until(client.status$, (s) => s.rejected.length === 2, 'the second refusal');
    expect(both.rejected[1]).not.toHaveProperty('subject');
    // Sent again from a refusal, it keeps the subject the refusal had, though the device no longer knows it.
    const { id: again } = await client.issue('gig.accept', { gigId, bookingId: newId() }, { subject: 'Mount a TV on drywall' });
    await decide(client, again, { status: 'rejected', code: 'gig_taken', message: 'This gig was just taken by another worker.' });
    const three = await until(client.status$, (s) => s.rejected.length === 3, 'the third refusal');
    expect(three.rejected[2]).toMatchObject({ id: again, subject: 'Mount a TV on drywall' });
  });

  it('names the part a refusal is about, and what a refusal from another of the person’s devices was about', async () => {
    const client = await offlineClient();
    const [bookingId, milestoneId] = [newId(), newId()];
    const now = new Date().toISOString();
    const usd = (amount: number) => ({ amount, currency: 'USD' as const });
    await client.db.milestones.insert({
      id: milestoneId, bookingId, clientId: USER, workerId: newId(), position: 1, description: 'Replace cartridge and test', amount: usd(6000), feeBps: 1000,
      fee: usd(600), net: usd(5400), status: 'disputed', changeRounds: 0, releasedAmount: usd(0), refundedAmount: usd(0), feeAmount: usd(0),
      timeline: [], createdAt: now, updatedAt: now, version: 1,
    });
    // The phone's approval, refused; this device (the laptop) did not send it, and pulls it with the account's commands.
    await client.db.commands.insert({
      id: newId(), type: 'milestone.approve', payload: JSON.stringify({ milestoneId }), issuedAt: now, status: 'rejected', rejectionCode: 'dispute_open',
      rejectionMessage: 'A dispute is already open on this part of the work.', decidedAt: now, updatedAt: now,
    });
    const status = await until(client.status$, (s) => s.rejected.length === 1, 'the refusal from the other device');
    expect(status.rejected[0]).toMatchObject({ code: 'dispute_open', subject: 'Replace cartridge and test' });
  });

  it('a query drops a document a pending command moves out of it', async () => {
    const client = await offlineClient();
    const gigId = newId();
    const now = new Date().toISOString();
    const { gigId: _, ...fields } = post(gigId);
    await client.db.gigs.insert({ ...fields, id: gigId, clientId: USER, clientName: 'Ana', exactLocation: true, status: 'open', createdAt: now, updatedAt: now, version: 1 });
    await until(client.viewAll$('gigs', { selector: { status: 'open' } }), (l) => l.length === 1, 'the open gig');
    await client.issue('gig.cancel', { gigId });
    await until(client.viewAll$('gigs', { selector: { status: 'open' } }), (l) => l.length === 0, 'the cancelled gig to leave the query');
    const cancelled = await until(client.viewAll$('gigs', { selector: { status: 'cancelled' } }), (l) => l.length === 1, 'the gig under cancelled');
    expect(cancelled[0]).toMatchObject({ pending: true, pendingFields: ['status'] });
  });

  it('holds an applied command until its documents arrive, so the screen does not flick back', async () => {
    const client = await offlineClient({ settleMs: 60_000 });
    const gigId = newId();
    const { id } = await client.issue('gig.post', post(gigId));
    await until(client.view$('gigs', gigId), (v) => v !== undefined, 'the provisional gig');
    await decide(client, id, { status: 'applied' });
    await until(client.status$, (s) => s.pending === 0, 'no pending command');
    expect((await firstValueFrom(client.view$('gigs', gigId)))?.provisional).toBe(true);
  });
});

describe('awaitConfirmed', () => {
  it('resolves with the decided command', async () => {
    const client = await offlineClient();
    const { id } = await client.issue('gig.post', post());
    const confirmed = client.awaitConfirmed(id, 5000);
    await decide(client, id, { status: 'applied' });
    expect(await confirmed).toMatchObject({ id, status: 'applied' });
  });

  it('rejects after the timeout while the command is still pending', async () => {
    const client = await offlineClient();
    const { id } = await client.issue('gig.post', post());
    await expect(client.awaitConfirmed(id, 50)).rejects.toThrow();
  });
});

describe('restart and sign-out', () => {
  it('keeps pending commands and dismissals across a restart', async () => {
    const name = uniqueName();
    const first = await offlineClient({ name });
    const { id: pendingId } = await first.issue('gig.post', post());
    const { id: rejectedId } = await first.issue('gig.publish', { gigId: newId() });
    await decide(first, rejectedId, { status: 'rejected', code: 'not_found', message: 'Gone.' });
    await first.dismiss(rejectedId);
    await first.stop();

    const second = await offlineClient({ name });
    const status = await until(second.status$, (s) => s.pending === 1, 'the pending command after restart');
    expect(status.rejected).toEqual([]);
    expect((await second.db.commands.findOne(pendingId).exec())?.status).toBe('pending');
  });

  it('signOut removes the local database', async () => {
    const name = uniqueName();
    const first = await offlineClient({ name });
    await first.issue('gig.post', post());
    await first.signOut();

    const again = await offlineClient({ name });
    expect(await again.db.commands.count().exec()).toBe(0);
    expect(again.getStatus().pending).toBe(0);
  });
});

describe('quiet views', () => {
  it('a write that changes nothing a screen shows emits no new list or status; a real change does', async () => {
    const client = await offlineClient();
    const lists: unknown[] = [];
    const statuses: unknown[] = [];
    const subs = [client.viewAll$('commands').subscribe((l) => lists.push(l)), client.status$.subscribe((s) => statuses.push(s))];
    const { id } = await client.issue('gig.post', post());
    await until(client.status$, (st) => st.pending === 1, 'the pending command');
    await new Promise((r) => setTimeout(r, 100));
    const [listsBefore, statusesBefore] = [lists.length, statuses.length];

    // What a sync round does to an unchanged document: write it again as it is.
    const doc = await client.db.commands.findOne(id).exec();
    await client.db.commands.upsert(doc!.toJSON() as never);
    await new Promise((r) => setTimeout(r, 100));
    expect([lists.length, statuses.length]).toEqual([listsBefore, statusesBefore]);

    await decide(client, id, { status: 'applied' });
    await until(client.status$, (st) => st.pending === 0, 'the decision');
    await new Promise((r) => setTimeout(r, 100));
    expect(lists.length).toBeGreaterThan(listsBefore);
    expect(statuses.length).toBeGreaterThan(statusesBefore);
    subs.forEach((s) => s.unsubscribe());
  });
});

describe('http() for the money screens', () => {
  it('gives up on a server that never answers after HTTP_SILENCE_MS, so the screen can offer a retry', async () => {
    const { HTTP_SILENCE_MS } = await import('./client');
    let asked = 0;
    const silent = ((_url: string, init?: RequestInit) => {
      asked++;
      return new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
    }) as typeof fetch;
    const client = await offlineClient({ fetch: silent });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const outcome = client.http('/money/statement').then(() => 'answered', (e: Error) => e.name);
      await vi.advanceTimersByTimeAsync(HTTP_SILENCE_MS - 1);
      expect(await Promise.race([outcome, Promise.resolve('waiting')])).toBe('waiting');
      await vi.advanceTimersByTimeAsync(1);
      expect(await outcome).toBe('TimeoutError');
      expect(asked).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
