// Payout setup through HTTP: on the demo rail end to end (its onboarding page, its account.updated into the
// real webhook handler), and with the Stripe SDK against the stand-in (the account made once under a key
// from the user, the links, the refresh, account.updated re-read from the provider).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { bearerFor, createTestApp, json, type TestApp } from '../../test/app';
import { createOperator, createUser } from '../../test/fixtures';
import { startStripeStandin, type StripeStandin } from '../../test/stripe-standin';

let db: TestDb;
let demo: TestApp;
let stripe: TestApp;
let standin: StripeStandin;

beforeAll(async () => {
  db = await createTestDb();
  standin = await startStripeStandin();
  demo = createTestApp(db.sql);
  stripe = createTestApp(db.sql, standin.env);
});
afterAll(async () => {
  await standin?.close();
  await db?.drop();
});

const call = async (t: TestApp, method: string, path: string, userId?: string, body?: unknown) =>
  t.app.request(path, {
    method,
    headers: { 'content-type': 'application/json', ...(userId ? { authorization: await bearerFor(t, userId) } : {}) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
const accountRow = async (userId: string) =>
  (await db.sql<{ provider: string; accountId: string; transfersActive: boolean; detailsSubmitted: boolean }[]>`
    select provider, account_id, transfers_active, details_submitted from payout_accounts where user_id = ${userId}`)[0];
const BASE = 'http://localhost:8787';

describe('payout setup on the demo rail', () => {
  it("onboards through the demo page: a visit changes nothing, the button activates, the webhook records it", async () => {
    const worker = await createOperator(db.sql, { payouts: 'none' });
    expect(await json(await call(demo, 'GET', '/pay/payouts/account', worker))).toEqual({ status: 'none', provider: 'demo', detailsSubmitted: false, transfersActive: false });

    const res = await call(demo, 'POST', '/pay/payouts/onboarding', worker);
    expect(res.status).toBe(200);
    const started = await json(res);
    expect(started).toMatchObject({ status: 'pending', provider: 'demo' });
    const link = new URL(started.url);
    expect(link.pathname).toMatch(/^\/pay\/demo\/onboard\/acct_demo_/);
    expect(link.searchParams.get('return')).toBe(`${BASE}/o/payouts?onboarding=return`);
    expect(link.searchParams.get('refresh')).toBe(`${BASE}/o/payouts?onboarding=refresh`);
    const row = await accountRow(worker);
    expect(row).toMatchObject({ provider: 'demo', transfersActive: false });

    // Asking again: the same account, a new link.
    const again = await json(await call(demo, 'POST', '/pay/payouts/onboarding', worker, {}));
    expect(new URL(again.url).pathname).toBe(link.pathname);
    expect((await db.sql`select count(*)::int as n from payout_accounts where user_id = ${worker}`)[0]!.n).toBe(1);

    const page = await demo.app.request(`${link.pathname}${link.search}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/no real money/i);
    expect(await accountRow(worker)).toMatchObject({ transfersActive: false });

    const done = await demo.app.request(`${link.pathname}${link.search}`, { method: 'POST' });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`${BASE}/o/payouts?onboarding=return`);
    expect(await accountRow(worker)).toMatchObject({ transfersActive: true, detailsSubmitted: true });
    const [event] = await db.sql`select type, outcome from payment_events where payload->'data'->'object'->>'id' = ${row!.accountId}`;
    expect(event).toEqual({ type: 'account.updated', outcome: 'account_active' });
    expect(await json(await call(demo, 'GET', '/pay/payouts/account', worker))).toEqual({ status: 'active', provider: 'demo', detailsSubmitted: true, transfersActive: true });
  });

  it('is for operators only, signed in', async () => {
    const consumer = await createUser(db.sql);
    for (const [method, path] of [['GET', '/pay/payouts/account'], ['POST', '/pay/payouts/onboarding'], ['POST', '/pay/payouts/refresh']] as const) {
      expect((await call(demo, method, path)).status, `${method} ${path}`).toBe(401);
      expect((await call(demo, method, path, consumer)).status, `${method} ${path}`).toBe(403);
    }
    expect(await accountRow(consumer)).toBeUndefined();
    expect((await call(demo, 'GET', '/pay/payouts/nope')).status).toBe(404);
  });

  it('refuses a malformed request and makes no account', async () => {
    const worker = await createOperator(db.sql, { payouts: 'none' });
    expect((await call(demo, 'POST', '/pay/payouts/onboarding', worker, { country: 'usa' })).status).toBe(400);
    expect((await call(demo, 'POST', '/pay/payouts/onboarding', worker, { country: 'US', extra: 1 })).status).toBe(400);
    expect((await call(demo, 'POST', '/pay/payouts/onboarding', worker, '{not json')).status).toBe(400);
    expect(await accountRow(worker)).toBeUndefined();
  });
});

describe('payout setup with Stripe (the stand-in)', () => {
  beforeEach(() => standin.reset());

  it('makes one Express account under a key from the user, links back to the app, and refreshes from Stripe', async () => {
    const worker = await createOperator(db.sql, { payouts: 'none' });
    const started = await json(await call(stripe, 'POST', '/pay/payouts/onboarding', worker, { country: 'MX' }));
    expect(started).toMatchObject({ status: 'pending', provider: 'stripe' });
    await call(stripe, 'POST', '/pay/payouts/onboarding', worker);
    const created = standin.requests().filter((r) => r.path === '/v1/accounts');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ idempotencyKey: `account:${worker}`, body: { type: 'express', country: 'MX', capabilities: { transfers: { requested: 'true' } } } });
    const links = standin.requests().filter((r) => r.path === '/v1/account_links');
    expect(links).toHaveLength(2);
    const { accountId } = (await accountRow(worker))!;
    expect(links[0]!.body).toEqual({
      account: accountId, type: 'account_onboarding',
      refresh_url: `${BASE}/o/payouts?onboarding=refresh`, return_url: `${BASE}/o/payouts?onboarding=return`,
    });
    expect(started.url).toMatch(new RegExp(`/setup/e/${accountId}/`));

    // Back from onboarding, before Stripe has activated anything: still pending.
    expect(await json(await call(stripe, 'POST', '/pay/payouts/refresh', worker))).toMatchObject({ status: 'pending', transfersActive: false });
    standin.activateAccount(accountId);
    expect(await json(await call(stripe, 'POST', '/pay/payouts/refresh', worker))).toEqual({ status: 'active', provider: 'stripe', detailsSubmitted: true, transfersActive: true });
    expect(await accountRow(worker)).toMatchObject({ transfersActive: true, detailsSubmitted: true });
  });

  it('answers 503 while Stripe is failing, records nothing, and works when it is back', async () => {
    const worker = await createOperator(db.sql, { payouts: 'none' });
    standin.failNext('POST', '/v1/accounts', 500, { type: 'api_error' }, 3); // beyond the SDK's own two retries
    const res = await call(stripe, 'POST', '/pay/payouts/onboarding', worker);
    expect(res.status).toBe(503);
    expect(await accountRow(worker)).toBeUndefined();
    expect((await call(stripe, 'POST', '/pay/payouts/onboarding', worker)).status).toBe(200);
    expect(await accountRow(worker)).toMatchObject({ provider: 'stripe', transfersActive: false });
    // Every attempt asked under the same key.
    expect(new Set(standin.requests().filter((r) => r.path === '/v1/accounts').map((r) => r.idempotencyKey))).toEqual(new Set([`account:${worker}`]));
  });

  it('follows account.updated by reading the account again from Stripe, not trusting the event', async () => {
    const worker = await createOperator(db.sql, { payouts: 'none' });
    await call(stripe, 'POST', '/pay/payouts/onboarding', worker);
    const { accountId } = (await accountRow(worker))!;
    const webhook = async (object: Record<string, unknown>) => {
      const e = standin.signEvent('account.updated', object);
      const res = await stripe.app.request('/pay/webhook', { method: 'POST', body: e.rawBody, headers: { 'stripe-signature': e.header } });
      expect(res.status).toBe(200);
      return (await json(res)).outcome as string;
    };
    standin.activateAccount(accountId);
    expect(await webhook({ ...standin.object(accountId)! })).toBe('account_active');
    expect(await accountRow(worker)).toMatchObject({ transfersActive: true });

    // An older event arriving late says "inactive"; Stripe's current record says active, and stands.
    expect(await webhook({ id: accountId, object: 'account', capabilities: { transfers: 'inactive' } })).toBe('account_active');
    expect(await accountRow(worker)).toMatchObject({ transfersActive: true });

    standin.deactivateAccount(accountId);
    expect(await webhook({ id: accountId, object: 'account' })).toBe('account_pending');
    expect(await accountRow(worker)).toMatchObject({ transfersActive: false });

    expect(await webhook({ id: 'acct_someone_else', object: 'account' })).toBe('ignored_unknown_account');
  });
});
