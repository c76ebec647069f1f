// @vitest-environment happy-dom
// The worker's money screens against a stubbed server at the fetch boundary: the statement's figures, the CSV
// download, "Get paid now" as a payout.request command, payout setup and the gig screen's banner, and the
// offline and refused states.
import { deviceTimeZone } from './period';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { Route, Router } from 'wouter';
import { memoryLocation } from 'wouter/memory-location';
import { SyncContext } from '../app/sync-context';
import { I18nProvider } from '../i18n/i18n';
import { closeDevices, decide, issuedCommands } from '../sync/test-support';
import type { PayoutAccount, WorkerStatement } from './api-types';
import OperatorMoneyArea from './operator-money-area';
import { PayoutsBanner, usePayoutsMissing } from './payouts-banner';
import { moneyDevice, reachable, renderMoney, stubServer, TOKEN } from './test-support';

/** The banner as the gig screen shows it: from what the server says of the worker's payouts. */
function GigPayoutsBanner() {
  return <PayoutsBanner missing={usePayoutsMissing()} />;
}

// The device's zone goes with every period (the server counts the month's days in it).
const TZ = `&tz=${encodeURIComponent(deviceTimeZone())}`;
const OMAR = '0190a000-0000-7000-8000-000000000010';
const NOVEMBER = `/money/statement?from=2026-11-01&to=2026-11-30${TZ}`;

const statement = (over: Partial<WorkerStatement> = {}): WorkerStatement => ({
  worker: { id: OMAR, name: 'Omar Operator' },
  from: '2026-11-01',
  to: '2026-11-30',
  jobs: [
    {
      postingId: '0190a000-0000-7000-8000-0000000000f1', milestoneId: '0190a000-0000-7000-8000-0000000000e1', bookingId: '0190a000-0000-7000-8000-0000000000b1',
      title: 'Fix a leaking tap', description: 'Fix a leaking tap', kind: 'release', releasedBy: 'approved', releasedAt: '2026-11-12T15:00:00.000Z', currency: 'USD', gross: 8000, fee: 800, net: 7200,
    },
    {
      postingId: '0190a000-0000-7000-8000-0000000000f2', milestoneId: '0190a000-0000-7000-8000-0000000000e2', bookingId: '0190a000-0000-7000-8000-0000000000b2',
      title: 'Paint a fence', description: 'First coat', kind: 'split', releasedBy: 'mediator', releasedAt: '2026-11-20T09:30:00.000Z', currency: 'USD', gross: 4510, fee: 451, net: 4059,
    },
  ],
  totals: [{ currency: 'USD', jobs: 2, gross: 12510, fee: 1251, net: 11259, paidOut: 5000 }],
  payouts: [
    {
      postingId: '0190a000-0000-7000-8000-0000000000f0', paidAt: '2026-11-05T11:17:30.000Z', milestoneId: '0190a000-0000-7000-8000-0000000000e0',
      bookingId: '0190a000-0000-7000-8000-0000000000b0', title: 'Hang shelves', description: 'Hang shelves', currency: 'USD', amount: 5000, reference: 'tr_demo_5000',
    },
  ],
  balances: { asOf: '2026-11-21T10:00:00.000Z', byCurrency: [{ currency: 'USD', pending: 12000, available: 6259, paidOut: 5000 }] },
  unsent: { items: [], nextRunAt: '2026-11-21T10:17:00.000Z' },
  ...over,
});

/** The statement read again after a payout: what was available, less what has reached the payout account since. */
const paidOutSince = (available: number, paidOut: number, asOf = '2026-11-21T10:05:00.000Z') =>
  statement({ balances: { asOf, byCurrency: [{ currency: 'USD', pending: 12000, available, paidOut }] } });

/** A released job not paid out yet, for the reason given. */
const unsent = (reason: WorkerStatement['unsent']['items'][number]['reason'], i = 0): WorkerStatement['unsent']['items'][number] => ({
  milestoneId: `0190a000-0000-7000-8000-0000000001e${i}`, bookingId: '0190a000-0000-7000-8000-0000000000b2', title: 'Paint a fence', description: `Coat ${i + 1}`,
  currency: 'USD', amount: 2000 + i, releasedAt: '2026-11-20T09:30:00.000Z', reason,
});

const account = (status: PayoutAccount['status']): PayoutAccount => ({ status, provider: 'demo', detailsSubmitted: status !== 'none', transfersActive: status === 'active' });

afterEach(async () => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  await closeDevices();
  // Figures kept on the device (useMoneyRead's keep): each test starts with none.
  localStorage.clear();
});

