// /pay: the payment provider's webhook, and the checkout a client is sent to when funding a milestone.
//
// POST /pay/webhook   Verified on the raw body (the provider's signature), deduplicated by event id, and
//                     tolerant of duplicates and any order: the money effect is keyed by the payment, and
//                     the payment is re-read from the provider before anything moves. Chargebacks
//                     (charge.dispute.*) likewise re-read the dispute (chargebacks.ts).
// POST /pay/checkout  {milestoneId, commandId}: applies milestone.fund (exactly once, under commandId) and
//                     returns the provider's checkout URL for it, creating the session once per funding.
// GET  /pay/rail      {provider: 'demo' | 'stripe'}: which rail pays, so the app can say "demo payment"
//                     before the client is sent to a checkout.
import { Hono } from 'hono';
import { z } from 'zod';
import { uuid, uuidV7 } from '@shared/commands';
import { rejection } from '@shared/rejections';
import type { Deps } from '../deps';
import { requireActor, type AuthEnv } from '../auth/middleware';
import { HttpError } from '../errors';
import { readJson } from '../http/read-json';
import { enforce } from '../ops/rate-limit';
import { applyCommand } from '../commands/apply';
import { getMilestone, keepCheckout } from '../store/milestones';
import { clampCheckoutExpiry, PaymentProviderError, WebhookSignatureError, type DisputeInfo, type PaymentEvent, type PaymentProvider } from '../payments/provider';
import { accountUpdated } from '../payouts/accounts';
import { followBankDispute } from './chargebacks';
import { confirmProviderPayment } from './checkouts';
import type { EventRecord } from './events';
import { refundUpdated } from './refunds';

/** Events that can move money; everything else is recorded and acknowledged. */
const PAYMENT_EVENTS = new Set(['payment_intent.succeeded', 'checkout.session.completed']);

/** A refund of ours changed at the provider (made, or failed days after it was taken): see refundUpdated. */
const REFUND_EVENTS = new Set(['refund.updated', 'refund.failed', 'charge.refund.updated']);

/** A client's bank disputes a payment (a chargeback): each is answered from the dispute as it stands (chargebacks.ts). */
const DISPUTE_EVENTS = new Set([
  'charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.funds_withdrawn', 'charge.dispute.funds_reinstated', 'charge.dispute.closed',
]);

export interface WebhookOutcome {
  eventId: string;
  duplicate: boolean;
  outcome: string;
}

/**
 * Handles one verified delivery. Exported for the demo rail, which hands its signed events to the same
 * function the HTTP route uses.
 */
export async function handleWebhook(deps: Pick<Deps, 'sql' | 'log'>, provider: PaymentProvider, rawBody: string, signature: string | undefined): Promise<WebhookOutcome> {
  const event = provider.verifyWebhook(rawBody, signature);
  const [seen] = await deps.sql<{ outcome: string }[]>`select outcome from payment_events where id = ${event.id}`;
  if (seen) return { eventId: event.id, duplicate: true, outcome: seen.outcome };
  const record: EventRecord = {
    insert: (db, outcome) => db`
      insert into payment_events (id, type, provider, created_at, payload, outcome)
      values (${event.id}, ${event.type}, ${provider.name}, ${new Date(event.created * 1000)}, ${db.json(event as never)}, ${outcome})
      on conflict (id) do nothing
      returning id`,
  };
  const outcome = PAYMENT_EVENTS.has(event.type)
    ? await paymentEvent(deps, provider, event, record)
    : event.type === 'account.updated' // a worker's payout account changed at the provider
      ? await accountUpdated(deps.sql, provider, event)
      : REFUND_EVENTS.has(event.type)
        ? await refundUpdated(deps.sql, deps.log, provider, event)
        : DISPUTE_EVENTS.has(event.type)
          ? await bankDisputeEvent(deps, provider, event, record)
          : 'ignored';
  // Two deliveries of one event at the same moment both get this far; the effects are once per payment
  // either way. A delivery that moved money recorded the event in that same transaction, so a copy that
  // found the payment already handled can only record after it, and finds the record there. The one
  // recorded answers for every copy, as for a replay.
  record.recorded ??= (await record.insert(deps.sql, outcome)).length > 0;
  if (!record.recorded) {
    const [first] = await deps.sql<{ outcome: string }[]>`select outcome from payment_events where id = ${event.id}`;
    return { eventId: event.id, duplicate: true, outcome: first!.outcome };
  }
  deps.log.info({ eventId: event.id, type: event.type, outcome }, 'payment event');
  return { eventId: event.id, duplicate: false, outcome };
}

