// Web push, one definition for the server that sends and the app (and its service worker) that receives.
//
//   GET    /push/key            { publicKey }: the server's VAPID public key (base64url), for
//                               pushManager.subscribe's applicationServerKey
//   POST   /push/subscriptions  PushSubscription.toJSON() of this device, signed in: news meant for
//                               this person's app comes here from now on (204)
//   DELETE /push/subscriptions  { endpoint }: this device no longer (204, also when it was not there)
//
// A subscription belongs to the session that registered it: signing out, or a session revoked, ends it.
// News the server cannot bring to any device by push goes by text message instead.
import { z } from 'zod';

/** Base64url without padding, as PushSubscription.toJSON() writes keys. */
const base64url = z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url');

/** Decoded length of base64url text, padding ignored. */
const decodedLength = (s: string) => Math.floor((s.replace(/=+$/, '').length * 3) / 4);

export const pushSubscriptionInput = z.object({
  endpoint: z.url({ protocol: /^https?$/ }).max(1024, 'is longer than any push service gives'),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    // An uncompressed P-256 point (65 bytes) and a 16-byte secret (RFC 8291).
    p256dh: base64url.refine((s) => decodedLength(s) === 65, 'must be a 65-byte P-256 public key'),
    auth: base64url.refine((s) => decodedLength(s) === 16, 'must be a 16-byte secret'),
  }),
});
export type PushSubscriptionInput = z.infer<typeof pushSubscriptionInput>;

export const pushUnsubscribeInput = z.object({ endpoint: z.string().min(1).max(1024) });

// The payload and its guard live apart from zod: the service worker imports them.
export { isPushPayload, type PushPayload } from './push-payload';
