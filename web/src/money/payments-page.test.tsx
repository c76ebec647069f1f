// @vitest-environment happy-dom
// The client's money screens against a stubbed server at the fetch boundary: payments and refunds with their
// receipts and totals, each refund as the payment provider has it, a printable receipt, and the offline state.
import { deviceTimeZone } from './period';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { closeDevices } from '../sync/test-support';
import type { BankDecision } from '@shared/money-api';
import type { ClientPayments, Receipt } from './api-types';
import ConsumerMoneyArea from './consumer-money-area';
import { BehaviorSubject, combineLatest, map } from 'rxjs';
import type { SyncClient } from '../sync/client';
import { moneyDevice, renderMoney, stubServer, TOKEN } from './test-support';

// The device's zone goes with every period (the server counts the month's days in it).
const TZ = `&tz=${encodeURIComponent(deviceTimeZone())}`;
const CARLA = '0190a000-0000-7000-8000-000000000001';
const MILESTONE = '0190a000-0000-7000-8000-0000000000e1';
const OTHER_MILESTONE = '0190a000-0000-7000-8000-0000000000e2';
const NOVEMBER = `/money/payments?from=2026-11-01&to=2026-11-30${TZ}`;

const payments: ClientPayments = {
  from: '2026-11-01',
  to: '2026-11-30',
  payments: [
    {
      postingId: '0190a000-0000-7000-8000-0000000000f1', paidAt: '2026-11-10T09:00:00.000Z', milestoneId: MILESTONE, bookingId: '0190a000-0000-7000-8000-0000000000b1',
      title: 'Fix a leaking tap', description: 'Fix a leaking tap', worker: { id: 'w', name: 'Omar Operator' }, currency: 'USD', amount: 8000, workerFee: 800, feeBps: 1000, status: 'released',
    },
    {
      postingId: '0190a000-0000-7000-8000-0000000000f3', paidAt: '2026-11-14T09:00:00.000Z', milestoneId: OTHER_MILESTONE, bookingId: '0190a000-0000-7000-8000-0000000000b2',
      title: 'Paint a fence', description: 'First coat', worker: { id: 'w', name: 'Omar Operator' }, currency: 'USD', amount: 12000, workerFee: 1200, feeBps: 1000, status: 'split',
    },
  ],
  refunds: [
    {
      postingId: '0190a000-0000-7000-8000-0000000000f4', refundedAt: '2026-11-20T09:00:00.000Z', milestoneId: OTHER_MILESTONE, bookingId: '0190a000-0000-7000-8000-0000000000b2',
      title: 'Paint a fence', description: 'First coat', kind: 'split', currency: 'USD', amount: 4510, for: 'settlement', status: 'succeeded', reference: 're_3Refund',
    },
  ],
  bankReturns: [],
  totals: [{ currency: 'USD', paid: 20000, refunded: 4510, byBank: 0 }],
};

const receipt: Receipt = {
  milestoneId: MILESTONE, bookingId: '0190a000-0000-7000-8000-0000000000b1', title: 'Fix a leaking tap', description: 'Fix a leaking tap', status: 'released',
  client: { id: CARLA, name: 'Carla Client' }, worker: { id: 'w', name: 'Omar Operator' }, currency: 'USD', amount: 8000, paidAt: '2026-11-10T09:00:00.000Z',
  paymentReference: 'pi_demo_Abc123', chargeReference: 'ch_demo_Abc123', workerFee: 800, feeBps: 1000, released: 8000, refunded: 0, refunds: [], bankReturns: [],
  lines: [{ at: '2026-11-10T09:00:00.000Z', kind: 'funding', currency: 'USD', paid: 8000, released: 0, refunded: 0, memo: '' }],
};

afterEach(async () => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  await closeDevices();
  // Figures kept on the device (useMoneyRead's keep): each test starts with none.
  localStorage.clear();
});

const open = (client: Parameters<typeof renderMoney>[0], path: string, locale: 'en' | 'es' = 'en') => renderMoney(client, '/c', <ConsumerMoneyArea />, path, locale);

