// The demo rail's checkout page when a payment's confirmation did not reach the webhook handler: opening the
// page again (the app's "Continue to payment") delivers what is still owed, since the rail has no background
// redelivery as Stripe has.
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { createLogger } from '../log';
import { createDemoRail, DEMO_BASE_PATH, type DemoRail } from './demo';
import { demoRoutes } from './demo-routes';

const BASE = 'http://localhost:8787';

let db: TestDb;
let rail: DemoRail;
let app: Hono;
/** Event types the webhook handler took, in order. */
const taken: string[] = [];
/** Make the webhook handler fail this many times. */
let failing = 0;

beforeAll(async () => {
  db = await createTestDb();
  rail = createDemoRail({ sql: db.sql, publicBaseUrl: BASE });
  const deliver = async (rawBody: string, header: string) => {
    if (failing > 0) {
      failing--;
      throw new Error('webhook handler down');
    }
    taken.push(rail.verifyWebhook(rawBody, header).type);
  };
  app = new Hono().route(DEMO_BASE_PATH, demoRoutes({ rail, deliver, log: createLogger('silent') }));
});
afterAll(() => db.drop());

describe('demo checkout page of a paid session', () => {
  it('delivers the events still owed when opened again, shows "paid" once they are taken, and delivers nothing twice', async () => {
    const { id } = await rail.createCheckout({
      milestoneId: 'milestone-1', bookingId: 'booking-1', clientId: 'client-1', amount: 12_550, currency: 'USD', description: 'Fence repair',
      successUrl: `${BASE}/bookings/1/paid`, cancelUrl: `${BASE}/bookings/1`, expiresAt: new Date(Date.now() + 3600_000), idempotencyKey: 'checkout-1',
    });
    const page = () => app.request(`${DEMO_BASE_PATH}/checkout/${id}`);

    failing = 1;
    const paid = await app.request(`${DEMO_BASE_PATH}/checkout/${id}/pay`, { method: 'POST' });
    expect(paid.status).toBe(502);
    expect(taken).toEqual([]);

    // Opened again while the handler is still down: not "paid", but pending with a way to try again.
    failing = 1;
    const pending = await page();
    expect(pending.status).toBe(502);
    const html = await pending.text();
    expect(html).toContain('Payment made, confirmation pending');
    expect(html).toContain(`action="${DEMO_BASE_PATH}/checkout/${id}/pay"`);
    expect(taken).toEqual([]);

    const done = await page();
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('This demo payment is done');
    expect(taken).toEqual(['payment_intent.succeeded', 'checkout.session.completed']);

    expect((await page()).status).toBe(200);
    expect(taken).toHaveLength(2);
    const owed = await db.sql`select id from demo_rail_objects where parent_id = ${id} and kind = 'event' and delivered_at is null`;
    expect(owed).toHaveLength(0);
  });
});
