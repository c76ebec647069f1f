// The demo payment rail: Stripe's calls and webhook events imitated in Postgres, no keys, no real money
// (DESIGN, "Money"). It exists so the default `npm start` exercises the real escrow code path: the same
// PaymentProvider calls, and webhook events in Stripe's shapes signed with Stripe's scheme, which the webhook
// handler verifies with the same code as for Stripe. Its pages (demo-routes.ts) say "no real money moves".
//
// Behaviour copied from Stripe on purpose, so demo runs surface the bugs Stripe would:
//   - an idempotency key returns the object it first made, and is refused with other parameters;
//   - checkout expiry is clamped into 30 min..24 h; an expired session cannot be paid;
//   - transfers need an onboarded destination and may not exceed their source charge; refunds may not
//     exceed what is left of the charge, less what a bank took back of it.
// Its bank (demoBank below) lets a person dispute a demo payment and decide it, so the demo shows a chargeback.
import { createHash, randomBytes } from 'node:crypto';
import type postgres from 'postgres';
import type { Sql, TxSql } from '../db/sql';
import { transaction } from '../db/tx';
import {
  assertAmount,
  assertCheckoutInput,
  assertIdempotencyKey,
  clampCheckoutExpiry,
  PROVIDER_CHECKOUT_SLACK_MS,
  PaymentProviderError,
  type PaymentInfo,
  type PaymentProvider,
  type PaymentStatus,
  type DisputeInfo,
  type RefundInfo,
  type TransferInfo,
} from './provider';
import { signPayload, verifySignedEvent, WEBHOOK_TOLERANCE_S } from './webhook-signature';

/** Where demoRoutes is mounted; the rail's URLs point here. */
export const DEMO_BASE_PATH = '/pay/demo';
/** The demo rail plays a platform in the US: accounts elsewhere get the recipient agreement, as on Stripe. */
const DEMO_PLATFORM_COUNTRY = 'US';

type Obj = Record<string, unknown>;
/** Our objects are plain JSON built here; postgres.js wants that said in its own type. */
const asJson = (o: Obj) => o as postgres.JSONValue;
type Kind = 'checkout_session' | 'payment_intent' | 'charge' | 'transfer' | 'refund' | 'account' | 'event' | 'dispute';

export interface DemoRailOptions {
  sql: Sql;
  /** PUBLIC_BASE_URL: the rail's checkout and onboarding URLs start with it. */
  publicBaseUrl: string;
  /** whsec_…; generated when omitted. Events are signed at each delivery, so a new secret per start is fine. */
  webhookSecret?: string;
  /** The server clock (expiry, `created`); tests move it. */
  now?: () => Date;
}

/** A checkout session as the demo pages need it. */
export interface DemoCheckout {
  id: string;
  /** 'expired' once past expiresAt, whether or not anyone has looked since. */
  status: 'open' | 'complete' | 'expired';
  amount: number;
  /** ISO 4217, upper case. */
  currency: string;
  description: string;
  successUrl: string;
  cancelUrl: string;
  expiresAt: Date;
  paymentIntentId: string | null;
}

export type PayOutcome = 'paid' | 'already_paid' | 'expired' | 'not_found';

export type DeliverWebhook = (rawBody: string, signatureHeader: string) => Promise<void>;

