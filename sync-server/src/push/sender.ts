// Sending one push: the payload encrypted for the device (RFC 8291, aes128gcm) and signed for our VAPID key
// (RFC 8292), posted to the device's push service with `web-push`.
import type { Agent } from 'node:https';
import webpush from 'web-push';
import type { PushPayload } from '@shared/push';
import type { VapidKeys } from './keys';

export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

export interface PushOptions {
  /** Seconds the push service keeps the message for a device that is off. */
  ttl: number;
  urgency: 'normal' | 'high';
  /** Messages with one topic replace each other at the push service while the device is away. */
  topic?: string;
}

/** What the push service said. `gone`: the subscription has ended (404, 410) and is to be forgotten. */
export type PushResult = { ok: true } | { ok: false; gone: boolean; status: number | null; error: string };

export interface PushSender {
  /** The key devices subscribe with (base64url). */
  readonly publicKey: string;
  send(target: PushTarget, payload: PushPayload, options: PushOptions): Promise<PushResult>;
}

/** Longer than a push service should ever take; a send is not retried here (the outbox retries). */
const TIMEOUT_MS = 10_000;

/** `agent`: only for a local stand-in in tests (its certificate); push services are reached as any https site. */
export function createWebPushSender(keys: VapidKeys, subject: string, agent?: Agent): PushSender {
  return {
    publicKey: keys.publicKey,
    async send(target, payload, options) {
      try {
        await webpush.sendNotification({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, JSON.stringify(payload), {
          vapidDetails: { subject, publicKey: keys.publicKey, privateKey: keys.privateKey },
          TTL: options.ttl,
          urgency: options.urgency,
          ...(options.topic ? { topic: options.topic } : {}),
          contentEncoding: 'aes128gcm',
          timeout: TIMEOUT_MS,
          ...(agent ? { agent } : {}),
        });
        return { ok: true };
      } catch (e) {
        const status = e instanceof webpush.WebPushError ? e.statusCode : null;
        const body = e instanceof webpush.WebPushError ? ` ${String(e.body).slice(0, 200)}` : '';
        return { ok: false, gone: status === 404 || status === 410, status, error: `${e instanceof Error ? e.message : String(e)}${body}` };
      }
    },
  };
}
