// The real payment provider: Stripe through its SDK, separate charges and transfers (DESIGN, "Money").
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import {
  assertAmount,
  assertCheckoutInput,
  assertIdempotencyKey,
  clampCheckoutExpiry,
  PROVIDER_CHECKOUT_SLACK_MS,
  PaymentProviderError,
  type CheckoutState,
  type PaymentInfo,
  type PaymentProvider,
  type PaymentStatus,
  type ProviderFee,
  type RefundInfo,
  type TransferInfo,
} from './provider';
import { verifySignedEvent, WEBHOOK_TOLERANCE_S } from './webhook-signature';

export interface StripeProviderOptions {
  /** sk_live_…, sk_test_… or a restricted rk_… key. */
  secretKey: string;
  /** whsec_…: the signing secret of the webhook endpoint that points at us. */
  webhookSecret: string;
  /**
   * whsec_…: the signing secret of the Connect endpoint that points at the same URL. Events of connected
   * accounts (account.updated) go only to Connect endpoints, which Stripe signs with their own secret.
   */
  connectWebhookSecret?: string;
  /** API host overrides; only a local stand-in in tests uses them. */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** The SDK's own retries of connection errors, 409 and 5xx, with the same idempotency key. Default 2. */
  maxNetworkRetries?: number;
  /** Per request. Default 20 s: long enough for Stripe's slow paths, short enough to free an outbox worker. */
  timeoutMs?: number;
  /** The clock that clamps checkout expiry; tests move it. */
  now?: () => Date;
}

export type StripePaymentProvider = PaymentProvider & { readonly name: 'stripe' };