export interface DemoRail extends PaymentProvider {
  readonly name: 'demo';
  readonly publicBaseUrl: string;
  readonly webhookSecret: string;
  checkout(sessionId: string): Promise<DemoCheckout | null>;
  /**
   * The payer pressed "Pay (demo)". In one transaction: the session completes, a succeeded PaymentIntent and
   * its charge appear, and two events are queued (payment_intent.succeeded, then checkout.session.completed).
   * Paying a completed session changes nothing.
   */
  pay(sessionId: string): Promise<{ outcome: PayOutcome; checkout: DemoCheckout | null }>;
  /**
   * Hands the events still owed for `parentId` (a session, or an account) to `deliver`, oldest first, each freshly signed;
   * marks each delivered once `deliver` resolves. Stops at the first failure and returns it; the rest stay
   * owed for the next call. Two concurrent calls can deliver one event twice, as Stripe can.
   */
  deliverPending(parentId: string, deliver: DeliverWebhook): Promise<{ delivered: string[]; failure: { error: unknown } | null }>;
  /**
   * The demo onboarding finished: transfers active, and an account.updated event owed to the webhook
   * handler (deliverPending with the account id), as Stripe sends one. Activating an active account changes
   * nothing and owes nothing more. False when there is no such account.
   */
  activateAccount(accountId: string): Promise<boolean>;
  /**
   * The Fieldwork user a checkout session or payment was made for (its client) or an account was made for (its
   * owner), from the metadata Fieldwork gave it; null for anything else. The demo pages speak their language.
   */
  userOf(objectId: string): Promise<string | null>;
  /** A payment as its payer's demo bank shows it, with the dispute of it, if any; null when there is no such payment. */
  bank(paymentIntentId: string): Promise<DemoBankView | null>;
  /**
   * The payer disputes the payment with their demo bank, which takes back what Fieldwork has not refunded of it
   * at once (Stripe's needs_response): the dispute and its events (deliverPending with the payment's id) are
   * made, once per payment, as Stripe has one dispute per charge (a second press, even after the bank decided,
   * opens nothing). 'refunded' when nothing is left of it to dispute.
   */
  openDispute(paymentIntentId: string): Promise<'opened' | 'not_found' | 'refunded'>;
  /** The demo bank decides the payment's open dispute, for the platform (won) or the payer (lost); its event is owed. */
  decideDispute(paymentIntentId: string, outcome: 'won' | 'lost'): Promise<boolean>;
}

export interface DemoBankView {
  paymentIntentId: string;
  amount: number;
  /** ISO 4217, upper case. */
  currency: string;
  description: string;
  /** What is left of the charge after refunds. */
  refunded: number;
  dispute: { id: string; status: string; amount: number } | null;
}

/** A dispute's statuses in which the bank holds the money (Stripe's, past the inquiry, not decided for the merchant). */
const TAKEN = ['needs_response', 'under_review', 'lost'];

