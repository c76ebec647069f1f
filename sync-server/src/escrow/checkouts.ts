// A milestone's checkout at the provider, and the payments that come through it. The provider's record is the
// truth about a payment: its webhook can be late (an outage, a deploy), or never come (an endpoint disabled
// after days of failed deliveries), so what the webhook would do is also done when we ask.
import { z } from 'zod';
import type { Sql } from '../db/sql';
import { getMilestone } from '../store/milestones';
import { PaymentProviderError, type CheckoutState, type PaymentProvider } from '../payments/provider';
import { confirmPayment, type EventRecord, type PaymentOutcome } from './events';

export type ProviderPaymentOutcome = PaymentOutcome | `ignored_${string}`;

/**
 * A payment the provider reports, re-read from the provider (an event may be old or out of order) and, if it
 * succeeded and names one of our milestones, confirmed: it funds the milestone, or is refunded at once when the
 * milestone cannot take it (confirmPayment).
 */
export async function confirmProviderPayment(
  sql: Sql,
  provider: PaymentProvider,
  paymentIntentId: string,
  key: string,
  record?: EventRecord,
): Promise<ProviderPaymentOutcome> {
  let payment;
  try {
    payment = await provider.retrievePayment(paymentIntentId);
  } catch (e) {
    // Signed by our secret but unknown to the provider (another account or mode): nothing of ours.
    if (e instanceof PaymentProviderError && e.code === 'not_found') return 'ignored_not_found';
    throw e;
  }
  if (payment.status !== 'succeeded') return `ignored_${payment.status}`;
  const milestoneId = payment.metadata.milestoneId;
  if (!milestoneId || !z.uuid().safeParse(milestoneId).success) return 'ignored_foreign';
  if (!(await getMilestone(sql, milestoneId))) return 'ignored_unknown_milestone';
  return confirmPayment(
    sql,
    { milestoneId, paymentIntentId: payment.id, chargeId: payment.chargeId, amount: payment.amountReceived, currency: payment.currency.toUpperCase() },
    key,
    { record },
  );
}

/** closed: nobody can pay it any more; processing: the payer finished with a method that settles later. */
export type CheckoutClosed = 'closed' | 'processing' | ProviderPaymentOutcome;

/** Ends a checkout at the provider; what it is left in, or null for one the provider does not know (never payable). */
export async function endCheckout(provider: PaymentProvider, sessionId: string): Promise<CheckoutState | null> {
  try {
    return await provider.closeCheckout(sessionId);
  } catch (e) {
    if (e instanceof PaymentProviderError && e.code === 'not_found') return null;
    throw e;
  }
}

/**
 * Ends a milestone's checkout at the provider before the milestone stops waiting for it (its payment window
 * lapsed), so that nobody pays for what no longer waits for money. If the payer got there first, the payment
 * is confirmed now rather than when its webhook arrives: it was made in time.
 */
export async function closeCheckout(sql: Sql, provider: PaymentProvider, sessionId: string): Promise<CheckoutClosed> {
  const state = await endCheckout(provider, sessionId);
  if (!state || state.status !== 'complete') return 'closed';
  if (!state.paymentIntentId) return 'closed';
  if (!state.paid) {
    // Finished with a method that settles later (sessions made before checkout took cards only): closed once
    // that payment failed, so that the milestone can lapse; waited for while it may still succeed.
    const payment = await provider.retrievePayment(state.paymentIntentId);
    return payment.status === 'requires_payment_method' || payment.status === 'canceled' ? 'closed' : 'processing';
  }
  return confirmProviderPayment(sql, provider, state.paymentIntentId, `checkout-closed:${sessionId}`);
}