describe('payments', () => {
  it('lists payments and refunds in the order the money moved, with receipts and the period’s totals', async () => {
    const server = stubServer({ [`GET ${NOVEMBER}`]: payments, [`GET /money/receipts/${MILESTONE}`]: receipt });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    const memory = open(client, '/c/payments?month=2026-11');

    const rows = await screen.findAllByTestId('payment');
    expect(rows.map((r) => r.getAttribute('data-kind'))).toEqual(['payment', 'payment', 'refund']);
    expect(rows[0]!.textContent).toContain('Fix a leaking tap');
    expect(rows[0]!.textContent).toContain('$80.00');
    expect(rows[2]!.textContent).toContain('Refund');
    expect(rows[2]!.textContent).toContain('-$45.10');
    expect(rows[2]!.textContent).toContain('Refunded. Reference: re_3Refund');
    expect(screen.getByTestId('paid-total').textContent).toContain('$200.00');
    expect(screen.getByTestId('refunded-total').textContent).toContain('$45.10');
    expect(server.requests('/money/payments')[0]).toMatchObject({ path: NOVEMBER, authorization: `Bearer ${TOKEN}` });

    // Read out alone, each receipt link says which row it is: no two alike, though a payment and its refund share a receipt.
    const names = screen.getAllByRole('link', { name: /^Receipt for / }).map((l) => l.getAttribute('aria-label'));
    expect(new Set(names).size).toBe(names.length);
    expect(names[0]).toMatch(/^Receipt for Fix a leaking tap: Payment, Nov \d+, 2026/);
    fireEvent.click(within(rows[0]!).getByRole('link', { name: /^Receipt for Fix a leaking tap: Payment, / }));
    expect(memory.history!.at(-1)).toBe(`/c/receipts/${MILESTONE}`);
    await screen.findByTestId('receipt');
  });

  it('shows the payments last read at once when opened again, said as of when, until the server’s slower answer replaces them', async () => {
    stubServer({ [`GET ${NOVEMBER}`]: payments });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, '/c/payments?month=2026-11');
    expect(await screen.findAllByTestId('payment')).toHaveLength(3);
    cleanup();

    // A slow link: the answer takes its time, and it has a refund more.
    let answer!: (body: ClientPayments) => void;
    stubServer({ [`GET ${NOVEMBER}`]: () => new Promise<ClientPayments>((resolve) => (answer = resolve)) });
    open(client, '/c/payments?month=2026-11');
    expect(screen.getAllByTestId('payment')).toHaveLength(3);
    expect(screen.getByTestId('money-stale').textContent).toMatch(/^Figures as of .+; loading the latest…$/);
    expect(screen.queryByTestId('money-loading')).toBeNull();
    await waitFor(() => expect(answer).toBeDefined());
    act(() => answer({ ...payments, refunds: [...payments.refunds, { ...payments.refunds[0]!, postingId: '0190a000-0000-7000-8000-0000000000f9', amount: 100 }] }));
    await waitFor(() => expect(screen.getAllByTestId('payment')).toHaveLength(4));
    expect(screen.queryByTestId('money-stale')).toBeNull();
  });

  it('lists what the client’s bank took back, held while it decides or returned, with its own total', async () => {
    const bank = (n: number, outcome: BankDecision): ClientPayments['bankReturns'][number] => ({
      disputeId: `du_${n}`, at: `2026-11-2${n}T09:00:00.000Z`, milestoneId: MILESTONE, bookingId: '0190a000-0000-7000-8000-0000000000b1',
      title: 'Fix a leaking tap', description: 'Fix a leaking tap', currency: 'USD', amount: 3000 * n, outcome,
    });
    stubServer({ [`GET ${NOVEMBER}`]: { ...payments, bankReturns: [bank(1, 'deciding'), bank(2, 'for_client')], totals: [{ currency: 'USD', paid: 20000, refunded: 4510, byBank: 9000 }] } });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, '/c/payments?month=2026-11');
    const rows = await screen.findAllByTestId('payment');
    expect(rows.map((r) => r.getAttribute('data-kind'))).toEqual(['payment', 'payment', 'refund', 'bank', 'bank']);
    expect(rows[3]!.textContent).toContain('Taken back by your bank ·');
    expect(rows[3]!.textContent).toContain('-$30.00');
    expect(screen.getAllByTestId('bank-return').map((b) => [b.getAttribute('data-outcome'), b.textContent])).toEqual([
      ['deciding', 'You disputed this payment with your bank; it holds the money while it decides.'],
      ['for_client', 'Your bank decided your dispute for you and returned this to you.'],
    ]);
    expect(within(rows[4]!).getByRole('link', { name: /^Receipt for Fix a leaking tap: Taken back by your bank, / })).toBeTruthy();
    expect(screen.getByTestId('bank-total').textContent).toBe('Taken back by your bank$90.00');
    expect(screen.getByTestId('refunded-total').textContent).toBe('Refunds$45.10');
  });

  it('keeps a dispute the bank decided for Fieldwork, saying the payment stands, with no amount and outside the bank total', async () => {
    const disputed = (outcome: BankDecision): ClientPayments => ({
      ...payments,
      bankReturns: [{
        disputeId: 'du_1', at: '2026-11-21T09:00:00.000Z', milestoneId: MILESTONE, bookingId: '0190a000-0000-7000-8000-0000000000b1',
        title: 'Fix a leaking tap', description: 'Fix a leaking tap', currency: 'USD', amount: 8000, outcome,
      }],
      totals: [{ currency: 'USD', paid: 20000, refunded: 4510, byBank: outcome === 'for_fieldwork' ? 0 : 8000 }],
    });
    // While the bank decides, then once it has decided for Fieldwork: the same line, told the outcome.
    stubServer({ [`GET ${NOVEMBER}`]: disputed('deciding') });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, '/c/payments?month=2026-11');
    expect((await screen.findByTestId('bank-return')).getAttribute('data-outcome')).toBe('deciding');
    expect(screen.getByTestId('bank-total').textContent).toBe('Taken back by your bank$80.00');
    cleanup();

    stubServer({ [`GET ${NOVEMBER}`]: disputed('for_fieldwork') });
    open(client, '/c/payments?month=2026-11');
    const line = await screen.findByTestId('bank-return');
    expect(line.getAttribute('data-outcome')).toBe('for_fieldwork');
    expect(line.textContent).toBe('Your bank decided your dispute for Fieldwork: the payment stands.');
    const row = screen.getAllByTestId('payment').find((r) => r.getAttribute('data-kind') === 'bank')!;
    expect(row.textContent).toContain('Disputed with your bank ·');
    expect(row.textContent).not.toContain('Taken back by your bank');
    // No money in its amount cell: a dash, read as nothing returned.
    const cell = row.querySelector('td.num')!;
    expect(cell.textContent).toBe('—Nothing returned to you');
    expect(cell.querySelector('[aria-hidden="true"]')!.textContent).toBe('—');
    expect(within(row).getByRole('link', { name: /^Receipt for Fix a leaking tap: / })).toBeTruthy();
    expect(screen.queryByTestId('bank-total')).toBeNull();
    expect(screen.getByTestId('refunded-total').textContent).toBe('Refunds$45.10');
    cleanup();

    open(client, '/c/payments?month=2026-11', 'es');
    expect((await screen.findByTestId('bank-return')).textContent).toBe('Tu banco resolvió tu reclamación a favor de Fieldwork: el pago se mantiene.');
    expect(screen.getAllByTestId('payment').find((r) => r.getAttribute('data-kind') === 'bank')!.textContent).toContain('Reclamado a tu banco ·');
  });

  it('has no bank total when no bank took anything back', async () => {
    stubServer({ [`GET ${NOVEMBER}`]: payments });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, '/c/payments?month=2026-11');
    await screen.findAllByTestId('payment');
    expect(screen.queryByTestId('bank-total')).toBeNull();
    expect(screen.queryByTestId('bank-return')).toBeNull();
  });

  it('says so when nothing moved in the month', async () => {
    stubServer({ 'GET /money/payments': { ...payments, payments: [], refunds: [], totals: [] } });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, '/c/payments?month=2026-10', 'es');
    await screen.findByText('No hay pagos ni reembolsos en octubre de 2026.');
  });

  it('offline, shows the plain offline state under its heading', async () => {
    const server = stubServer({ [`GET ${NOVEMBER}`]: payments });
    const { client } = await moneyDevice(CARLA, ['consumer'], false);
    open(client, '/c/payments?month=2026-11');
    expect((await screen.findByTestId('money-offline')).textContent).toContain('You’re offline — money figures need a connection.');
    expect(screen.getByRole('heading', { level: 1, name: 'Payments' })).toBeTruthy();
    expect(server.seen).toEqual([]);
  });

  it('reads again once the server answers, after a read lost to the network while the device said it was online', async () => {
    // The first request after the network came back fails; the status line then says "up to date", and the
    // screen promised the figures would load again.
    let answer: 'network' | ClientPayments = 'network';
    stubServer({
      [`GET ${NOVEMBER}`]: () => {
        if (answer === 'network') throw new TypeError('Failed to fetch');
        return answer;
      },
    });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    const connected$ = new BehaviorSubject(false);
    const device = Object.create(client, {
      status$: { value: combineLatest([client.status$, connected$]).pipe(map(([s, connected]) => ({ ...s, connected }))) },
      getStatus: { value: () => ({ ...client.getStatus(), connected: connected$.value }) },
    }) as SyncClient;
    open(device, '/c/payments?month=2026-11');
    await screen.findByTestId('money-unreachable');
    answer = payments;
    act(() => connected$.next(true));
    expect(await screen.findAllByTestId('payment')).toHaveLength(3);
    expect(screen.queryByTestId('money-unreachable')).toBeNull();
  });

  it('waits for a slow answer rather than asking again over it, and says no answer came rather than offline', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let calls = 0;
    let answer: (value: ClientPayments) => void = () => undefined;
    const server = stubServer({
      [`GET ${NOVEMBER}`]: () => {
        if (++calls === 1) throw new TypeError('Failed to fetch');
        // The second read's answer takes longer than the pause between tries.
        return new Promise<ClientPayments>((resolve) => (answer = resolve));
      },
    });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, '/c/payments?month=2026-11');
    expect((await screen.findByTestId('money-unreachable')).textContent).not.toContain('offline');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(10_000);
    });
    expect(server.requests('/money/payments')).toHaveLength(2);
    // Still waiting for that answer: nothing asks over it, so nothing throws it away.
    await act(async () => {
      await vi.advanceTimersByTimeAsync(25_000);
    });
    expect(server.requests('/money/payments')).toHaveLength(2);
    answer(payments);
    expect(await screen.findAllByTestId('payment')).toHaveLength(3);
    vi.useRealTimers();
  });

  it('tries a read lost to the network again while the device says it is online, even with replication never dropped', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let answer: 'network' | ClientPayments = 'network';
    const server = stubServer({
      [`GET ${NOVEMBER}`]: () => {
        if (answer === 'network') throw new TypeError('Failed to fetch');
        return answer;
      },
    });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, '/c/payments?month=2026-11');
    await screen.findByTestId('money-unreachable');
    answer = payments;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(10_000);
    });
    expect(await screen.findAllByTestId('payment')).toHaveLength(3);
    expect(server.requests('/money/payments')).toHaveLength(2);
    vi.useRealTimers();
  });
});