export function createDemoRail(opts: DemoRailOptions): DemoRail {
  const { sql } = opts;
  const now = opts.now ?? (() => new Date());
  const webhookSecret = opts.webhookSecret ?? `whsec_demo_${randomBytes(24).toString('hex')}`;
  const base = opts.publicBaseUrl.replace(/\/+$/, '');
  const nowS = () => Math.floor(now().getTime() / 1000);

  /**
   * Creates an object once per idempotency key, as Stripe does: the same key and the same request give back
   * the first object; the same key with another request is refused. `build` runs only for a new key, inside
   * the transaction, and may read and lock what it checks.
   */
  async function createOnce(
    kind: Kind,
    key: string,
    request: unknown,
    build: (tx: TxSql) => Promise<{ id: string; data: Obj; parentId?: string | null }>,
  ): Promise<Obj> {
    assertIdempotencyKey(key);
    const hash = createHash('sha256').update(canonicalJson([kind, request])).digest('hex');
    return transaction(sql, async (tx) => {
      // Serializes creators of one key; a different key never waits.
      await tx`select pg_advisory_xact_lock(hashtext(${`demo-rail:${key}`}))`;
      const [seen] = await tx<{ data: Obj; requestHash: string }[]>`
        select data, request_hash from demo_rail_objects where idempotency_key = ${key}`;
      if (seen) {
        if (seen.requestHash !== hash)
          throw new PaymentProviderError(
            'idempotency_conflict',
            `Demo rail: idempotency key "${key}" was first used with other parameters (Stripe refuses this too).`,
            { statusCode: 400 },
          );
        return seen.data;
      }
      const o = await build(tx);
      await tx`
        insert into demo_rail_objects (id, kind, data, idempotency_key, request_hash, parent_id)
        values (${o.id}, ${kind}, ${tx.json(asJson(o.data))}, ${key}, ${hash}, ${o.parentId ?? null})`;
      return o.data;
    });
  }

  async function load(db: Sql | TxSql, kind: Kind, id: string, opts: { lock?: boolean } = {}): Promise<Obj> {
    const [row] = await db<{ data: Obj }[]>`
      select data from demo_rail_objects where id = ${id} and kind = ${kind} ${opts.lock ? db`for update` : db``}`;
    if (!row)
      throw new PaymentProviderError('not_found', `Demo rail: no such ${kind.replace('_', ' ')} "${id}".`, {
        statusCode: 404,
        providerCode: 'resource_missing',
      });
    return row.data;
  }

  async function insert(tx: TxSql, kind: Kind, data: Obj & { id: string }, parentId: string | null): Promise<void> {
    await tx`insert into demo_rail_objects (id, kind, data, parent_id) values (${data.id}, ${kind}, ${tx.json(asJson(data))}, ${parentId})`;
  }

  function event(type: string, object: Obj): Obj & { id: string } {
    return {
      id: demoId('evt'),
      object: 'event',
      api_version: null,
      created: nowS(),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
  }

  function toCheckout(data: Obj): DemoCheckout {
    const item = (data.line_items as { data: { description: string }[] }).data[0]!;
    const expiresAt = new Date((data.expires_at as number) * 1000);
    const status = data.status === 'open' && expiresAt.getTime() <= now().getTime() ? 'expired' : (data.status as DemoCheckout['status']);
    return {
      id: data.id as string,
      status,
      amount: data.amount_total as number,
      currency: (data.currency as string).toUpperCase(),
      description: item.description,
      successUrl: data.success_url as string,
      cancelUrl: data.cancel_url as string,
      expiresAt,
      paymentIntentId: (data.payment_intent as string | null) ?? null,
    };
  }

  const rail: DemoRail = {
    name: 'demo',
    publicBaseUrl: base,
    webhookSecret,

    async createCheckout(input) {
      assertCheckoutInput(input);
      // What Stripe compares under one key is what it was sent: the clamped expiry.
      const expiresAt = clampCheckoutExpiry(input.expiresAt, now(), PROVIDER_CHECKOUT_SLACK_MS);
      const data = await createOnce('checkout_session', input.idempotencyKey, { ...input, expiresAt: expiresAt.toISOString() }, async () => {
        const id = demoId('cs');
        const metadata = { milestoneId: input.milestoneId, bookingId: input.bookingId, clientId: input.clientId };
        const currency = input.currency.toLowerCase();
        return {
          id,
          data: {
            id,
            object: 'checkout.session',
            mode: 'payment',
            status: 'open',
            payment_status: 'unpaid',
            amount_total: input.amount,
            currency,
            line_items: { object: 'list', data: [{ object: 'item', description: input.description, quantity: 1, amount_total: input.amount, currency }] },
            client_reference_id: input.milestoneId,
            metadata,
            payment_intent: null,
            success_url: input.successUrl,
            cancel_url: input.cancelUrl,
            expires_at: Math.floor(expiresAt.getTime() / 1000),
            url: `${base}${DEMO_BASE_PATH}/checkout/${id}`,
            created: nowS(),
            livemode: false,
          },
        };
      });
      return { id: data.id as string, url: data.url as string };
    },

    async closeCheckout(sessionId) {
      return transaction(sql, async (tx) => {
        const data = await load(tx, 'checkout_session', sessionId, { lock: true });
        const checkout = toCheckout(data);
        if (checkout.status !== data.status) await tx`update demo_rail_objects set data = data || ${tx.json({ status: checkout.status })} where id = ${sessionId}`;
        else if (checkout.status === 'open') {
          await tx`update demo_rail_objects set data = data || ${tx.json({ status: 'expired' })} where id = ${sessionId}`;
          checkout.status = 'expired';
        }
        return { id: checkout.id, status: checkout.status, paid: checkout.status === 'complete', paymentIntentId: checkout.paymentIntentId };
      });
    },

    async retrievePayment(paymentIntentId) {
      const pi = await load(sql, 'payment_intent', paymentIntentId);
      return {
        id: pi.id as string,
        status: pi.status as PaymentStatus,
        amount: pi.amount as number,
        amountReceived: pi.amount_received as number,
        currency: (pi.currency as string).toUpperCase(),
        chargeId: (pi.latest_charge as string | null) ?? null,
        metadata: pi.metadata as Record<string, string>,
      } satisfies PaymentInfo;
    },

    async retrievePaymentFee(paymentIntentId) {
      // The demo rail keeps no fee: a charge's balance transaction is named after it and costs nothing.
      const pi = await load(sql, 'payment_intent', paymentIntentId);
      const chargeId = pi.latest_charge as string | null;
      return chargeId ? { balanceTransactionId: `txn_${chargeId}`, amount: 0, currency: (pi.currency as string).toUpperCase() } : null;
    },

    async createTransfer(input) {
      assertAmount(input.amount, input.currency);
      const data = await createOnce('transfer', input.idempotencyKey, input, async (tx) => {
        const account = await load(tx, 'account', input.destination);
        if ((account.capabilities as Obj).transfers !== 'active')
          throw new PaymentProviderError('invalid_request', `Demo rail: account ${input.destination} cannot receive transfers until its onboarding is finished.`, {
            statusCode: 400,
          });
        const currency = input.currency.toLowerCase();
        if (input.sourceTransaction) {
          // Locked so two concurrent transfers cannot both fit under the charge.
          const charge = await load(tx, 'charge', input.sourceTransaction, { lock: true });
          if (charge.currency !== currency)
            throw new PaymentProviderError('invalid_request', `Demo rail: transfer in ${input.currency} from a charge in ${String(charge.currency).toUpperCase()}.`, { statusCode: 400 });
          const [row] = await tx<{ sent: number }[]>`
            select coalesce(sum((data->>'amount')::int8), 0)::int8 as sent
            from demo_rail_objects where parent_id = ${input.sourceTransaction} and kind = 'transfer'`;
          const sent = row!.sent;
          if (sent + input.amount > (charge.amount as number))
            throw new PaymentProviderError(
              'invalid_request',
              `Demo rail: transfers from charge ${input.sourceTransaction} would total ${sent + input.amount}, more than its ${String(charge.amount)}.`,
              { statusCode: 400 },
            );
        }
        const id = demoId('tr');
        return {
          id,
          parentId: input.sourceTransaction,
          data: {
            id,
            object: 'transfer',
            amount: input.amount,
            currency,
            destination: input.destination,
            source_transaction: input.sourceTransaction,
            transfer_group: input.transferGroup,
            metadata: input.metadata,
            reversed: false,
            created: nowS(),
            livemode: false,
          },
        };
      });
      return { id: data.id as string };
    },

    async retrieveTransfer(transferId) {
      return transferInfo(await load(sql, 'transfer', transferId));
    },

    async listTransfers(transferGroup) {
      const rows = await sql<{ data: Obj }[]>`
        select data from demo_rail_objects where kind = 'transfer' and data->>'transfer_group' = ${transferGroup} order by created_at desc`;
      return rows.map((r) => transferInfo(r.data));
    },

    async createRefund(input) {
      if (!Number.isSafeInteger(input.amount) || input.amount <= 0)
        throw new PaymentProviderError('invalid_request', `Refund amounts are positive integers in minor units; got ${String(input.amount)}.`);
      const data = await createOnce('refund', input.idempotencyKey, input, async (tx) => {
        const pi = await load(tx, 'payment_intent', input.paymentIntentId);
        const chargeId = pi.latest_charge as string;
        const charge = await load(tx, 'charge', chargeId, { lock: true });
        const [taken] = await tx<{ amount: number }[]>`
          select coalesce(sum((data->>'amount')::int8), 0)::int8 as amount from demo_rail_objects
          where parent_id = ${pi.id as string} and kind = 'dispute' and data->>'status' = any(${TAKEN})`;
        if (taken!.amount > 0 && input.amount + taken!.amount + (charge.amount_refunded as number) > (charge.amount as number))
          throw new PaymentProviderError('invalid_request', `Demo rail: charge ${chargeId} has been charged back; cannot issue a refund.`, {
            statusCode: 400,
            providerCode: 'charge_disputed',
          });
        const left = (charge.amount as number) - (charge.amount_refunded as number);
        if (input.amount > left)
          throw new PaymentProviderError('invalid_request', `Demo rail: refund of ${input.amount} is more than the ${left} left on charge ${chargeId}.`, {
            statusCode: 400,
            providerCode: 'charge_already_refunded',
          });
        const refunded = (charge.amount_refunded as number) + input.amount;
        await tx`
          update demo_rail_objects
          set data = data || ${tx.json({ amount_refunded: refunded, refunded: refunded === charge.amount })}
          where id = ${chargeId}`;
        const id = demoId('re');
        return {
          id,
          parentId: chargeId,
          data: {
            id,
            object: 'refund',
            amount: input.amount,
            currency: charge.currency,
            payment_intent: pi.id,
            charge: chargeId,
            status: 'succeeded',
            metadata: input.metadata,
            created: nowS(),
          },
        };
      });
      return { id: data.id as string, status: data.status as string };
    },

    async retrieveRefund(refundId) {
      return refundInfo(await load(sql, 'refund', refundId));
    },

    async listRefunds(paymentIntentId) {
      // Refunds hang off the payment's charge.
      const pi = await load(sql, 'payment_intent', paymentIntentId);
      const rows = await sql<{ data: Obj }[]>`
        select data from demo_rail_objects where parent_id = ${pi.latest_charge as string} and kind = 'refund' order by created_at desc`;
      return rows.map((r) => refundInfo(r.data));
    },

    async retrieveDispute(disputeId) {
      return disputeInfo(await load(sql, 'dispute', disputeId));
    },

    async platformCountry() {
      return DEMO_PLATFORM_COUNTRY;
    },

    async createConnectedAccount(input) {
      const data = await createOnce('account', input.idempotencyKey, input, async () => {
        const id = demoId('acct');
        return {
          id,
          data: {
            id,
            object: 'account',
            type: 'express',
            country: input.country,
            capabilities: { transfers: 'inactive' },
            tos_acceptance: { service_agreement: input.serviceAgreement ?? 'full' },
            details_submitted: false,
            charges_enabled: false,
            payouts_enabled: false,
            metadata: { userId: input.userId },
            created: nowS(),
          },
        };
      });
      return { id: data.id as string };
    },

    async createAccountLink(input) {
      await load(sql, 'account', input.accountId);
      const q = new URLSearchParams({ return: input.returnUrl, refresh: input.refreshUrl });
      return { url: `${base}${DEMO_BASE_PATH}/onboard/${encodeURIComponent(input.accountId)}?${q}` };
    },

    async retrieveAccount(accountId) {
      const a = await load(sql, 'account', accountId);
      return {
        id: a.id as string,
        country: a.country as string,
        transfersActive: (a.capabilities as Obj).transfers === 'active',
        detailsSubmitted: a.details_submitted === true,
      };
    },

    verifyWebhook(rawBody, signatureHeader) {
      return verifySignedEvent(rawBody, signatureHeader, webhookSecret, WEBHOOK_TOLERANCE_S);
    },

    async checkout(sessionId) {
      const [row] = await sql<{ data: Obj }[]>`select data from demo_rail_objects where id = ${sessionId} and kind = 'checkout_session'`;
      return row ? toCheckout(row.data) : null;
    },

    async pay(sessionId) {
      return transaction(sql, async (tx) => {
        const [row] = await tx<{ data: Obj }[]>`
          select data from demo_rail_objects where id = ${sessionId} and kind = 'checkout_session' for update`;
        if (!row) return { outcome: 'not_found' as const, checkout: null };
        const before = toCheckout(row.data);
        if (before.status === 'complete') return { outcome: 'already_paid' as const, checkout: before };
        if (before.status === 'expired') {
          await tx`update demo_rail_objects set data = data || ${tx.json({ status: 'expired' })} where id = ${sessionId}`;
          return { outcome: 'expired' as const, checkout: before };
        }

        const session = row.data;
        const metadata = session.metadata as Record<string, string>;
        const transferGroup = metadata.bookingId ?? null;
        const piId = demoId('pi');
        const chargeId = demoId('ch');
        const pi = {
          id: piId,
          object: 'payment_intent',
          amount: session.amount_total,
          amount_received: session.amount_total,
          currency: session.currency,
          status: 'succeeded',
          latest_charge: chargeId,
          metadata,
          transfer_group: transferGroup,
          description: before.description,
          created: nowS(),
          livemode: false,
        };
        const charge = {
          id: chargeId,
          object: 'charge',
          amount: session.amount_total,
          amount_captured: session.amount_total,
          amount_refunded: 0,
          refunded: false,
          currency: session.currency,
          payment_intent: piId,
          paid: true,
          status: 'succeeded',
          transfer_group: transferGroup,
          metadata,
          created: nowS(),
        };
        const completed = { ...session, status: 'complete', payment_status: 'paid', payment_intent: piId };
        await insert(tx, 'payment_intent', pi, sessionId);
        await insert(tx, 'charge', charge, piId);
        await tx`update demo_rail_objects set data = ${tx.json(asJson(completed))} where id = ${sessionId}`;
        // The events the webhook handler gets, in the order Stripe usually sends them.
        await insert(tx, 'event', event('payment_intent.succeeded', pi), sessionId);
        await insert(tx, 'event', event('checkout.session.completed', completed), sessionId);
        return { outcome: 'paid' as const, checkout: toCheckout(completed) };
      });
    },

    async deliverPending(parentId, deliver) {
      const owed = await sql<{ id: string; data: Obj }[]>`
        select id, data from demo_rail_objects
        where parent_id = ${parentId} and kind = 'event' and delivered_at is null
        order by created_at, id`;
      const delivered: string[] = [];
      for (const { id, data } of owed) {
        // Stripe's pretty-printed body, signed now: each delivery attempt carries a fresh timestamp.
        const rawBody = JSON.stringify(data, null, 2);
        try {
          await deliver(rawBody, signPayload(rawBody, webhookSecret));
        } catch (error) {
          return { delivered, failure: { error } };
        }
        await sql`update demo_rail_objects set delivered_at = clock_timestamp() where id = ${id} and delivered_at is null`;
        delivered.push(id);
      }
      return { delivered, failure: null };
    },

    async userOf(objectId) {
      const [row] = await sql<{ userId: string | null }[]>`
        select coalesce(data->'metadata'->>'clientId', data->'metadata'->>'userId') as user_id
        from demo_rail_objects where id = ${objectId} and kind in ('checkout_session', 'payment_intent', 'account')`;
      return row?.userId ?? null;
    },

    async bank(paymentIntentId) {
      const [pi] = await sql<{ data: Obj }[]>`select data from demo_rail_objects where id = ${paymentIntentId} and kind = 'payment_intent'`;
      if (!pi) return null;
      const charge = await load(sql, 'charge', pi.data.latest_charge as string);
      const [d] = await sql<{ data: Obj }[]>`
        select data from demo_rail_objects where parent_id = ${paymentIntentId} and kind = 'dispute' order by created_at desc, id limit 1`;
      return {
        paymentIntentId,
        amount: pi.data.amount as number,
        currency: (pi.data.currency as string).toUpperCase(),
        description: (pi.data.description as string | undefined) ?? '',
        refunded: charge.amount_refunded as number,
        dispute: d ? { id: d.data.id as string, status: d.data.status as string, amount: d.data.amount as number } : null,
      };
    },

    async openDispute(paymentIntentId) {
      return transaction(sql, async (tx) => {
        const [pi] = await tx<{ data: Obj }[]>`select data from demo_rail_objects where id = ${paymentIntentId} and kind = 'payment_intent' for update`;
        if (!pi) return 'not_found' as const;
        // Locked as a refund locks it, so a refund and a dispute of the same money are one after the other.
        const charge = await load(tx, 'charge', pi.data.latest_charge as string, { lock: true });
        const [disputed] = await tx`select 1 from demo_rail_objects where parent_id = ${paymentIntentId} and kind = 'dispute'`;
        if (disputed) return 'opened' as const;
        const left = (charge.amount as number) - (charge.amount_refunded as number);
        if (left <= 0) return 'refunded' as const;
        const id = demoId('du');
        const dispute = {
          id,
          object: 'dispute',
          amount: left,
          currency: charge.currency,
          charge: charge.id,
          payment_intent: paymentIntentId,
          reason: 'product_not_received',
          status: 'needs_response',
          is_charge_refundable: false,
          created: nowS(),
          livemode: false,
          metadata: {},
        };
        await insert(tx, 'dispute', dispute, paymentIntentId);
        await insert(tx, 'event', event('charge.dispute.created', dispute), paymentIntentId);
        await insert(tx, 'event', event('charge.dispute.funds_withdrawn', dispute), paymentIntentId);
        return 'opened' as const;
      });
    },

    async decideDispute(paymentIntentId, outcome) {
      return transaction(sql, async (tx) => {
        const [row] = await tx<{ data: Obj }[]>`
          select data from demo_rail_objects where parent_id = ${paymentIntentId} and kind = 'dispute' and data->>'status' <> all(${['won', 'lost']})
          for update`;
        if (!row) return false;
        const dispute: Obj = { ...row.data, status: outcome };
        await tx`update demo_rail_objects set data = ${tx.json(asJson(dispute))} where id = ${row.data.id as string}`;
        if (outcome === 'won') await insert(tx, 'event', event('charge.dispute.funds_reinstated', dispute), paymentIntentId);
        await insert(tx, 'event', event('charge.dispute.closed', dispute), paymentIntentId);
        return true;
      });
    },

    async activateAccount(accountId) {
      return transaction(sql, async (tx) => {
        const [row] = await tx<{ data: Obj }[]>`select data from demo_rail_objects where id = ${accountId} and kind = 'account' for update`;
        if (!row) return false;
        if ((row.data.capabilities as Obj).transfers === 'active') return true;
        const account = { ...row.data, capabilities: { transfers: 'active' }, details_submitted: true, payouts_enabled: true };
        await tx`update demo_rail_objects set data = ${tx.json(asJson(account))} where id = ${accountId}`;
        await insert(tx, 'event', event('account.updated', account), accountId);
        return true;
      });
    },
  };
  return rail;
}

function transferInfo(t: Obj): TransferInfo {
  return {
    id: t.id as string,
    amount: t.amount as number,
    currency: (t.currency as string).toUpperCase(),
    destination: t.destination as string,
    sourceTransaction: (t.source_transaction as string | null) ?? null,
    reversed: t.reversed === true,
    metadata: t.metadata as Record<string, string>,
  };
}

function disputeInfo(d: Obj): DisputeInfo {
  return {
    id: d.id as string,
    amount: d.amount as number,
    currency: (d.currency as string).toUpperCase(),
    paymentIntentId: (d.payment_intent as string | null) ?? null,
    chargeId: (d.charge as string | null) ?? null,
    reason: d.reason as string,
    status: d.status as string,
    created: d.created as number,
    // The demo bank charges the platform nothing for a dispute.
    fees: [],
  };
}

function refundInfo(r: Obj): RefundInfo {
  return {
    id: r.id as string,
    amount: r.amount as number,
    currency: (r.currency as string).toUpperCase(),
    paymentIntentId: (r.payment_intent as string | null) ?? null,
    status: r.status as string,
    metadata: r.metadata as Record<string, string>,
  };
}

/** JSON with object keys sorted: the same request built in another key order is still the same request. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** `${prefix}_demo_` and 24 letters and digits: Stripe's look, unmistakably not Stripe's objects. */
export function demoId(prefix: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  // 248 is the largest multiple of 62 below 256: rejecting bytes above it keeps the letters uniform.
  let out = '';
  while (out.length < 24) for (const b of randomBytes(32)) if (b < 248 && out.length < 24) out += alphabet[b % 62];
  return `${prefix}_demo_${out}`;
}