const earnings = (client: Parameters<typeof renderMoney>[0], path = '/o/earnings?month=2026-11', locale: 'en' | 'es' = 'en') =>
  renderMoney(client, '/o', <OperatorMoneyArea />, path, locale);

const text = (testId: string) => screen.getByTestId(testId).textContent;

describe('earnings', () => {
  it('says who let the money of a job go, when it was not the client approving it', async () => {
    const base = statement().jobs[0]!;
    const jobs = (['auto_approved', 'dispute_accepted', 'dispute_default', 'mediator'] as const).map((releasedBy, i) => ({
      ...base, postingId: `0190a000-0000-7000-8000-00000000010${i}`, releasedBy,
    }));
    stubServer({ [`GET ${NOVEMBER}`]: statement({ jobs }), 'GET /pay/payouts/account': account('active') });
    const { client } = await moneyDevice(OMAR, ['consumer', 'operator']);
    earnings(client);
    const rows = await screen.findAllByTestId('job');
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringContaining('approved when the time to review it ran out'),
      expect.stringContaining('all of it, by a dispute: the claim was accepted'),
      expect.stringContaining('all of it, by a dispute: no answer came in time'),
      expect.stringContaining('all of it, decided by a mediator'),
    ]);
  });

  it('says who decided a split, as for a release: the claim accepted, no answer in time, or a mediator', async () => {
    const base = statement().jobs[1]!;
    const jobs = (['dispute_accepted', 'dispute_default', 'mediator'] as const).map((releasedBy, i) => ({
      ...base, postingId: `0190a000-0000-7000-8000-00000000020${i}`, releasedBy,
    }));
    stubServer({ [`GET ${NOVEMBER}`]: statement({ jobs }), 'GET /pay/payouts/account': account('active') });
    const { client } = await moneyDevice(OMAR, ['consumer', 'operator']);
    earnings(client);
    const rows = await screen.findAllByTestId('job');
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringContaining('part of it, by a dispute: the claim was accepted'),
      expect.stringContaining('part of it, by a dispute: no answer came in time'),
      expect.stringContaining('part of it, decided by a mediator'),
    ]);
  });

  it('shows each job’s gross, fee and net, the period’s totals and the balances, read with the access token', async () => {
    const server = stubServer({ [`GET ${NOVEMBER}`]: statement(), 'GET /pay/payouts/account': account('active') });
    const { client } = await moneyDevice(OMAR, ['consumer', 'operator']);
    earnings(client);

    const jobs = await screen.findAllByTestId('job');
    expect(jobs).toHaveLength(2);
    expect(within(jobs[0]!).getByRole('rowheader').textContent).toContain('Fix a leaking tap');
    expect(jobs[0]!.textContent).toContain('$80.00');
    expect(jobs[0]!.textContent).toContain('$8.00');
    expect(jobs[0]!.textContent).toContain('$72.00');
    // A split names its second line and says who decided it: here a mediator.
    expect(jobs[1]!.textContent).toContain('First coat');
    expect(jobs[1]!.textContent).toContain('part of it, decided by a mediator');
    expect(jobs[1]!.textContent).toContain('$40.59');
    // An approval says nothing more; the rest say who let the money go.
    expect(jobs[0]!.textContent).not.toMatch(/dispute|mediator|ran out/);
    const total = screen.getByTestId('jobs-total');
    expect(total.textContent).toContain('$125.10');
    expect(total.textContent).toContain('$12.51');
    expect(total.textContent).toContain('$112.59');

    expect(text('balance-pending')).toBe('$120.00');
    expect(text('balance-available')).toBe('$62.59');
    expect(text('balance-paid-out')).toBe('$50.00');
    expect(screen.getByRole('region', { name: 'Jobs in November 2026: gross, fee and net' })).toBeTruthy();

    expect(server.requests('/money/statement')).toEqual([{ method: 'GET', path: NOVEMBER, authorization: `Bearer ${TOKEN}`, body: '' }]);
    // The payouts banner asks on its own, and may come after the statement.
    await waitFor(() => expect(server.requests('/pay/payouts/account')[0]?.authorization).toBe(`Bearer ${TOKEN}`));
  });

  it('lists the payouts of the month with their reference, and says so when there were none', async () => {
    stubServer({
      [`GET ${NOVEMBER}`]: statement(),
      [`GET /money/statement?from=2026-10-01&to=2026-10-31${TZ}`]: statement({ from: '2026-10-01', to: '2026-10-31', jobs: [], totals: [], payouts: [] }),
      'GET /pay/payouts/account': account('active'),
    });
    const { client } = await moneyDevice(OMAR, ['consumer', 'operator']);
    earnings(client);
    const [payout] = await screen.findAllByTestId('payout');
    expect(screen.getByRole('heading', { name: 'Paid out in November 2026' })).toBeTruthy();
    expect(screen.getByRole('list', { name: 'Paid out in November 2026' })).toBeTruthy();
    expect(payout!.textContent).toContain('Hang shelves');
    expect(payout!.textContent).toContain('$50.00');
    expect(payout!.textContent).toMatch(/Sent to your payout account .*Nov.*5/);
    expect(payout!.textContent).toContain('Reference tr_demo_5000');
    // Nothing waits: no list of money not sent.
    expect(screen.queryByTestId('unsent')).toBeNull();

    cleanup();
    earnings(client, '/o/earnings?month=2026-10');
    expect(await screen.findByText('Nothing paid out to you in October 2026.')).toBeTruthy();
    expect(screen.queryByTestId('payout')).toBeNull();
  });

  it('says why each released job is not paid out yet, and where only the payout account can move it, leads there', async () => {
    const items = [unsent('next_run', 0), unsent('sending', 1), unsent('account_needed', 2), unsent('held', 3)];
    stubServer({ [`GET ${NOVEMBER}`]: statement({ unsent: { items, nextRunAt: '2026-11-21T10:17:00.000Z' } }), 'GET /pay/payouts/account': account('active') });
    const { client } = await moneyDevice(OMAR, ['consumer', 'operator']);
    earnings(client);
    const rows = await screen.findAllByTestId('unsent');
    expect(screen.getByRole('heading', { name: 'Not paid out yet' })).toBeTruthy();
    expect(rows.map((r) => r.dataset.reason)).toEqual(['next_run', 'sending', 'account_needed', 'held']);
    const why = rows.map((r) => within(r).getByTestId('unsent-why').textContent);
    // The run's time as the device reads its clock.
    const at = new Intl.DateTimeFormat('en', { timeStyle: 'short' }).format(new Date('2026-11-21T10:17:00.000Z'));
    expect(why).toEqual([
      `Goes out with the next payout, at ${at}.`,
      'On its way to your payout account.',
      'Waiting for your payout account, which cannot receive money yet.',
      'Held: the payment provider turned this payout down. We are looking into it; you can also try “Get paid now” again.',
    ]);
    expect(rows[0]!.textContent).toContain('$20.00');
    expect(rows[0]!.textContent).toContain('Coat 1');
    // Only the account can move the last two: each leads to the payout settings.
    expect(rows.map((r) => within(r).queryByRole('link', { name: 'Payout settings' }) !== null)).toEqual([false, false, true, true]);
  });

  it('says it in Spanish', async () => {
    stubServer({ [`GET ${NOVEMBER}`]: statement({ unsent: { items: [unsent('held')], nextRunAt: '2026-11-21T10:17:00.000Z' } }), 'GET /pay/payouts/account': account('active') });
    const { client } = await moneyDevice(OMAR, ['consumer', 'operator']);
    earnings(client, '/o/earnings?month=2026-11', 'es');
    const [row] = await screen.findAllByTestId('unsent');
    expect(within(row!).getByTestId('unsent-why').textContent).toMatch(/^Retenido: el proveedor de pagos rechazó este cobro/);
    expect(screen.getByRole('heading', { name: 'Cobrado en noviembre de 2026' })).toBeTruthy();
    expect(screen.getByTestId('payout').textContent).toContain('Referencia tr_demo_5000');
  });

  it('asks for the month picked, and keeps it in the URL', async () => {
    const server = stubServer({ 'GET /money/statement': statement({ jobs: [], totals: [] }), 'GET /pay/payouts/account': account('active') });
    const { client } = await moneyDevice(OMAR, ['operator']);
    const memory = earnings(client);
    await screen.findByText('Nothing released to you in November 2026. A job shows here once its money is released to you.');

    fireEvent.change(screen.getByLabelText('Period'), { target: { value: '2026-02' } });
    await screen.findByText(/^Nothing released to you in February 2026\. /);
    expect(server.requests('/money/statement').map((r) => r.path)).toEqual([NOVEMBER, `/money/statement?from=2026-02-01&to=2026-02-28${TZ}`]);
    expect(memory.history!.at(-1)).toBe('/o/earnings?month=2026-02');
  });

  it('downloads the CSV with the token, under the name the server gives', async () => {
    const csv = 'job,gross,fee,net\r\nFix a leaking tap,80.00,8.00,72.00\r\n';
    const server = stubServer({
      [`GET ${NOVEMBER}`]: statement(),
      'GET /pay/payouts/account': account('active'),
      'GET /money/statement.csv': () =>
        new Response(csv, { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="fieldwork-statement-2026-11-01-2026-11-30.csv"' } }),
    });
    const saved: { name: string; href: string }[] = [];
    const blobs: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      blobs.push(blob as Blob);
      return 'blob:statement';
    });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push({ name: this.download, href: this.getAttribute('href') ?? '' });
    });
    const { client } = await moneyDevice(OMAR, ['operator']);
    earnings(client);

    fireEvent.click(await screen.findByRole('button', { name: 'Download CSV' }));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]).toEqual({ name: 'fieldwork-statement-2026-11-01-2026-11-30.csv', href: 'blob:statement' });
    expect(await blobs[0]!.text()).toBe(csv);
    const [request] = server.requests('/money/statement.csv');
    expect(request).toMatchObject({ path: `/money/statement.csv?from=2026-11-01&to=2026-11-30${TZ}`, authorization: `Bearer ${TOKEN}` });
  });

  it('"Get paid now" issues payout.request for the currency, says when it is done and reads the figures again', async () => {
    stubServer({ [`GET ${NOVEMBER}`]: statement(), 'GET /pay/payouts/account': account('active') });
    const { client } = await moneyDevice(OMAR, ['operator']);
    earnings(reachable(client));

    fireEvent.click(await screen.findByRole('button', { name: 'Get paid now' }));
    await waitFor(async () => expect(await issuedCommands(client)).toHaveLength(1));
    const [cmd] = await issuedCommands(client);
    expect(cmd).toMatchObject({ type: 'payout.request', status: 'pending', payload: { currency: 'USD' } });
    await waitFor(() => expect(text('payout-outcome')).toBe('Asking for your payout…'));
    expect((screen.getByRole('button', { name: 'Get paid now' }) as HTMLButtonElement).disabled).toBe(true);

    const server = stubServer({ [`GET ${NOVEMBER}`]: paidOutSince(0, 11259), 'GET /pay/payouts/account': account('active') });
    const id = (await client.db.commands.find().exec())[0]!.id;
    await decide(client, id, { status: 'applied' });
    await waitFor(() => expect(text('payout-outcome')).toBe('Payout requested. It is on its way to your payout account.'));
    await waitFor(() => expect(text('balance-available')).toBe('$0.00'));
    expect(server.requests('/money/statement')).toHaveLength(1);
    expect(screen.queryByRole('button', { name: 'Get paid now' })).toBeNull();
  });

  it('after asking for several parts at once, reads the figures again until all of what was asked for is paid out', async () => {
    stubServer({ [`GET ${NOVEMBER}`]: statement(), 'GET /pay/payouts/account': account('active') });
    const { client } = await moneyDevice(OMAR, ['operator']);
    earnings(reachable(client));
    fireEvent.click(await screen.findByRole('button', { name: 'Get paid now' }));
    await waitFor(async () => expect(await issuedCommands(client)).toHaveLength(1));
    // The first of two transfers has landed when the figures are read: $20.00 of the $62.59 asked for.
    stubServer({ [`GET ${NOVEMBER}`]: paidOutSince(4259, 7000), 'GET /pay/payouts/account': account('active') });
    await decide(client, (await client.db.commands.find().exec())[0]!.id, { status: 'applied', result: { amount: 6259, currency: 'USD' } });
    await waitFor(() => expect(text('balance-paid-out')).toBe('$70.00'));
    expect((screen.getByRole('button', { name: 'Get paid now' }) as HTMLButtonElement).disabled).toBe(true);
    const server = stubServer({ [`GET ${NOVEMBER}`]: paidOutSince(0, 11259), 'GET /pay/payouts/account': account('active') });
    await waitFor(() => expect(text('balance-available')).toBe('$0.00'), { timeout: 5000 });
    expect(server.requests('/money/statement').length).toBeGreaterThan(0);
    expect(screen.queryByRole('button', { name: 'Get paid now' })).toBeNull();
  });

  it('reads the figures again when the worker’s parts change on this device: paid out by the hourly run, or from another device', async () => {
    stubServer({ [`GET ${NOVEMBER}`]: statement(), 'GET /pay/payouts/account': account('active') });
    const { client } = await moneyDevice(OMAR, ['operator']);
    earnings(reachable(client));
    await waitFor(() => expect(text('balance-available')).toBe('$62.59'));
    const server = stubServer({
      [`GET ${NOVEMBER}`]: paidOutSince(0, 11259, '2026-11-21T11:17:05.000Z'),
      'GET /pay/payouts/account': account('active'),
    });
    const now = '2026-11-21T11:17:02.000Z';
    const usd = (amount: number) => ({ amount, currency: 'USD' as const });
    await client.db.milestones.insert({
      id: '0190a000-0000-7000-8000-0000000000e2', bookingId: '0190a000-0000-7000-8000-0000000000b2', clientId: '0190a000-0000-7000-8000-000000000001', workerId: OMAR,
      position: 0, description: 'First coat', amount: usd(4510), feeBps: 1000, fee: usd(451), net: usd(4059), status: 'split', changeRounds: 0,
      releasedAmount: usd(4510), refundedAmount: usd(0), feeAmount: usd(451), transferredAt: now, timeline: [], createdAt: now, updatedAt: now, version: 7,
    });
    await waitFor(() => expect(text('balance-available')).toBe('$0.00'), { timeout: 5000 });
    expect(server.requests('/money/statement')).toHaveLength(1);
  });

  it('after the payout, "Get paid now" stays off until the figures are read again: a second tap would only be refused', async () => {
    stubServer({ [`GET ${NOVEMBER}`]: statement(), 'GET /pay/payouts/account': account('active') });
    const { client } = await moneyDevice(OMAR, ['operator']);
    earnings(reachable(client));

    fireEvent.click(await screen.findByRole('button', { name: 'Get paid now' }));
    await waitFor(async () => expect(await issuedCommands(client)).toHaveLength(1));
    // The figures come back slowly, as on a 3G phone: until they do, the screen still shows the money as available.
    let answer!: () => void;
    const answered = new Promise<void>((r) => (answer = r));
    const server = stubServer({
      [`GET ${NOVEMBER}`]: paidOutSince(0, 11259),
      'GET /pay/payouts/account': account('active'),
    });
    vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
      if (new Request(input, init).url.includes('/money/statement')) await answered;
      return server.fetch(input, init);
    });
    await decide(client, (await client.db.commands.find().exec())[0]!.id, { status: 'applied' });
    await waitFor(() => expect(text('payout-outcome')).toBe('Payout requested. It is on its way to your payout account.'));
    expect(text('balance-available')).toBe('$62.59');
    const button = screen.getByRole('button', { name: 'Get paid now' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    fireEvent.click(button);
    expect(await client.db.commands.count().exec()).toBe(1);

    answer();
    await waitFor(() => expect(text('balance-available')).toBe('$0.00'));
    expect(screen.queryByRole('button', { name: 'Get paid now' })).toBeNull();
    expect(text('payout-outcome')).toBe('Payout requested. It is on its way to your payout account.');
  });

  it('after the payout, figures read before the transfers ran keep "Get paid now" off, and are read again until they move', async () => {
    stubServer({ [`GET ${NOVEMBER}`]: statement(), 'GET /pay/payouts/account': account('active') });
    const { client } = await moneyDevice(OMAR, ['operator']);
    earnings(reachable(client));
    fireEvent.click(await screen.findByRole('button', { name: 'Get paid now' }));
    await waitFor(async () => expect(await issuedCommands(client)).toHaveLength(1));

    // The server queued the transfers; they run a moment after the command: the first read still shows the money.
    let reads = 0;
    const server = stubServer({
      [`GET ${NOVEMBER}`]: () =>
        ++reads === 1 ? statement() : paidOutSince(0, 11259),
      'GET /pay/payouts/account': account('active'),
    });
    await decide(client, (await client.db.commands.find().exec())[0]!.id, { status: 'applied' });
    await waitFor(() => expect(server.requests('/money/statement')).toHaveLength(1));
    expect(text('balance-available')).toBe('$62.59');
    expect((screen.getByRole('button', { name: 'Get paid now' }) as HTMLButtonElement).disabled).toBe(true);
    await waitFor(() => expect(text('balance-available')).toBe('$0.00'), { timeout: 5000 });
    expect(text('balance-paid-out')).toBe('$112.59');
    expect(screen.queryByRole('button', { name: 'Get paid now' })).toBeNull();
  });

  it('shows the refusal of a payout request in the worker’s language, and reads the figures again, which were behind', async () => {
    stubServer({ [`GET ${NOVEMBER}`]: statement(), 'GET /pay/payouts/account': account('active') });
    const { client } = await moneyDevice(OMAR, ['operator']);
    earnings(reachable(client), '/o/earnings?month=2026-11', 'es');

    fireEvent.click(await screen.findByRole('button', { name: 'Cobrar ahora' }));
    await waitFor(async () => expect(await issuedCommands(client)).toHaveLength(1));
    // Paid out meanwhile from the worker's other phone: the figures on screen are behind.
    const server = stubServer({
      [`GET ${NOVEMBER}`]: paidOutSince(0, 11259),
      'GET /pay/payouts/account': account('active'),
    });
    const id = (await client.db.commands.find().exec())[0]!.id;
    await decide(client, id, { status: 'rejected', code: 'nothing_to_pay_out', message: 'Nothing is available to pay out now.' });
    const refusal = await screen.findByTestId('payout-refused');
    expect(refusal.textContent).toBe(
      'No se hizo el cobro: Ahora no hay nada disponible para cobrar: lo que se liberó para ti ya se pagó o va de camino. El dinero queda disponible cuando un cliente aprueba tu trabajo.',
    );
    expect(refusal.getAttribute('data-code')).toBe('nothing_to_pay_out');
    await waitFor(() => expect(text('balance-available')).toBe('0,00\u00a0US$'));
    expect(server.requests('/money/statement')).toHaveLength(1);
  });

  it('a double tap on "Get paid now" asks for one payout, and that payout’s answer is what shows', async () => {
    stubServer({ [`GET ${NOVEMBER}`]: statement(), 'GET /pay/payouts/account': account('active') });
    const { client } = await moneyDevice(OMAR, ['operator']);
    earnings(reachable(client));

    const button = await screen.findByRole('button', { name: 'Get paid now' });
    fireEvent.click(button);
    fireEvent.click(button);
    await waitFor(() => expect(text('payout-outcome')).toBe('Asking for your payout…'));
    fireEvent.click(button);
    const commands = await client.db.commands.find().exec();
    expect(commands.map((c) => c.type)).toEqual(['payout.request']);

    await decide(client, commands[0]!.id, { status: 'applied' });
    await waitFor(() => expect(text('payout-outcome')).toBe('Payout requested. It is on its way to your payout account.'));
    expect(screen.queryByTestId('payout-refused')).toBeNull();
    expect(await client.db.commands.count().exec()).toBe(1);
  });

  it('a payout whose answer is lost with the connection is said as not confirmed, happening once, never as "try again"', async () => {
    stubServer({ [`GET ${NOVEMBER}`]: statement(), 'GET /pay/payouts/account': account('active'), 'GET /money/statement.csv': 'network' });
    const { client, online$ } = await moneyDevice(OMAR, ['operator']);
    earnings(reachable(client));
    fireEvent.click(await screen.findByRole('button', { name: 'Get paid now' }));
    await waitFor(() => expect(text('payout-outcome')).toBe('Asking for your payout…'));

    act(() => online$.next(false));
    await waitFor(() =>
      expect(text('payout-outcome')).toBe(
        'Payout asked for, not confirmed yet: the connection dropped. If it reached Fieldwork, it is on its way; if not, it is asked for when you are back online. It happens only once.',
      ),
    );
    expect(screen.queryByTestId('payout-offline')).toBeNull();
    // The statement file is made by the server: offline it says so, not that it is a money action.
    fireEvent.click(screen.getByRole('button', { name: 'Download CSV' }));
    expect(await screen.findByText('The file could not be fetched: it is made by Fieldwork and needs a connection. Try again when you are online.')).toBeTruthy();
  });

  it('while the device still connects, says "Get paid now" waits for the connection, not that there is none', async () => {
    stubServer({ [`GET ${NOVEMBER}`]: statement(), 'GET /pay/payouts/account': account('active') });
    const { client } = await moneyDevice(OMAR, ['operator']); // online, replication not connected yet
    earnings(client);
    await screen.findByRole('button', { name: 'Get paid now' });
    expect(text('payout-offline')).toBe('Connecting to Fieldwork… Money actions wait for it.');
  });

  it('without the server, "Get paid now" waits with a sentence; a dropped network keeps the figures, marked as last loaded', async () => {
    stubServer({ [`GET ${NOVEMBER}`]: statement(), 'GET /pay/payouts/account': account('active') });
    const { client, online$ } = await moneyDevice(OMAR, ['operator']);
    earnings(reachable(client));
    const button = (await screen.findByRole('button', { name: 'Get paid now' })) as HTMLButtonElement;
    expect(button.disabled).toBe(false);
    expect(screen.queryByTestId('payout-offline')).toBeNull();

    act(() => online$.next(false));
    await waitFor(() => expect(button.disabled).toBe(true));
    expect(text('payout-offline')).toBe('Money actions need a connection. Try again when you are online.');
    expect(text('money-stale')).toBe('You’re offline — these are the figures as last loaded. They load again when you are back online.');
    expect(text('balance-available')).toBe('$62.59');
    expect(screen.queryByTestId('money-offline')).toBeNull();
    fireEvent.click(button);
    expect(await issuedCommands(client)).toEqual([]);

    act(() => online$.next(true));
    await waitFor(() => expect(screen.queryByTestId('money-stale')).toBeNull());
    await waitFor(() => expect(button.disabled).toBe(false));
  });

  it('reopened where there is no signal, shows the figures it last read, with when, and reads them again once back online', async () => {
    const OCTOBER = `/money/statement?from=2026-10-01&to=2026-10-31${TZ}`;
    const server = stubServer({
      [`GET ${NOVEMBER}`]: statement(),
      [`GET ${OCTOBER}`]: statement({ from: '2026-10-01', to: '2026-10-31', jobs: [], payouts: [], totals: [] }),
      'GET /pay/payouts/account': account('active'),
    });
    const { client, online$ } = await moneyDevice(OMAR, ['operator']);
    earnings(reachable(client));
    await screen.findAllByTestId('job');
    expect(screen.queryByTestId('money-stale')).toBeNull();

    // The app closed, then opened again with no network: November as it was read, said as of when.
    cleanup();
    act(() => online$.next(false));
    earnings(reachable(client));
    expect(await screen.findAllByTestId('job')).toHaveLength(2);
    expect(text('balance-available')).toBe('$62.59');
    expect(text('money-stale')).toMatch(/^You’re offline — these are the figures as of .+\. They load again when you are back online\.$/);
    // A month never read is not made up: it says the figures need a connection.
    fireEvent.change(screen.getByTestId('month-picker'), { target: { value: '2026-10' } });
    expect((await screen.findByTestId('money-offline')).textContent).toContain('You’re offline');
    fireEvent.change(screen.getByTestId('month-picker'), { target: { value: '2026-11' } });
    expect(await screen.findAllByTestId('job')).toHaveLength(2);

    // Back online: read again, and the figures are the server's answer, no longer marked.
    const before = server.requests(NOVEMBER).length;
    act(() => online$.next(true));
    await waitFor(() => expect(screen.queryByTestId('money-stale')).toBeNull());
    expect(server.requests(NOVEMBER).length).toBeGreaterThan(before);
  });

  it('offers payout setup instead of "Get paid now" while payouts are not set up', async () => {
    stubServer({ [`GET ${NOVEMBER}`]: statement(), 'GET /pay/payouts/account': account('none') });
    const { client } = await moneyDevice(OMAR, ['operator']);
    const memory = earnings(client);

    const needed = await screen.findByTestId('payouts-needed');
    expect(needed.textContent).toContain('Set up payouts to be paid what is available.');
    expect(screen.queryByRole('button', { name: 'Get paid now' })).toBeNull();
    fireEvent.click(within(needed).getByRole('link', { name: 'Set up payouts' }));
    expect(memory.history!.at(-1)).toBe('/o/payouts');
    expect((await screen.findByTestId('payout-status')).getAttribute('data-status')).toBe('none');
  });

  it('offline, says money figures need a connection and asks nothing; back online, shows them', async () => {
    const server = stubServer({ [`GET ${NOVEMBER}`]: statement(), 'GET /pay/payouts/account': account('active') });
    const { client, online$ } = await moneyDevice(OMAR, ['operator'], false);
    earnings(client);

    const offline = await screen.findByTestId('money-offline');
    expect(offline.textContent).toContain('You’re offline — money figures need a connection.');
    expect(server.seen).toEqual([]);
    expect(screen.getByRole('heading', { level: 1, name: 'Earnings' })).toBeTruthy();

    act(() => online$.next(true));
    await screen.findAllByTestId('job');
    expect(screen.queryByTestId('money-offline')).toBeNull();
  });

  it('a fetch that gets no answer while the device is online says so, not that it is offline, and "Try again" reads again', async () => {
    let down = true;
    stubServer({
      [`GET ${NOVEMBER}`]: () => {
        if (down) throw new TypeError('Failed to fetch');
        return statement();
      },
      'GET /pay/payouts/account': account('active'),
    });
    const { client } = await moneyDevice(OMAR, ['operator']);
    earnings(client);

    const unreachable = await screen.findByTestId('money-unreachable');
    expect(unreachable.textContent).toContain('No answer from Fieldwork yet: the connection is slow or the server is busy.');
    expect(unreachable.textContent).not.toContain('offline');
    down = false;
    fireEvent.click(within(unreachable).getByRole('button', { name: 'Try again' }));
    await screen.findAllByTestId('job');
  });

  it('a refusal from the server is shown with its sentence, not as offline', async () => {
    stubServer({
      [`GET ${NOVEMBER}`]: Response.json({ error: { code: 'forbidden', message: 'Statements are for workers: this account does not take on work.' } }, { status: 403 }),
      'GET /pay/payouts/account': account('active'),
    });
    const { client } = await moneyDevice(OMAR, ['operator']);
    earnings(client);

    const failed = await screen.findByTestId('money-failed');
    expect(failed.textContent).toContain('The server could not give the figures: Statements are for workers: this account does not take on work.');
    expect(failed.getAttribute('data-code')).toBe('forbidden');
    expect(screen.queryByTestId('money-offline')).toBeNull();
  });
});

