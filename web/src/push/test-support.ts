// Test helpers for web push: the browser's permission question and push service stood in for (the edge of the
// world; the real ones are exercised in test/e2e/push.e2e.test.ts), recording what the app asked of them.
import { vapidKeyBytes, type BrowserSubscription, type PushBrowser } from './push-device';

/** A VAPID public key as the server gives it: 65 bytes (0x04 and a point), base64url. */
export const PUBLIC_KEY = `BA${'A'.repeat(85)}`;
/** The server's key before its keys were replaced (a wiped data directory, a rotation). */
export const EARLIER_KEY = `BA${'B'.repeat(85)}`;

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
  /** A subscription already there (its endpoint), made with the server's key (PUBLIC_KEY) unless `staleKey`. */
  subscribed?: string;
  /** Why the push service refuses a subscription, if it does. */
  subscribeFails?: DOMException;
  /** The push service never answers a subscribe. */
  subscribeHangs?: boolean;
  /**
   * The subscription there was made with an earlier key of the server's (EARLIER_KEY). As in browsers, a
   * subscribe with another key than the subscription's is refused while it lasts.
   */
  staleKey?: boolean;
  /** The notifications shown already (their tags). */
  shown?: string[];
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
  /** The tags of the notifications shown now. */
  shown(): string[];
  setOnline(online: boolean): void;
}

export function fakePushBrowser(options: FakeOptions = {}): FakeBrowser {
  let permission = options.permission ?? 'default';
  let online = options.online ?? true;
  let current: BrowserSubscription | null = null;
  let shown = [...(options.shown ?? [])];
  let n = 0;
  const make = (endpoint: string, applicationServerKey: ArrayBuffer | null): BrowserSubscription => {
    const subscription: BrowserSubscription = {
      endpoint,
      options: { applicationServerKey, userVisibleOnly: true },
      toJSON: () => subscriptionJson(endpoint),
      unsubscribe: async () => {
        fake.unsubscribed.push(endpoint);
        if (current === subscription) current = null;
        return true;
      },
    };
    return subscription;
  };
  if (options.subscribed) current = make(options.subscribed, keyBuffer(options.staleKey ? EARLIER_KEY : PUBLIC_KEY));
  const registration = {
    pushManager: {
      getSubscription: async () => current,
      subscribe: async (o: PushSubscriptionOptionsInit) => {
        fake.subscribeCalls.push(o);
        if (options.subscribeFails) throw options.subscribeFails;
        if (options.subscribeHangs) return new Promise<never>(() => undefined);
        const key = keyBuffer(o.applicationServerKey);
        if (current && !sameBytes(current.options.applicationServerKey, key))
          throw new DOMException('A subscription with a different applicationServerKey already exists.', 'InvalidStateError');
        current ??= make(`https://push.example.test/send/${++n}`, key);
        return current;
      },
    },
    getNotifications: async () =>
      shown.map((tag) => ({
        close: () => {
          shown = shown.filter((t) => t !== tag);
        },
      })),
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
    shown: () => shown,
    setOnline: (value) => {
      online = value;
    },
  };
  return fake;
}

/** The key a subscription keeps (PushSubscription.options.applicationServerKey): its own copy of the bytes. */
function keyBuffer(key: PushSubscriptionOptionsInit['applicationServerKey']): ArrayBuffer | null {
  if (key === null || key === undefined) return null;
  if (typeof key === 'string') return vapidKeyBytes(key)?.buffer ?? null;
  const bytes = ArrayBuffer.isView(key) ? new Uint8Array(key.buffer, key.byteOffset, key.byteLength) : new Uint8Array(key);
  return bytes.slice().buffer;
}

function sameBytes(a: ArrayBuffer | null, b: ArrayBuffer | null): boolean {
  if (!a || !b || a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  return x.every((v, i) => v === y[i]);
}
