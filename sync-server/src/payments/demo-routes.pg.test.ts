// The demo rail's checkout page when a payment's confirmation did not reach the webhook handler: opening the
// page again (the app's "Continue to payment") delivers what is still owed, since the rail has no background
// redelivery as Stripe has. And every page's language: its person's, else the browser's, else English.
import { Hono } from 'hono';
import { v7 as uuidv7 } from 'uuid';
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
  app = new Hono().route(DEMO_BASE_PATH, demoRoutes({ rail, deliver, log: createLogger('silent'), sql: db.sql }));
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

describe('the language of the demo pages', () => {
  let seq = 0;
  async function person(locale: 'en' | 'es'): Promise<string> {
    const id = uuidv7();
    await db.sql`insert into users (id, phone, display_name, roles, locale) values (${id}, ${`+1415555${String(2000 + ++seq)}`}, 'Demo', '{consumer,operator}', ${locale})`;
    return id;
  }
  async function checkoutFor(clientId: string) {
    return rail.createCheckout({
      milestoneId: `lang-${++seq}`, bookingId: `lang-booking-${seq}`, clientId, amount: 12_550, currency: 'USD', description: 'Valla',
      successUrl: `${BASE}/b/${seq}`, cancelUrl: `${BASE}/b/${seq}`, expiresAt: new Date(Date.now() + 3600_000), idempotencyKey: `lang-checkout-${seq}`,
    });
  }
  const get = (path: string, acceptLanguage?: string) =>
    app.request(`${DEMO_BASE_PATH}${path}`, acceptLanguage ? { headers: { 'accept-language': acceptLanguage } } : undefined);
  const post = (path: string, body?: Record<string, string>, acceptLanguage?: string) =>
    app.request(`${DEMO_BASE_PATH}${path}`, {
      method: 'POST',
      ...(body ? { body: new URLSearchParams(body) } : {}),
      ...(acceptLanguage ? { headers: { 'accept-language': acceptLanguage } } : {}),
    });
  const isSpanish = (html: string) => {
    expect(html).toContain('<html lang="es">');
    expect(html).toContain('<strong>Pago de demostración: no se mueve dinero real.</strong>');
  };
  const isEnglish = (html: string) => {
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<strong>Demo payment — no real money moves.</strong>');
  };

  it('speaks a Spanish client’s language through checkout, paying and their bank, whatever the browser asks', async () => {
    const lucia = await person('es');
    const { id } = await checkoutFor(lucia);
    const checkout = await (await get(`/checkout/${id}`, 'en-US,en;q=0.9')).text();
    isSpanish(checkout);
    expect(checkout).toContain('<button type="submit">Pagar (demostración)</button>');
    expect(checkout).toContain('125,50\u00a0US$');

    failing = 1;
    const pending = await post(`/checkout/${id}/pay`);
    expect(pending.status).toBe(502);
    const pendingHtml = await pending.text();
    isSpanish(pendingHtml);
    expect(pendingHtml).toContain('<h1>Pago hecho, confirmación pendiente</h1>');
    const paid = await (await get(`/checkout/${id}`)).text();
    isSpanish(paid);
    expect(paid).toContain('<h1>Este pago de demostración ya está hecho</h1>');

    const [session] = await db.sql<{ pi: string }[]>`select data->>'payment_intent' as pi from demo_rail_objects where id = ${id}`;
    const bank = await (await get(`/bank/${session!.pi}`)).text();
    isSpanish(bank);
    expect(bank).toContain('<button type="submit">Reclamar este pago (demostración)</button>');
    expect((await post(`/bank/${session!.pi}/dispute`)).status).toBe(303);
    const held = await (await get(`/bank/${session!.pi}`)).text();
    isSpanish(held);
    expect(held).toContain('Reclamado: tu banco retiene 125,50\u00a0US$ mientras decide.');
    const notADecision = await post(`/bank/${session!.pi}/decide`, { outcome: 'maybe' });
    expect(notADecision.status).toBe(400);
    expect(await notADecision.text()).toContain('<h1>Eso no es una decisión</h1>');
  });

  it('speaks an English client’s language even to a Spanish browser, as before', async () => {
    const { id } = await checkoutFor(await person('en'));
    const html = await (await get(`/checkout/${id}`, 'es-ES,es;q=0.9')).text();
    isEnglish(html);
    expect(html).toContain('<h1>Demo payment</h1>');
    expect(html).toContain('$125.50');
    expect(html).toContain('<button type="submit">Pay (demo)</button>');
  });

  it('speaks a Spanish worker’s language on the payout setup, and on its refusals', async () => {
    const pablo = await person('es');
    const { id } = await rail.createConnectedAccount({ userId: pablo, country: 'US', idempotencyKey: `lang-account-${pablo}` });
    const setup = await (await get(`/onboard/${id}?return=${encodeURIComponent('/o/payouts?onboarding=return')}&refresh=${encodeURIComponent('/o/payouts?onboarding=refresh')}`)).text();
    isSpanish(setup);
    // Leaving without finishing goes back to the return address, as Stripe's does: the link has not expired.
    expect(setup).toContain('/o/payouts?onboarding=return"');
    expect(setup).not.toContain('onboarding=refresh');
    expect(setup).toContain('<button type="submit">Terminar la configuración de cobros (demostración)</button>');
    const offSite = await get(`/onboard/${id}?return=${encodeURIComponent('https://evil.example/')}`);
    expect(offSite.status).toBe(400);
    expect(await offSite.text()).toContain('<h1>Enlace de configuración de demostración no válido</h1>');
    failing = 1;
    const pending = await post(`/onboard/${id}?return=${encodeURIComponent('/o/payouts')}`);
    expect(pending.status).toBe(502);
    expect(await pending.text()).toContain('<h1>Cobros configurados, confirmación pendiente</h1>');
  });

  it('asks the browser (Accept-Language) when the page is for no one it knows, and says it in English otherwise', async () => {
    // Nothing behind the link, or a client id that is none of our users'.
    const unknown = await get('/checkout/cs_demo_nope', 'es-MX,es;q=0.9,en;q=0.5');
    expect(unknown.status).toBe(404);
    const unknownHtml = await unknown.text();
    isSpanish(unknownHtml);
    expect(unknownHtml).toContain('<h1>No existe esta página de pago de demostración</h1>');
    for (const path of ['/bank/pi_demo_nope', '/onboard/acct_demo_nope?return=%2Fo']) isSpanish(await (await get(path, 'es')).text());
    const { id } = await checkoutFor('client-1');
    isSpanish(await (await get(`/checkout/${id}`, 'fr-FR,es;q=0.8')).text());

    isEnglish(await (await get('/checkout/cs_demo_nope')).text());
    isEnglish(await (await get('/checkout/cs_demo_nope', 'fr-FR,de;q=0.8')).text());
    isEnglish(await (await get(`/checkout/${id}`, 'en-GB')).text());
  });
});
