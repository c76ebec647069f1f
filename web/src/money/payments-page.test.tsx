// @vitest-environment happy-dom
// The client's money screens against a stubbed server at the fetch boundary: payments and refunds with their
// receipts and totals, a printable receipt, and the offline state.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { closeDevices } from '../sync/test-support';
import type { ClientPayments, Receipt } from './api-types';
import ConsumerMoneyArea from './consumer-money-area';
import { moneyDevice, renderMoney, stubServer, TOKEN } from './test-support';

const CARLA = '0190a000-0000-7000-8000-000000000001';
const MILESTONE = '0190a000-0000-7000-8000-0000000000e1';
const OTHER_MILESTONE = '0190a000-0000-7000-8000-0000000000e2';
const NOVEMBER = '/money/payments?from=2026-11-01&to=2026-11-30';

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
      title: 'Paint a fence', description: 'First coat', kind: 'split', currency: 'USD', amount: 4510,
    },
  ],
  totals: [{ currency: 'USD', paid: 20000, refunded: 4510 }],
};

const receipt: Receipt = {
  milestoneId: MILESTONE, bookingId: '0190a000-0000-7000-8000-0000000000b1', title: 'Fix a leaking tap', description: 'Fix a leaking tap', status: 'released',
  client: { id: CARLA, name: 'Carla Client' }, worker: { id: 'w', name: 'Omar Operator' }, currency: 'USD', amount: 8000, paidAt: '2026-11-10T09:00:00.000Z',
  paymentReference: 'pi_demo_Abc123', chargeReference: 'ch_demo_Abc123', workerFee: 800, feeBps: 1000, released: 8000, refunded: 0, refundReference: null,
  lines: [{ at: '2026-11-10T09:00:00.000Z', kind: 'funding', currency: 'USD', paid: 8000, released: 0, refunded: 0, memo: '' }],
};

afterEach(async () => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  await closeDevices();
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
    expect(screen.getByTestId('paid-total').textContent).toContain('$200.00');
    expect(screen.getByTestId('refunded-total').textContent).toContain('$45.10');
    expect(server.requests('/money/payments')[0]).toMatchObject({ path: NOVEMBER, authorization: `Bearer ${TOKEN}` });

    fireEvent.click(within(rows[0]!).getByRole('link', { name: 'Receipt for Fix a leaking tap' }));
    expect(memory.history!.at(-1)).toBe(`/c/receipts/${MILESTONE}`);
    await screen.findByTestId('receipt');
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
    expect(screen.queryByTestId('receipt-refunded')).toBeNull();
    expect(body.textContent).toContain('Carla Client');
    expect(body.textContent).toContain('Omar Operator');
    expect(body.textContent).toContain('pi_demo_Abc123');
    expect(body.textContent).toContain('Demo payment — no real money moved.');
    fireEvent.click(screen.getByRole('button', { name: 'Print' }));
    expect(print).toHaveBeenCalledTimes(1);
  });

  it('shows a refund, and no demo note for a real provider’s payment', async () => {
    stubServer({ [`GET /money/receipts/${MILESTONE}`]: { ...receipt, paymentReference: 'pi_3Abc', refunded: 4510, released: 3490 } });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, `/c/receipts/${MILESTONE}`);
    expect((await screen.findByTestId('receipt-refunded')).textContent).toBe('$45.10');
    expect(screen.queryByText('Demo payment — no real money moved.')).toBeNull();
  });

  it('a milestone that is not the client’s or was never paid has no receipt', async () => {
    stubServer({
      [`GET /money/receipts/${MILESTONE}`]: Response.json({ error: { code: 'not_found', message: 'No receipt: this is not a milestone you have paid for.' } }, { status: 404 }),
    });
    const { client } = await moneyDevice(CARLA, ['consumer']);
    open(client, `/c/receipts/${MILESTONE}`);
    await screen.findByText('This part of the work has not been paid, so there is no receipt.');
    await waitFor(() => expect(screen.queryByTestId('receipt')).toBeNull());
  });
});
