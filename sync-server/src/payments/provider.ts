// The payment provider interface: real Stripe or the demo rail behind the same calls (DESIGN, "Money").
//
// Shape of the money flow it serves: separate charges and transfers. A client pays through a hosted
// checkout into the platform balance; release is a transfer to the worker's connected account tied to the
// original charge (sourceTransaction); a dispute decision is a transfer of X plus a refund of Y.
// Amounts are integer minor units with an ISO currency (upper case here; Stripe's lower case stays inside
// the providers). Every mutating call carries an idempotency key, but Stripe prunes keys after 24 hours:
// the caller's own dedupe (command ids, event ids) is the real guarantee.
import { isCurrency } from '@shared/money';

export interface CheckoutInput {
  milestoneId: string;
  bookingId: string;
  clientId: string;
  /** Minor units, a positive integer. */
  amount: number;
  /** ISO 4217, e.g. 'USD'. */
  currency: string;
  /** Shown to the payer as the line item's name. */
  description: string;
  /** Absolute http(s) URLs. */
  successUrl: string;
  cancelUrl: string;
  /** Clamped into Stripe's window (see clampCheckoutExpiry); the session can outlive a shorter deadline. */
  expiresAt: Date;
  idempotencyKey: string;
}

export interface CheckoutSession {
  id: string;
  /** Where to send the payer. */
  url: string;
}

/** A checkout as the provider records it now. */
export interface CheckoutState {
  id: string;
  /** open: can still be paid; complete: the payer finished; expired: nobody can pay it any more. */
  status: 'open' | 'complete' | 'expired';
  /** The money was taken (a complete checkout paid by a delayed method is not, yet). */
  paid: boolean;
  /** The PaymentIntent, once the payer finished. */
  paymentIntentId: string | null;
}

export type PaymentStatus = 'succeeded' | 'processing' | 'requires_payment_method' | 'requires_action' | 'canceled' | 'other';

export interface PaymentInfo {
  /** The PaymentIntent id. */
  id: string;
  status: PaymentStatus;
  amount: number;
  amountReceived: number;
  /** ISO 4217, upper case. */
  currency: string;
  /** The charge a release transfer must name as its sourceTransaction. */
  chargeId: string | null;
  metadata: Record<string, string>;
}

export interface TransferInput {
  amount: number;
  currency: string;
  /** The worker's connected account id. */
  destination: string;
  /** The client's charge the money came from; ties the transfer's availability to that charge. */
  sourceTransaction: string | null;
  /** The booking id, as on the checkout's PaymentIntent. */
  transferGroup: string;
  metadata: Record<string, string>;
  idempotencyKey: string;
}

export interface RefundInput {
  paymentIntentId: string;
  amount: number;
  metadata: Record<string, string>;
  idempotencyKey: string;
}

/** A transfer as the provider records it, for reconciliation and for finding one made earlier. */
export interface TransferInfo {
  id: string;
  amount: number;
  /** ISO 4217, upper case. */
  currency: string;
  destination: string;
  sourceTransaction: string | null;
  /** True once the transfer was reversed, in whole or in part. */
  reversed: boolean;
  metadata: Record<string, string>;
}

/** A refund as the provider records it, for reconciliation and for finding one made earlier. */
export interface RefundInfo {
  id: string;
  amount: number;
  /** ISO 4217, upper case. */
  currency: string;
  paymentIntentId: string | null;
  /** 'succeeded', 'pending', 'failed', 'canceled', … as the provider says. */
  status: string;
  metadata: Record<string, string>;
}

/**
 * A client's bank disputing a payment (a chargeback, or an inquiry before one), as the provider records it now.
 * Stripe's statuses: warning_needs_response, warning_under_review, warning_closed (an inquiry: no money moves),
 * needs_response, under_review (the bank took the money back until it decides), won, lost; prevented (nothing
 * moved either).
 */
export interface DisputeInfo {
  id: string;
  /** What the bank disputes, minor units. */
  amount: number;
  /** ISO 4217, upper case. */
  currency: string;
  paymentIntentId: string | null;
  chargeId: string | null;
  /** The bank's reason code, e.g. 'fraudulent', 'product_not_received'. */
  reason: string;
  status: string;
  /** Unix seconds. */
  created: number;
  /** The fees of the dispute's balance transactions so far: the money withdrawn, and any reinstated. */
  fees: ProviderFee[];
}