async function paymentEvent(deps: Pick<Deps, 'sql' | 'log'>, provider: PaymentProvider, event: PaymentEvent, record: EventRecord): Promise<string> {
  const object = event.data.object;
  const paymentIntentId =
    event.type === 'checkout.session.completed'
      ? (object.payment_status === 'paid' ? (object.payment_intent as string | null) : null)
      : (object.id as string);
  if (!paymentIntentId) return 'ignored_unpaid';
  return confirmProviderPayment(deps.sql, provider, paymentIntentId, event.id, record);
}

async function bankDisputeEvent(deps: Pick<Deps, 'sql' | 'log'>, provider: PaymentProvider, event: PaymentEvent, record: EventRecord): Promise<string> {
  const id = event.data.object.id;
  if (typeof id !== 'string') return 'ignored';
  let dispute: DisputeInfo;
  try {
    dispute = await provider.retrieveDispute(id);
  } catch (e) {
    // A dispute the provider does not have is none of ours to follow (a test event, another platform's).
    if (e instanceof PaymentProviderError && e.code === 'not_found') return 'ignored_unknown_dispute';
    throw e;
  }
  const outcome = await followBankDispute(deps.sql, provider, dispute, { record, log: deps.log });
  if (outcome === 'bank_dispute_not_ours' && dispute.paymentIntentId) {
    // One of our checkouts' payments, not yet accounted for (its own event is late): the provider is asked to
    // send this one again later, rather than have it recorded as not ours for good.
    const payment = await provider.retrievePayment(dispute.paymentIntentId).catch((e: unknown) => {
      if (e instanceof PaymentProviderError && e.code === 'not_found') return null;
      throw e;
    });
    const milestoneId = payment?.metadata.milestoneId;
    if (milestoneId && uuid.safeParse(milestoneId).success && (await getMilestone(deps.sql, milestoneId)))
      throw new HttpError('unavailable', 'The payment this bank dispute is about is not accounted for yet; send the event again later.');
  }
  // Someone answers the bank with evidence at the provider, within its deadline: say it where people look.
  if (outcome !== 'bank_dispute_inquiry')
    deps.log.warn({ disputeId: dispute.id, paymentIntentId: dispute.paymentIntentId, status: dispute.status, amount: dispute.amount, currency: dispute.currency, outcome }, 'bank dispute');
  return outcome;
}

/** The provider's codes for an amount it will not charge. */
const AMOUNT_REFUSALS = new Set(['amount_too_small', 'amount_too_large']);

const checkoutRequest = z.strictObject({ milestoneId: uuid, commandId: uuidV7 });

