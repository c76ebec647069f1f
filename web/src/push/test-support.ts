// Test helpers for web push: the browser's permission question and push service stood in for (the edge of the
// world; the real ones are exercised in test/e2e/push.e2e.test.ts), recording what the app asked of them.
import type { BrowserSubscription, PushBrowser } from './push-device';

/** A VAPID public key as the server gives it: 65 bytes (0x04 and a point), base64url. */
export const PUBLIC_KEY = `BA${'A'.repeat(85)}`;

const b64url = (bytes: number[]) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** What PushSubscription.toJSON() gives for `endpoint`: a 65-byte P-256 key and a 16-byte secret. */
export const subscriptionJson = (endpoint: string) => ({
  endpoint,
  expirationTime: null,
  keys: { p256dh: b64url([4, ...Array.from({ length: 64 }, (_, i) => i)]), auth: b64url(Array.from({ length: 16 }, (_, i) => i)) },
});

export interface FakeOptions {
  permission?: NotificationPermission;
  /** What the permission question is answered with. */
  answer?: NotificationPermission;
  /** A subscription already there (its endpoint). */
  subscribed?: string;
  /** Why the push service refuses a subscription, if it does. */
  subscribeFails?: DOMException;
  /** The push service never answers a subscribe. */
  subscribeHangs?: boolean;
  /** The subscription there was made with another key of the server's: subscribing refuses while it lasts. */
  staleKey?: boolean;
  online?: boolean;
  /** No service worker registration at all (the dev server). */
  noWorker?: boolean;
}

export interface FakeBrowser extends PushBrowser {
  /** How often the permission question was asked. */
  asked: number;
  /** The options of each subscribe call. */
  subscribeCalls: PushSubscriptionOptionsInit[];
  /** Endpoints unsubscribed. */
  unsubscribed: string[];
  /** The subscription the push service holds now, if any. */
  current(): BrowserSubscription | null;
  setOnline(online: boolean): void;
}

export function fakePushBrowser(options: FakeOptions = {}): FakeBrowser {
  let permission = options.permission ?? 'default';
  let online = options.online ?? true;
  let current: BrowserSubscription | null = null;
  let n = 0;
  const make = (endpoint: string): BrowserSubscription => {
    const subscription: BrowserSubscription = {
      endpoint,
      toJSON: () => subscriptionJson(endpoint),
      unsubscribe: async () => {
        fake.unsubscribed.push(endpoint);
        if (current === subscription) current = null;
        return true;
      },
    };
    return subscription;
  };
  if (options.subscribed) current = make(options.subscribed);
  const registration = {
    pushManager: {
      getSubscription: async () => current,
      subscribe: async (o: PushSubscriptionOptionsInit) => {
        fake.subscribeCalls.push(o);
        if (options.subscribeFails) throw options.subscribeFails;
        if (options.subscribeHangs) return new Promise<never>(() => undefined);
        if (options.staleKey && current) throw new DOMException('A subscription with a different applicationServerKey already exists.', 'InvalidStateError');
        current ??= make(`https://push.example.test/send/${++n}`);
        return current;
      },
    },
  };
  const fake: FakeBrowser = {
    asked: 0,
    subscribeCalls: [],
    unsubscribed: [],
    permission: () => permission,
    requestPermission: async () => {
      fake.asked += 1;
      permission = options.answer ?? permission;
      return permission;
    },
    registration: async () => (options.noWorker ? undefined : registration),
    online: () => online,
    current: () => current,
    setOnline: (value) => {
      online = value;
    },
  };
  return fake;
}
