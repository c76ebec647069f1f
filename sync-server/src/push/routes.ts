// /push: a device tells the server where to push its person's news (see shared/src/push.ts for the contract).
//
// GET    /push/key            the VAPID public key devices subscribe with
// POST   /push/subscriptions  this device's subscription, bound to the caller's session (204)
// DELETE /push/subscriptions  { endpoint }: forget it, when it is the caller's (204 either way)
import { Hono } from 'hono';
import { ECDH } from 'node:crypto';
import { pushSubscriptionInput, pushUnsubscribeInput } from '@shared/push';
import type { Deps } from '../deps';
import { requireActor, type AuthEnv } from '../auth/middleware';
import { HttpError } from '../errors';
import { readJson } from '../http/read-json';
import { enforce } from '../ops/rate-limit';
import { pushServiceCheck } from './services';

/** Devices one person may have subscribed at once; registering another forgets the one silent longest. */
export const MAX_DEVICES = 10;
/** Registrations per person per hour: an app registers at each start, and a person has a few devices. */
const REGISTRATIONS_PER_HOUR = 60;

export function pushRoutes(deps: Deps) {
  const allowed = pushServiceCheck(deps.config.PUSH_SERVICES);
  return new Hono<AuthEnv>()
    .get('/key', (c) => {
      // Asked again each time: a rotated key must reach devices at their next start (rebindPush).
      c.header('Cache-Control', 'no-cache');
      return c.json({ publicKey: deps.push.publicKey });
    })
    .post('/subscriptions', requireActor(deps), async (c) => {
      const parsed = pushSubscriptionInput.safeParse(await readJson(c));
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new HttpError('invalid_request', `Send the device's PushSubscription as JSON: ${issue.path.join('.') || 'body'} ${issue.message}.`, parsed.error.issues);
      }
      const { endpoint, keys } = parsed.data;
      // 65 bytes are not yet a key: one that is no point on the curve would fail every push to this device, never
      // ending the subscription (only the push service's 404 and 410 do), and the news would go nowhere by push.
      if (!onP256(keys.p256dh)) throw new HttpError('invalid_request', "Send the device's PushSubscription as JSON: keys.p256dh is not a P-256 public key.");
      if (!allowed(endpoint)) throw new HttpError('invalid_request', "This push service is not one we send to. Notifications from this browser are not available; you'll get text messages instead.");
      const actor = c.get('actor');
      await enforce(deps.sql, { key: `push:${actor.id}`, max: REGISTRATIONS_PER_HOUR, windowSeconds: 3600 }, deps.now(), 'Too many notification sign-ups in an hour. Try again later.');
      await deps.sql.begin(async (tx) => {
        await tx`
          insert into push_subscriptions (endpoint, user_id, session_id, p256dh, auth, registered_at)
          values (${endpoint}, ${actor.id}, ${actor.sessionId}, ${keys.p256dh}, ${keys.auth}, ${deps.now()})
          on conflict (endpoint) do update set
            user_id = excluded.user_id, session_id = excluded.session_id, p256dh = excluded.p256dh, auth = excluded.auth,
            registered_at = excluded.registered_at`;
        // Devices of this person's ended sessions get nothing any more; past the cap, the longest silent go.
        await tx`
          delete from push_subscriptions s using sessions ss
          where s.user_id = ${actor.id} and ss.id = s.session_id and (ss.revoked_at is not null or ss.expires_at <= ${deps.now()})`;
        await tx`
          delete from push_subscriptions where endpoint in (
            select endpoint from push_subscriptions where user_id = ${actor.id} order by registered_at desc, endpoint offset ${MAX_DEVICES})`;
      });
      return c.body(null, 204);
    })
    .delete('/subscriptions', requireActor(deps), async (c) => {
      const parsed = pushUnsubscribeInput.safeParse(await readJson(c));
      if (!parsed.success) throw new HttpError('invalid_request', 'Send {"endpoint": "…"}: the subscription to forget.', parsed.error.issues);
      await deps.sql`delete from push_subscriptions where endpoint = ${parsed.data.endpoint} and user_id = ${c.get('actor').id}`;
      return c.body(null, 204);
    });
}

/** Whether base64url text is an uncompressed point on P-256, as a browser's subscription key is. */
export function onP256(p256dh: string): boolean {
  try {
    ECDH.convertKey(Buffer.from(p256dh, 'base64url'), 'prime256v1', undefined, undefined, 'uncompressed');
    return true;
  } catch {
    return false;
  }
}
