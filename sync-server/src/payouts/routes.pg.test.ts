// Payout setup through HTTP: on the demo rail end to end (its onboarding page, its account.updated into the
// real webhook handler), and with the Stripe SDK against the stand-in (the account made once under a key
// from the user, the links, the refresh, account.updated re-read from the provider).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { bearerFor, createTestApp, deliverWebhook, json, type TestApp } from '../../test/app';
import { createOperator, createUser, setPayoutAccount } from '../../test/fixtures';
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
let phoneSeq = 0;
/** Gives the user a Mexican phone number (Mexico City's 55, then eight digits), unique in this file's database. */
const withMexicanPhone = (userId: string) => db.sql`update users set phone = ${`+525520${String(phoneSeq++).padStart(6, '0')}`} where id = ${userId}`;

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
    expect((await call(demo, 'POST', '/pay/payouts/onboarding', worker, { country: 'mx' })).status).toBe(400);
    expect((await call(demo, 'POST', '/pay/payouts/onboarding', worker, { country: 'ZZ' })).status).toBe(400);
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
    await call(stripe, 'POST', '/pay/payouts/onboarding', worker, { country: 'MX' });
    const created = standin.requests().filter((r) => r.path === '/v1/accounts');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      idempotencyKey: `account:${worker}:MX`,
      // The stand-in's platform is in the US: a Mexican account is paid across a border.
      body: { type: 'express', country: 'MX', capabilities: { transfers: { requested: 'true' } }, tos_acceptance: { service_agreement: 'recipient' } },
    });
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
    expect(new Set(standin.requests().filter((r) => r.path === '/v1/accounts').map((r) => r.idempotencyKey))).toEqual(new Set([`account:${worker}:US`]));
  });

  it("makes the account in the country of the worker's phone number when the request names none", async () => {
    const mexican = await createOperator(db.sql, { payouts: 'none' });
    await withMexicanPhone(mexican);
    expect((await call(stripe, 'POST', '/pay/payouts/onboarding', mexican, {})).status).toBe(200);
    const { accountId } = (await accountRow(mexican))!;
    expect(standin.object(accountId)).toMatchObject({ type: 'express', country: 'MX', tos_acceptance: { service_agreement: 'recipient' } });
    expect(standin.requests().find((r) => r.path === '/v1/accounts')!.idempotencyKey).toBe(`account:${mexican}:MX`);

    // In the platform's own country (the fixtures' phones are in San Francisco), Stripe's default (full)
    // agreement: nothing is said about it.
    const american = await createOperator(db.sql, { payouts: 'none' });
    await call(stripe, 'POST', '/pay/payouts/onboarding', american);
    const made = standin.requests().filter((r) => r.path === '/v1/accounts').at(-1)!;
    expect(made.body).toMatchObject({ country: 'US' });
    expect(made.body).not.toHaveProperty('tos_acceptance');
    expect(standin.object((await accountRow(american))!.accountId)).toMatchObject({ country: 'US', tos_acceptance: { service_agreement: 'full' } });
  });

  it('starts over in the right country while onboarding is unfinished, and keeps a finished account where it is', async () => {
    const worker = await createOperator(db.sql, { payouts: 'none' });
    await withMexicanPhone(worker);
    // What the app made before it looked at phone numbers: a US account the worker cannot finish.
    const { id: stuck } = await stripe.deps.payments.createConnectedAccount({ userId: worker, country: 'US', idempotencyKey: `account:${worker}` });
    await setPayoutAccount(db.sql, worker, { provider: 'stripe', accountId: stuck, transfersActive: false });

    const res = await call(stripe, 'POST', '/pay/payouts/onboarding', worker);
    expect(res.status).toBe(200);
    const { accountId } = (await accountRow(worker))!;
    expect(accountId).not.toBe(stuck);
    expect(standin.object(accountId)).toMatchObject({ country: 'MX' });
    expect((await json(res)).url).toMatch(new RegExp(`/setup/e/${accountId}/`));
    expect((await db.sql`select count(*)::int as n from payout_accounts where user_id = ${worker}`)[0]!.n).toBe(1);
    // The abandoned account is no longer ours: its news changes nothing.
    expect(await deliverWebhook(stripe, standin.signEvent('account.updated', { id: stuck, object: 'account' }, { secret: standin.connectWebhookSecret }))).toBe('ignored_unknown_account');

    // Asked again: the same Mexican account.
    await call(stripe, 'POST', '/pay/payouts/onboarding', worker);
    expect((await accountRow(worker))!.accountId).toBe(accountId);
    expect(standin.requests().filter((r) => r.path === '/v1/accounts')).toHaveLength(2);

    // Finished at Stripe, before any account.updated reached us: asked for another country, the worker is told
    // why not, and the account stays (our copy now says what Stripe says).
    standin.activateAccount(accountId);
    const moved = await call(stripe, 'POST', '/pay/payouts/onboarding', worker, { country: 'US' });
    expect(moved.status).toBe(409);
    expect((await json(moved)).error.message).toMatch(/set up in MX/);
    expect(await accountRow(worker)).toMatchObject({ accountId, transfersActive: true, detailsSubmitted: true });
    expect(standin.requests().filter((r) => r.path === '/v1/accounts')).toHaveLength(2);
  });

  it('answers GET /account from Stripe while our copy says pending, at most once a minute, and from our copy when Stripe fails', async () => {
    const worker = await createOperator(db.sql, { payouts: 'none' });
    await call(stripe, 'POST', '/pay/payouts/onboarding', worker);
    const { accountId } = (await accountRow(worker))!;
    const reads = () => standin.requests().filter((r) => r.method === 'GET' && r.path === `/v1/accounts/${accountId}`).length;
    const lastRead = (ago: string) => db.sql`update payout_accounts set updated_at = now() - ${ago}::interval where user_id = ${worker}`;
    const before = reads();
    // Onboarded at Stripe, and its account.updated lost.
    standin.activateAccount(accountId);

    // Our copy was read from Stripe moments ago: the answer is our copy, and Stripe is not asked.
    expect(await json(await call(stripe, 'GET', '/pay/payouts/account', worker))).toMatchObject({ status: 'pending' });
    expect(reads()).toBe(before);

    // A minute on, Stripe is failing: still our copy, without an error; and the next look within the minute does not ask again.
    await lastRead('61 seconds');
    standin.failNext('GET', `/v1/accounts/${accountId}`, 500, { type: 'api_error' }, 3);
    const failing = await call(stripe, 'GET', '/pay/payouts/account', worker);
    expect(failing.status).toBe(200);
    expect(await json(failing)).toMatchObject({ status: 'pending' });
    expect(reads()).toBe(before + 3);
    expect(await json(await call(stripe, 'GET', '/pay/payouts/account', worker))).toMatchObject({ status: 'pending' });
    expect(reads()).toBe(before + 3);

    // A minute on again, several looks at once: Stripe is asked once, and says active.
    await lastRead('61 seconds');
    const looks = await Promise.all([1, 2, 3].map(async () => json(await call(stripe, 'GET', '/pay/payouts/account', worker))));
    expect(reads()).toBe(before + 4);
    expect(looks.some((l) => l.status === 'active')).toBe(true);
    expect(await accountRow(worker)).toMatchObject({ transfersActive: true, detailsSubmitted: true });

    // Active: our copy answers, however old.
    await lastRead('1 day');
    expect(await json(await call(stripe, 'GET', '/pay/payouts/account', worker))).toEqual({ status: 'active', provider: 'stripe', detailsSubmitted: true, transfersActive: true });
    expect(reads()).toBe(before + 4);
  });

  it('follows account.updated by reading the account again from Stripe, not trusting the event', async () => {
    const worker = await createOperator(db.sql, { payouts: 'none' });
    await call(stripe, 'POST', '/pay/payouts/onboarding', worker);
    const { accountId } = (await accountRow(worker))!;
    const webhook = async (object: Record<string, unknown>) => {
      // Signed as Stripe signs a connected account's events: with the Connect endpoint's secret.
      const e = standin.signEvent('account.updated', object, { secret: standin.connectWebhookSecret });
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
