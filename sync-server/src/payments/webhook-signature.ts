// Webhook signatures, Stripe's scheme, for both providers: the demo rail signs and verifies exactly as Stripe
// does, so the webhook handler runs one verification path whichever rail is behind it.
import Stripe from 'stripe';
import { WebhookSignatureError, type PaymentEvent } from './provider';

/** Seconds a signed timestamp stays acceptable: Stripe's default, against replays of captured deliveries. */
export const WEBHOOK_TOLERANCE_S = 300;

/**
 * Verifies `Stripe-Signature` (t=…,v1=HMAC-SHA256(secret, `${t}.${rawBody}`)) on the raw body and returns the
 * event. Any failure, including a signed body that is not an event, is a WebhookSignatureError.
 */
export function verifySignedEvent(rawBody: string, header: string | undefined, secret: string, toleranceS = WEBHOOK_TOLERANCE_S): PaymentEvent {
  let event: unknown;
  try {
    event = Stripe.webhooks.constructEvent(rawBody, header ?? '', secret, toleranceS);
  } catch (e) {
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new WebhookSignatureError(`Webhook signature rejected: ${reason}`, { cause: e });
  }
  if (!isEvent(event)) throw new WebhookSignatureError('Webhook body is signed but is not an event (id, type, created, data.object).');
  return { id: event.id, type: event.type, created: event.created, data: { object: event.data.object } };
}

/** A Stripe-Signature header for `rawBody`, as Stripe would send it (the demo rail and tests sign with this). */
export function signPayload(rawBody: string, secret: string, timestampS?: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload: rawBody, secret, ...(timestampS === undefined ? {} : { timestamp: timestampS }) });
}

function isEvent(x: unknown): x is PaymentEvent {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  const data = e.data as Record<string, unknown> | undefined;
  return (
    typeof e.id === 'string' &&
    typeof e.type === 'string' &&
    typeof e.created === 'number' &&
    typeof data === 'object' &&
    data !== null &&
    typeof data.object === 'object' &&
    data.object !== null
  );
}