export function createStripeProvider(opts: StripeProviderOptions): StripePaymentProvider {
  const stripe = new Stripe(opts.secretKey, {
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.port ? { port: opts.port } : {}),
    ...(opts.protocol ? { protocol: opts.protocol } : {}),
    maxNetworkRetries: opts.maxNetworkRetries ?? 2,
    timeout: opts.timeoutMs ?? 20_000,
  });
  const now = opts.now ?? (() => new Date());
  let platform: Promise<string> | undefined;

  return {
    name: 'stripe',

    async createCheckout(input) {
      assertCheckoutInput(input);
      const metadata = { milestoneId: input.milestoneId, bookingId: input.bookingId, clientId: input.clientId };
      const session = await call(() =>
        stripe.checkout.sessions.create(
          {
            mode: 'payment',
            // Cards only (wallets pay by card): escrow funds when the money is taken, inside the payment window.
            // Delayed methods (vouchers, bank debits) complete a checkout unpaid and settle days later.
            allowed_payment_method_types: ['card'],
            line_items: [
              {
                quantity: 1,
                price_data: { currency: input.currency.toLowerCase(), unit_amount: input.amount, product_data: { name: input.description } },
              },
            ],
            // The PaymentIntent carries the booking as transfer_group so release transfers can name the same group.
            payment_intent_data: { transfer_group: input.bookingId, metadata },
            metadata,
            client_reference_id: input.milestoneId,
            expires_at: Math.floor(clampCheckoutExpiry(input.expiresAt, now(), PROVIDER_CHECKOUT_SLACK_MS).getTime() / 1000),
            success_url: input.successUrl,
            cancel_url: input.cancelUrl,
          },
          { idempotencyKey: input.idempotencyKey },
        ),
      );
      if (!session.url) throw new PaymentProviderError('provider_error', `Stripe created checkout ${session.id} without a URL.`);
      return { id: session.id, url: session.url };
    },

    async closeCheckout(sessionId) {
      try {
        // Expiring is idempotent by itself (a second call is refused, and read instead). A key per call covers the
        // SDK's own retries; a fixed one would replay a provider failure to every later attempt for a day.
        return checkoutState(await call(() => stripe.checkout.sessions.expire(sessionId, {}, { idempotencyKey: `checkout-close:${sessionId}:${randomUUID()}` })));
      } catch (e) {
        // Only an open checkout can be expired: this one was paid, or had expired, already.
        if (!(e instanceof PaymentProviderError && e.code === 'invalid_request')) throw e;
        return checkoutState(await call(() => stripe.checkout.sessions.retrieve(sessionId)));
      }
    },

    async retrievePayment(paymentIntentId) {
      const pi = await call(() => stripe.paymentIntents.retrieve(paymentIntentId));
      return paymentInfo(pi);
    },

    async retrievePaymentFee(paymentIntentId) {
      const pi = await call(() => stripe.paymentIntents.retrieve(paymentIntentId, { expand: ['latest_charge.balance_transaction'] }));
      const charge = pi.latest_charge;
      if (pi.status !== 'succeeded' || !charge || typeof charge === 'string') return null;
      const txn = charge.balance_transaction;
      return txn && typeof txn !== 'string' ? feeOf(txn) : null;
    },

    async createTransfer(input) {
      assertAmount(input.amount, input.currency);
      assertIdempotencyKey(input.idempotencyKey);
      const transfer = await call(() =>
        stripe.transfers.create(
          {
            amount: input.amount,
            currency: input.currency.toLowerCase(),
            destination: input.destination,
            ...(input.sourceTransaction ? { source_transaction: input.sourceTransaction } : {}),
            transfer_group: input.transferGroup,
            metadata: input.metadata,
          },
          { idempotencyKey: input.idempotencyKey },
        ),
      );
      return { id: transfer.id };
    },

    async retrieveTransfer(transferId) {
      return transferInfo(await call(() => stripe.transfers.retrieve(transferId)));
    },

    async listTransfers(transferGroup) {
      // A booking's milestones have a transfer each, never a page's worth (100 is Stripe's largest page).
      const list = await call(() => stripe.transfers.list({ transfer_group: transferGroup, limit: 100 }));
      return list.data.map(transferInfo);
    },

    async createRefund(input) {
      assertIdempotencyKey(input.idempotencyKey);
      if (!Number.isSafeInteger(input.amount) || input.amount <= 0)
        throw new PaymentProviderError('invalid_request', `Refund amounts are positive integers in minor units; got ${String(input.amount)}.`);
      const refund = await call(() =>
        stripe.refunds.create(
          { payment_intent: input.paymentIntentId, amount: input.amount, metadata: input.metadata },
          { idempotencyKey: input.idempotencyKey },
        ),
      );
      // Card refunds are usually 'succeeded' at once; 'pending' ones settle later (refund.updated / charge.refunded).
      return { id: refund.id, status: refund.status ?? 'pending' };
    },

    async retrieveRefund(refundId) {
      return refundInfo(await call(() => stripe.refunds.retrieve(refundId)));
    },

    async listRefunds(paymentIntentId) {
      // A payment has a refund or two, never a page's worth (100 is Stripe's largest page).
      const list = await call(() => stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 }));
      return list.data.map(refundInfo);
    },

    async retrieveDispute(disputeId) {
      const d = await call(() => stripe.disputes.retrieve(disputeId));
      return {
        id: d.id,
        amount: d.amount,
        currency: d.currency.toUpperCase(),
        paymentIntentId: idOf(d.payment_intent),
        chargeId: idOf(d.charge),
        reason: d.reason,
        status: d.status,
        created: d.created,
        fees: d.balance_transactions.map(feeOf),
      };
    },

    async createConnectedAccount(input) {
      assertIdempotencyKey(input.idempotencyKey);
      const account = await call(() =>
        stripe.accounts.create(
          {
            type: 'express',
            country: input.country,
            // Workers only receive transfers; the platform takes the card payments.
            capabilities: { transfers: { requested: true } },
            ...(input.serviceAgreement === 'recipient' ? { tos_acceptance: { service_agreement: 'recipient' } } : {}),
            metadata: { userId: input.userId },
          },
          { idempotencyKey: input.idempotencyKey },
        ),
      );
      return { id: account.id };
    },

    async createAccountLink(input) {
      // Account links are single-use and expire within minutes: a retry just makes another, so no key.
      const link = await call(() =>
        stripe.accountLinks.create({ account: input.accountId, refresh_url: input.refreshUrl, return_url: input.returnUrl, type: 'account_onboarding' }),
      );
      return { url: link.url };
    },

    platformCountry() {
      // The platform's country never changes: asked once, again only after a failure.
      platform ??= call(() => stripe.accounts.retrieveCurrent()).then(
        (a) => a.country ?? '',
        (e: unknown) => {
          platform = undefined;
          throw e;
        },
      );
      return platform;
    },

    async retrieveAccount(accountId) {
      const account = await call(() => stripe.accounts.retrieve(accountId));
      return {
        id: account.id,
        country: account.country ?? '',
        transfersActive: account.capabilities?.transfers === 'active',
        detailsSubmitted: account.details_submitted ?? false,
      };
    },

    verifyWebhook(rawBody, signatureHeader) {
      try {
        return verifySignedEvent(rawBody, signatureHeader, opts.webhookSecret, WEBHOOK_TOLERANCE_S);
      } catch (e) {
        if (!opts.connectWebhookSecret) throw e;
        try {
          return verifySignedEvent(rawBody, signatureHeader, opts.connectWebhookSecret, WEBHOOK_TOLERANCE_S);
        } catch {
          throw e;
        }
      }
    },
  };
}