describe('refunds, as the payment provider has them', () => {
  const LATE = '0190a000-0000-7000-8000-0000000000e3';
  const refund = (n: number, over: Partial<ClientPayments['refunds'][number]>): ClientPayments['refunds'][number] => ({
    postingId: `0190a000-0000-7000-8000-00000000010${n}`, refundedAt: `2026-11-2${n}T09:00:00.000Z`, milestoneId: OTHER_MILESTONE, bookingId: '0190a000-0000-7000-8000-0000000000b2',
    title: 'Paint a fence', description: 'First coat', kind: 'refund', currency: 'USD', amount: 1000 * n, for: 'settlement', status: 'pending', reference: null, ...over,
  });
  const owed: ClientPayments = {
    ...payments,
    payments: [],
    refunds: [
      refund(1, { status: 'pending' }),
      refund(2, { status: 'succeeded', reference: 're_3Made' }),
      refund(3, { status: 'failed' }),
      refund(4, { milestoneId: LATE, title: 'Fix a door', description: 'Fix a door', for: 'late_payment', status: 'pending' }),
      refund(5, { status: 'returned_by_bank' }),
    ],
    totals: [{ currency: 'USD', paid: 0, refunded: 15_000, byBank: 0 }],
  };
  const states = () => screen.getAllByTestId('refund-state').map((s) => [s.getAttribute('data-status'), s.textContent]);

  it('says of each refund whether it is on its way, made (with the reference), in our hands or given by the client’s bank, and marks a payment sent back', async () => {
    stubServer({ [`GET ${NOVEMBER}`]: owed });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, '/c/payments?month=2026-11');
    const rows = await screen.findAllByTestId('payment');
    expect(states()).toEqual([
      ['pending', 'On its way back to you.'],
      ['succeeded', 'Refunded. Reference: re_3Made'],
      ['failed', 'Could not be refunded automatically; we are looking into it.'],
      ['pending', 'On its way back to you.'],
      ['returned_by_bank', 'Your bank returned this to you when you disputed the payment, so Fieldwork sends nothing more.'],
    ]);
    expect(rows[2]!.textContent).toContain('-$30.00');
    expect(rows[0]!.textContent).toContain('Refund ·');
    expect(rows[3]!.textContent).toContain('Payment sent back ·');
    expect(rows[3]!.textContent).toContain('It arrived when this part of the work could no longer take it.');
    expect(rows[0]!.textContent).not.toContain('It arrived when');
    expect(within(rows[3]!).getByRole('link', { name: /^Receipt for Fix a door: Payment sent back, / }).getAttribute('href')).toBe(`/c/receipts/${LATE}`);
    expect(screen.getByTestId('refunded-total').textContent).toBe('Refunds$150.00');
  });

  it('says it in Spanish too', async () => {
    stubServer({ [`GET ${NOVEMBER}`]: owed });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, '/c/payments?month=2026-11', 'es');
    await screen.findAllByTestId('payment');
    expect(states().map(([, text]) => text)).toEqual([
      'De camino de vuelta a ti.',
      'Reembolsado. Referencia: re_3Made',
      'No se pudo reembolsar automáticamente; lo estamos revisando.',
      'De camino de vuelta a ti.',
      'Tu banco te lo devolvió cuando reclamaste el pago, así que Fieldwork no envía nada más.',
    ]);
    expect(screen.getAllByTestId('payment')[3]!.textContent).toContain('Pago devuelto');
  });

  it('keeps each refund’s state on screen when the network goes, marked as last loaded', async () => {
    stubServer({ [`GET ${NOVEMBER}`]: owed });
    const { client, online$ } = await moneyDevice(CARLA, ['consumer']);
    open(client, '/c/payments?month=2026-11');
    await screen.findAllByTestId('payment');
    act(() => online$.next(false));
    await screen.findByTestId('money-stale');
    expect(states().map(([status]) => status)).toEqual(['pending', 'succeeded', 'failed', 'pending', 'returned_by_bank']);
  });

  it('on the receipt, each refund with its amount and state', async () => {
    stubServer({
      [`GET /money/receipts/${OTHER_MILESTONE}`]: {
        ...receipt, milestoneId: OTHER_MILESTONE, title: 'Paint a fence', description: 'First coat', status: 'split', amount: 12000, released: 7490, refunded: 4510,
        refunds: [
          { postingId: 'p1', at: '2026-11-20T09:00:00.000Z', currency: 'USD', amount: 4510, for: 'settlement', status: 'failed', reference: null },
          { postingId: 'p2', at: '2026-11-21T09:00:00.000Z', currency: 'EUR', amount: 5000, for: 'late_payment', status: 'succeeded', reference: 're_3Back' },
        ],
      } satisfies Receipt,
    });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, `/c/receipts/${OTHER_MILESTONE}`);
    const lines = await screen.findAllByTestId('receipt-refund');
    expect(lines.map((l) => l.getAttribute('data-status'))).toEqual(['failed', 'succeeded']);
    expect(lines[0]!.textContent).toContain('$45.10');
    expect(lines[0]!.textContent).toContain('Could not be refunded automatically; we are looking into it.');
    expect(lines[0]!.previousElementSibling!.textContent).toBe('Refund');
    expect(lines[1]!.textContent).toContain('€50.00');
    expect(lines[1]!.textContent).toContain('Refunded. Reference: re_3Back');
    expect(lines[1]!.previousElementSibling!.textContent).toBe('Payment sent back');
  });
});