export function paymentRoutes(deps: Deps, provider: PaymentProvider) {
  return new Hono<AuthEnv>()
    .get('/rail', (c) => c.json({ provider: provider.name }))
    .post('/webhook', async (c) => {
      const raw = await c.req.text();
      try {
        const r = await handleWebhook(deps, provider, raw, c.req.header('stripe-signature'));
        return c.json({ received: true, ...r });
      } catch (e) {
        if (e instanceof WebhookSignatureError) {
          // Not told to the sender (a forger learns nothing), but logged: a wrong STRIPE_WEBHOOK_SECRET, a clock far off
          // or a proxy rewriting the body show here, each with its reason, where whoever runs the server looks.
          deps.log.warn({ reason: e.message, bytes: raw.length, signed: c.req.header('stripe-signature') !== undefined }, 'payment webhook refused');
          throw new HttpError('invalid_request', 'The webhook signature does not verify.');
        }
        // The provider retries for days; a temporary failure here is answered so that it does.
        if (e instanceof PaymentProviderError && e.retryable) throw new HttpError('unavailable', 'The payment provider could not be reached; retry later.');
        throw e;
      }
    })
    .post('/checkout', requireActor(deps), async (c) => {
      const body = checkoutRequest.safeParse(await readJson(c));
      if (!body.success) throw new HttpError('invalid_request', 'Send {"milestoneId", "commandId"}.', body.error.issues);
      const { milestoneId, commandId } = body.data;
      const actor = c.get('actor');
      // A funding is a command like any other, and counts against the same budget as POST /commands: each new
      // commandId is a stored command, so an unlimited route here would be a way around the write limit.
      await enforce(
        deps.sql,
        { key: `commands:${actor.id}`, max: deps.config.COMMAND_RATE_PER_MIN, windowSeconds: 60 },
        deps.now(),
        'Too many actions in a minute. Wait a moment, then try the payment again.',
      );
      const fund = await applyCommand(deps.sql, actor.id, { id: commandId, type: 'milestone.fund', payload: { milestoneId }, issuedAt: deps.now().toISOString() }, { now: deps.now });
      const m = await getMilestone(deps.sql, milestoneId);
      // Funding again while the window is open is applied too (and changes nothing): the same checkout follows.
      if (fund.status === 'rejected') throw new HttpError('conflict', fund.rejection!.message, { rejection: fund.rejection });
      if (!m || m.status !== 'payment_pending' || !m.paymentExpiresAt) throw new HttpError('conflict', 'This milestone is not waiting for payment.');
      // The window has passed and the sweep is about to lapse it: a new checkout now would outlive it.
      if (m.paymentExpiresAt <= deps.now()) throw new HttpError('conflict', 'The time to pay for this milestone ran out; fund it again in a minute.');
      if (m.checkoutUrl) return c.json({ url: m.checkoutUrl, provider: provider.name, expiresAt: m.paymentExpiresAt });
      // The provider wants a checkout open for 30 minutes at least: asked for late in the window, the session
      // outlives it (the sweep closes it at the provider when the window lapses, clocks.ts). Clamped once,
      // here, and named in the key: a retry minutes later asks with another expiry, so under another key.
      const expiresAt = clampCheckoutExpiry(m.paymentExpiresAt, deps.now());
      try {
        // One session per funding: the key names this payment window.
        const session = await provider.createCheckout({
          milestoneId: m.id,
          bookingId: m.bookingId,
          clientId: m.clientId,
          amount: m.amount,
          currency: m.currency,
          description: m.description,
          successUrl: `${deps.config.PUBLIC_BASE_URL}/b/${m.bookingId}?paid=${m.id}`,
          cancelUrl: `${deps.config.PUBLIC_BASE_URL}/b/${m.bookingId}`,
          expiresAt,
          idempotencyKey: `checkout:${m.id}:${m.paymentExpiresAt.getTime()}${expiresAt.getTime() === m.paymentExpiresAt.getTime() ? '' : `:${expiresAt.getTime()}`}`,
        });
        // Two requests at once may each have made one: the first kept is the one everybody is sent to.
        const url = await keepCheckout(deps.sql, m.id, m.paymentExpiresAt, session);
        if (!url) throw new HttpError('conflict', 'The time to pay for this milestone ran out; fund it again.');
        return c.json({ url, provider: provider.name, expiresAt: m.paymentExpiresAt });
      } catch (e) {
        // An amount the provider will not charge (under its minimum, over its maximum): said, not a 500. Any
        // other refusal is ours to fix (a misconfigured account, a parameter), and stays a logged 500.
        if (e instanceof PaymentProviderError && !e.retryable && AMOUNT_REFUSALS.has(e.providerCode ?? '')) {
          const refused = rejection('payment_refused');
          deps.log.warn({ err: e, milestoneId: m.id, amount: m.amount, currency: m.currency }, 'the payment provider refused the amount of a checkout');
          throw new HttpError('conflict', refused.message, { rejection: refused });
        }
        // Only what retrying can fix is the provider's passing trouble; anything else is our bug, logged as a 500.
        if (e instanceof PaymentProviderError && e.retryable) {
          // The refusal's code with it, as for a refused funding, so that the app says it in the user's language.
          const unavailable = rejection('payment_unavailable');
          throw new HttpError('unavailable', unavailable.message, { rejection: unavailable });
        }
        throw e;
      }
    });
}