const PAYMENT_STATUSES = new Set<string>(['succeeded', 'processing', 'requires_payment_method', 'requires_action', 'canceled']);

/** An expandable field's id, whether Stripe sent the id or the object. */
const idOf = (field: string | { id: string } | null | undefined): string | null => (typeof field === 'string' ? field : (field?.id ?? null));

function checkoutState(session: Stripe.Checkout.Session): CheckoutState {
  return {
    id: session.id,
    status: session.status === 'complete' ? 'complete' : session.status === 'expired' ? 'expired' : 'open',
    paid: session.payment_status === 'paid',
    paymentIntentId: idOf(session.payment_intent),
  };
}

function paymentInfo(pi: Stripe.PaymentIntent): PaymentInfo {
  return {
    id: pi.id,
    status: (PAYMENT_STATUSES.has(pi.status) ? pi.status : 'other') as PaymentStatus,
    amount: pi.amount,
    amountReceived: pi.amount_received,
    currency: pi.currency.toUpperCase(),
    chargeId: idOf(pi.latest_charge),
    metadata: { ...pi.metadata },
  };
}

function feeOf(txn: Stripe.BalanceTransaction): ProviderFee {
  return { balanceTransactionId: txn.id, amount: txn.fee, currency: txn.currency.toUpperCase() };
}

function transferInfo(t: Stripe.Transfer): TransferInfo {
  return {
    id: t.id,
    amount: t.amount,
    currency: t.currency.toUpperCase(),
    destination: idOf(t.destination) ?? '',
    sourceTransaction: idOf(t.source_transaction),
    reversed: t.reversed || t.amount_reversed > 0,
    metadata: { ...t.metadata },
  };
}

function refundInfo(r: Stripe.Refund): RefundInfo {
  return {
    id: r.id,
    amount: r.amount,
    currency: r.currency.toUpperCase(),
    paymentIntentId: idOf(r.payment_intent),
    status: r.status ?? 'pending',
    metadata: { ...r.metadata },
  };
}

/** Runs one SDK call, turning Stripe's errors into PaymentProviderError; anything else is a bug and propagates. */
async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw e instanceof Stripe.errors.StripeError ? fromStripeError(e) : e;
  }
}

/** Stripe's error classes (stripe-node Error.ts) onto our closed set; `retryable` means "same key, later". */
export function fromStripeError(e: InstanceType<typeof Stripe.errors.StripeError>): PaymentProviderError {
  const E = Stripe.errors;
  const status = e.statusCode ?? null;
  const base = { statusCode: status, providerCode: e.code ?? null, cause: e };
  const message = `Stripe: ${e.message || e.type}`;
  // Stripe says outright whether repeating the request can help (e.g. lock timeouts: yes).
  const shouldRetry = e.headers?.['stripe-should-retry'];
  const advised = shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : undefined;

  if (e instanceof E.StripeCardError) return new PaymentProviderError('card_error', message, { ...base, retryable: false });
  if (e instanceof E.StripeRateLimitError) return new PaymentProviderError('rate_limited', message, { ...base, retryable: true });
  if (e instanceof E.StripeConnectionError) return new PaymentProviderError('connection', message, { ...base, retryable: true });
  if (e instanceof E.StripeIdempotencyError) return new PaymentProviderError('idempotency_conflict', message, { ...base, retryable: false });
  if (e instanceof E.StripeAuthenticationError) return new PaymentProviderError('authentication', message, { ...base, retryable: false });
  if (e instanceof E.StripePermissionError) return new PaymentProviderError('permission', message, { ...base, retryable: false });
  if (e instanceof E.StripeInvalidRequestError) {
    const missing = status === 404 || e.code === 'resource_missing';
    return new PaymentProviderError(missing ? 'not_found' : 'invalid_request', message, { ...base, retryable: advised ?? false });
  }
  // StripeAPIError and the rest: 5xx, and 409 for a request with the same key still in flight
  // (idempotency_key_in_use) or a lock timeout. All worth repeating with the same key.
  const transient = status === null || status >= 500 || status === 409 || e.code === 'idempotency_key_in_use' || e.code === 'lock_timeout';
  return new PaymentProviderError('provider_error', message, { ...base, retryable: advised ?? transient });
}