describe('a receipt', () => {
  it('shows what was paid, the fee within it, the parties and the demo note, and prints', async () => {
    stubServer({ [`GET /money/receipts/${MILESTONE}`]: receipt });
    const print = vi.fn();
    vi.stubGlobal('print', print);
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, `/c/receipts/${MILESTONE}`);

    const body = await screen.findByTestId('receipt');
    expect(screen.getByTestId('receipt-amount').textContent).toBe('$80.00');
    expect(screen.getByTestId('receipt-fee').textContent).toBe('$8.00');
    expect(screen.queryByTestId('receipt-refund')).toBeNull();
    expect(body.textContent).toContain('Carla Client');
    expect(body.textContent).toContain('Omar Operator');
    expect(body.textContent).toContain('pi_demo_Abc123');
    expect(body.textContent).toContain('Demo payment — no real money moved.');
    fireEvent.click(screen.getByRole('button', { name: 'Print' }));
    expect(print).toHaveBeenCalledTimes(1);
  });

  it('shows a refund, and no demo note for a real provider’s payment', async () => {
    stubServer({
      [`GET /money/receipts/${MILESTONE}`]: {
        ...receipt, paymentReference: 'pi_3Abc', refunded: 4510, released: 3490,
        refunds: [{ postingId: 'p1', at: '2026-11-20T09:00:00.000Z', currency: 'USD', amount: 4510, for: 'settlement', status: 'pending', reference: null }],
      },
    });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, `/c/receipts/${MILESTONE}`);
    const line = await screen.findByTestId('receipt-refund');
    expect(line.textContent).toContain('$45.10');
    expect(line.textContent).toContain('On its way back to you.');
    expect(screen.queryByText('Demo payment — no real money moved.')).toBeNull();
  });

  it('shows what the client’s bank took back of the payment, and whether it has decided', async () => {
    stubServer({
      [`GET /money/receipts/${MILESTONE}`]: {
        ...receipt, status: 'refunded', released: 0, workerFee: 0,
        bankReturns: [{ disputeId: 'du_1', at: '2026-11-21T09:00:00.000Z', currency: 'USD', amount: 8000, outcome: 'for_client' }],
      },
    });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, `/c/receipts/${MILESTONE}`, 'es');
    const line = await screen.findByTestId('receipt-bank-return');
    expect(line.getAttribute('data-outcome')).toBe('for_client');
    expect(line.textContent).toContain('80,00');
    expect(screen.getByTestId('receipt-bank-decision').textContent).toBe('Tu banco resolvió tu reclamación a tu favor y te lo devolvió.');
    expect(screen.getByText('Recuperado por tu banco')).toBeTruthy();
    expect(screen.queryByTestId('demo-bank')).toBeNull();
  });

  it('shows a dispute the bank decided for Fieldwork: the payment stands, and no amount went back', async () => {
    stubServer({
      [`GET /money/receipts/${MILESTONE}`]: {
        ...receipt, status: 'submitted', released: 0,
        bankReturns: [{ disputeId: 'du_1', at: '2026-11-21T09:00:00.000Z', currency: 'USD', amount: 8000, outcome: 'for_fieldwork' }],
      },
    });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, `/c/receipts/${MILESTONE}`);
    const line = await screen.findByTestId('receipt-bank-return');
    expect(line.getAttribute('data-outcome')).toBe('for_fieldwork');
    expect(line.textContent).not.toContain('$');
    expect(screen.getByTestId('receipt-bank-decision').textContent).toBe('Your bank decided your dispute for Fieldwork: the payment stands.');
    expect(screen.getByText('Disputed with your bank')).toBeTruthy();
    expect(screen.queryByText('Taken back by your bank')).toBeNull();
    expect(screen.getByTestId('receipt-amount').textContent).toBe('$80.00');
  });

  it('on the demo rail, leads to the payer’s demo bank to try a chargeback', async () => {
    const url = 'http://localhost:8787/pay/demo/bank/pi_demo_Abc123';
    stubServer({ [`GET /money/receipts/${MILESTONE}`]: { ...receipt, demoBankUrl: url } });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, `/c/receipts/${MILESTONE}`);
    const link = await screen.findByTestId('demo-bank');
    expect(link.getAttribute('href')).toBe(url);
    expect(link.textContent).toBe('Try a chargeback: dispute this demo payment at a demo bank');
  });

  it('a milestone that is not the client’s or was never paid has no receipt', async () => {
    stubServer({
      [`GET /money/receipts/${MILESTONE}`]: Response.json({ error: { code: 'not_found', message: 'No receipt: this is not a milestone you have paid for.' } }, { status: 404 }),
    });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, `/c/receipts/${MILESTONE}`);
    await screen.findByText('There is no receipt here: this is not a part of the work you have paid for.');
    await waitFor(() => expect(screen.queryByTestId('receipt')).toBeNull());
  });
});