describe('payouts', () => {
  it('starts onboarding: POST /pay/payouts/onboarding, then opens the provider’s page it returns', async () => {
    const server = stubServer({
      'GET /pay/payouts/account': account('none'),
      'POST /pay/payouts/onboarding': { url: 'http://localhost:3000/pay/demo/onboarding/acct_demo_1', ...account('pending') },
    });
    const opened: string[] = [];
    vi.spyOn(window.location, 'assign').mockImplementation((url) => void opened.push(String(url)));
    const { client } = await moneyDevice(OMAR, ['operator']);
    earnings(client, '/o/payouts');

    expect((await screen.findByTestId('payout-status')).textContent).toBe('You have not set up payouts yet. Until you do, you cannot accept paid work.');
    expect(screen.getByText('Demo payouts — no real money moves.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Set up payouts' }));
    await waitFor(() => expect(opened).toEqual(['http://localhost:3000/pay/demo/onboarding/acct_demo_1']));
    expect(server.requests('/pay/payouts/onboarding')).toEqual([{ method: 'POST', path: '/pay/payouts/onboarding', authorization: `Bearer ${TOKEN}`, body: '{}' }]);
  });

  it('back from the provider, has the server read the account again and shows where it stands now', async () => {
    let status: PayoutAccount['status'] = 'pending';
    const server = stubServer({
      'GET /pay/payouts/account': () => account(status),
      'POST /pay/payouts/refresh': () => {
        status = 'active';
        return account(status);
      },
    });
    const { client } = await moneyDevice(OMAR, ['operator']);
    const memory = earnings(client, '/o/payouts?onboarding=return');

    await waitFor(() => expect(screen.getByTestId('payout-status').getAttribute('data-status')).toBe('active'));
    // The query leaves the address in place of the entry: a reload does not ask the provider again.
    expect(memory.history).toEqual(['/o/payouts']);
    expect(text('payout-status')).toBe('Payouts are active. Approved work is paid out to your account.');
    expect(server.requests('/pay/payouts/refresh')).toHaveLength(1);
    expect(screen.queryByRole('button', { name: 'Continue setup' })).toBeNull();
  });

  it('a pending account offers to continue, and an expired link says so', async () => {
    stubServer({ 'GET /pay/payouts/account': account('pending') });
    const { client } = await moneyDevice(OMAR, ['operator']);
    const memory = earnings(client, '/o/payouts?onboarding=refresh', 'es');

    expect((await screen.findByTestId('payout-status')).textContent).toBe(
      'Tu cuenta de cobros aún no está activa. Termina los pasos del proveedor para aceptar trabajo pagado y cobrar.',
    );
    expect(screen.getByText('El enlace de configuración caducó antes de terminar. Continúa la configuración para obtener uno nuevo.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Continuar la configuración' })).toBeTruthy();
    // Said on arrival, and still said once the query has left the address.
    await waitFor(() => expect(memory.history).toEqual(['/o/payouts']));
    expect(screen.getByText(/El enlace de configuración caducó/)).toBeTruthy();
  });
});

describe('the payouts banner on the gig screen', () => {
  // Shown once the server says payouts are not active: test/e2e/money-screens.e2e.test.ts sees it on a gig page.
  it('asks nothing and says nothing while the sync cannot reach the server, even with the platform online', async () => {
    const server = stubServer({ 'GET /pay/payouts/account': account('none') });
    const { client } = await moneyDevice(OMAR, ['operator']);
    const memory = memoryLocation({ path: '/o/gigs/x' });
    render(
      <I18nProvider initial="en">
        <SyncContext.Provider value={client}>
          <Router hook={memory.hook}>
            <Route path="/o" nest>
              <GigPayoutsBanner />
            </Route>
          </Router>
        </SyncContext.Provider>
      </I18nProvider>,
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(client.getStatus()).toMatchObject({ online: true, connected: false });
    expect(screen.queryByTestId('payouts-banner')).toBeNull();
    expect(server.seen).toEqual([]);
  });
});