/**
 * What the provider kept of one movement of the platform's balance there: a balance transaction's fee (Stripe's
 * processing fee on a charge, its dispute fee on a chargeback).
 */
export interface ProviderFee {
  /** The balance transaction (Stripe's txn_…); it has one fee, so its id keys what we record of it. */
  balanceTransactionId: string;
  /** Minor units; negative when the provider gives a fee back. */
  amount: number;
  /** ISO 4217, upper case: the platform's balance's currency, which may differ from the payment's. */
  currency: string;
}

export interface ConnectedAccount {
  id: string;
  /** ISO 3166-1 alpha-2, fixed when the account was made. */
  country: string;
  /** The account can receive transfers now. */
  transfersActive: boolean;
  detailsSubmitted: boolean;
}

/** A verified webhook event, Stripe's shape reduced to what callers need. */
export interface PaymentEvent {
  id: string;
  type: string;
  /** Unix seconds. */
  created: number;
  data: { object: Record<string, unknown> };
}

export interface PaymentProvider {
  readonly name: 'stripe' | 'demo';
  createCheckout(input: CheckoutInput): Promise<CheckoutSession>;
  /**
   * Ends an open checkout so that nobody can pay it any more, and answers the state it is left in: complete
   * when the payer finished first, expired otherwise. Idempotent: closing a closed checkout answers its state.
   */
  closeCheckout(sessionId: string): Promise<CheckoutState>;
  retrievePayment(paymentIntentId: string): Promise<PaymentInfo>;
  /**
   * The fee the provider kept on a payment's charge, or null while it has not entered the platform's balance
   * yet (no charge succeeded, or a payment method that settles later).
   */
  retrievePaymentFee(paymentIntentId: string): Promise<ProviderFee | null>;
  createTransfer(input: TransferInput): Promise<{ id: string }>;
  retrieveTransfer(transferId: string): Promise<TransferInfo>;
  /** A transfer group's transfers (a booking's), newest first: which of them an earlier call made, when its idempotency key may be gone. */
  listTransfers(transferGroup: string): Promise<TransferInfo[]>;
  createRefund(input: RefundInput): Promise<{ id: string; status: string }>;
  retrieveRefund(refundId: string): Promise<RefundInfo>;
  /** A payment's refunds, newest first: which of them an earlier call made, when its idempotency key may be gone. */
  listRefunds(paymentIntentId: string): Promise<RefundInfo[]>;
  /** A bank dispute as it stands now: its events may arrive late, twice or out of order, so they are read again. */
  retrieveDispute(disputeId: string): Promise<DisputeInfo>;
  /**
   * An Express account that only receives transfers. `serviceAgreement` 'recipient' (default 'full') is what
   * an account in another country than the platform's needs: cross-border payouts only reach accounts under
   * Stripe's recipient service agreement, chosen when the account is made and fixed once accepted.
   */
  createConnectedAccount(input: { userId: string; country: string; serviceAgreement?: 'full' | 'recipient'; idempotencyKey: string }): Promise<{ id: string }>;
  /** ISO 3166-1 alpha-2 of the platform's own account: a connected account elsewhere is paid across a border. */
  platformCountry(): Promise<string>;
  /** A single-use onboarding URL; after it the payee comes back to returnUrl (or refreshUrl if the link expired). */
  createAccountLink(input: { accountId: string; refreshUrl: string; returnUrl: string }): Promise<{ url: string }>;
  retrieveAccount(accountId: string): Promise<ConnectedAccount>;
  /**
   * Verifies one webhook delivery on its raw body (the exact bytes received, as text) against the
   * Stripe-Signature header, with a 5 minute tolerance on the signed timestamp. Throws WebhookSignatureError
   * for a missing, malformed, wrong or stale signature and for a body that is not an event.
   */
  verifyWebhook(rawBody: string, signatureHeader: string | undefined): PaymentEvent;
}

/** The delivery is not provably from the provider: answer 400 and do nothing else. */
export class WebhookSignatureError extends Error {
  override name = 'WebhookSignatureError';
}

/** What a provider call can fail with; a closed set, so callers branch on `code`, never on messages. */
export type PaymentErrorCode =
  /** The payer's card was declined (402). */
  | 'card_error'
  /** Bad parameters, or a state the provider refuses (a transfer beyond the charge, an inactive account). */
  | 'invalid_request'
  /** No such object (a PaymentIntent, an account). */
  | 'not_found'
  /** Same idempotency key, different parameters: a bug in the caller, never retry with that key. */
  | 'idempotency_conflict'
  /** Bad or missing API key. */
  | 'authentication'
  | 'permission'
  | 'rate_limited'
  /** The request may not have reached the provider. */
  | 'connection'
  /** The provider failed (5xx) or is busy with the same key (409). */
  | 'provider_error';

export class PaymentProviderError extends Error {
  override name = 'PaymentProviderError';
  /** HTTP status from the provider, when it answered. */
  readonly statusCode: number | null;
  /** Worth trying again later with the same idempotency key. */
  readonly retryable: boolean;
  /** The provider's own error code, e.g. Stripe's 'card_declined' or 'resource_missing'. */
  readonly providerCode: string | null;

  constructor(
    readonly code: PaymentErrorCode,
    message: string,
    opts: { statusCode?: number | null; retryable?: boolean; providerCode?: string | null; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.statusCode = opts.statusCode ?? null;
    this.retryable = opts.retryable ?? false;
    this.providerCode = opts.providerCode ?? null;
  }
}

/** Stripe refuses a checkout expiry outside 30 minutes..24 hours from creation. */
export const CHECKOUT_MIN_MS = 30 * 60_000;
export const CHECKOUT_MAX_MS = 24 * 60 * 60_000;
/** Room for the clock gap between us and the provider and for the request's time in flight. */
const CHECKOUT_SLACK_MS = 2 * 60_000;
/** What the providers clamp with: a caller's clamp a minute old still passes unchanged. */
export const PROVIDER_CHECKOUT_SLACK_MS = CHECKOUT_SLACK_MS / 2;

/**
 * Clamps a checkout expiry into the provider's window, to whole seconds (Stripe takes Unix seconds).
 * An expiry already inside the window passes unchanged, so a retry with the same input and idempotency key
 * sends the same parameters; a clamped one depends on `now`, so the caller clamps once, before choosing the
 * key, and names the clamped expiry in it (escrow/routes.ts). The providers clamp again with half the slack,
 * as a guard that leaves a value the caller clamped a moment earlier as it is.
 */
export function clampCheckoutExpiry(expiresAt: Date, now: Date, slackMs = CHECKOUT_SLACK_MS): Date {
  const min = now.getTime() + CHECKOUT_MIN_MS + slackMs;
  const max = now.getTime() + CHECKOUT_MAX_MS - slackMs;
  const t = Math.min(Math.max(expiresAt.getTime(), min), max);
  return new Date(Math.floor(t / 1000) * 1000);
}

/** Both providers refuse the same bad input before anything leaves the process. */
export function assertCheckoutInput(input: CheckoutInput): void {
  assertAmount(input.amount, input.currency);
  for (const [name, url] of [
    ['successUrl', input.successUrl],
    ['cancelUrl', input.cancelUrl],
  ] as const) {
    if (!isHttpUrl(url)) throw new PaymentProviderError('invalid_request', `${name} must be an absolute http(s) URL; got "${url.slice(0, 80)}".`);
  }
  if (!input.description.trim()) throw new PaymentProviderError('invalid_request', 'A checkout needs a description to show the payer.');
  if (Number.isNaN(input.expiresAt.getTime())) throw new PaymentProviderError('invalid_request', 'expiresAt is not a valid date.');
  assertIdempotencyKey(input.idempotencyKey);
}

export function assertAmount(amount: number, currency: string): void {
  if (!Number.isSafeInteger(amount) || amount <= 0)
    throw new PaymentProviderError('invalid_request', `Amounts are positive integers in minor units; got ${String(amount)}.`);
  // The app's currency list (shared/src/money.ts), upper case as everywhere outside the providers.
  if (!isCurrency(currency)) throw new PaymentProviderError('invalid_request', `Unsupported currency "${currency}"; use an upper-case ISO 4217 code from shared/src/money.ts.`);
}

export function assertIdempotencyKey(key: string): void {
  // Stripe's limit; an empty key would silently mean "no idempotency".
  if (!key || key.length > 255) throw new PaymentProviderError('invalid_request', 'An idempotency key of 1 to 255 characters is required.');
}

export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}
