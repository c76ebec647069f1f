// Web push on this device: whether the browser can, whether it is on, and turning it on and off, which is the
// browser's subscription together with the server's record of it (/push; the contract is shared/src/push.ts).
// Push only ever improves on the text messages the server sends anyway: nothing here may block anything.

/** `working`: being turned on or off, or being found out. */
export type PushState = 'unsupported' | 'denied' | 'off' | 'on' | 'working';

/** Why turning on did not work, each with its own sentence (push-problems.ts). */
export type PushProblem = 'offline' | 'denied' | 'dismissed' | 'subscribe_failed' | 'server_failed' | 'too_many';

export class PushError extends Error {
  override name = 'PushError';
  constructor(
    readonly problem: PushProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A request to the sync server with the user's access token (SyncClient.http). */
export type ServerHttp = (path: string, init?: RequestInit) => Promise<Response>;

/** `options.applicationServerKey`: the server's key it was made with, which the server must still sign with. */
export type BrowserSubscription = Pick<PushSubscription, 'endpoint' | 'toJSON' | 'unsubscribe' | 'options'>;

export interface PushRegistration {
  readonly pushManager: {
    getSubscription(): Promise<BrowserSubscription | null>;
    subscribe(options: PushSubscriptionOptionsInit): Promise<BrowserSubscription>;
  };
  /** The notifications this app is showing (in the tray, on the lock screen); stand-ins may have none. */
  getNotifications?(): Promise<readonly Pick<Notification, 'close'>[]>;
}

/** The browser's parts web push needs: the real ones (pushBrowser), stand-ins in tests. */
export interface PushBrowser {
  permission(): NotificationPermission;
  requestPermission(): Promise<NotificationPermission>;
  /** The app's service worker registration; with `waitMs`, an active one, waited for that long (a first visit is still installing it). */
  registration(waitMs?: number): Promise<PushRegistration | undefined>;
  online(): boolean;
}

/**
 * The id of the account that turned push on here, while it wants it. The browser's permission and subscription
 * belong to the site, not to an account: this says whose they are. A `fw.` key, so sign-out removes it
 * (wipe-device.ts); a session that ended by itself leaves it, naming someone who may not be the next to sign in.
 */
export const PUSH_WANTED = 'fw.push';

/** How long turning on waits for the service worker to be active. */
const WORKER_WAIT_MS = 10_000;
/**
 * How long the push service may take to answer a subscribe: a browser whose push service cannot be reached may
 * keep trying for long. A subscription that arrives after all is ended at the next start (rebindPush): turning
 * on failed, so nobody here asked for it.
 */
const SUBSCRIBE_LIMIT_MS = 30_000;

/** The browser's web push, or null where it has none (iOS Safari outside the home screen, old browsers, no service worker). */
export function pushBrowser(): PushBrowser | null {
  if (typeof window === 'undefined' || !('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) return null;
  const container = navigator.serviceWorker;
  return {
    permission: () => Notification.permission,
    requestPermission: () => Notification.requestPermission(),
    registration: (waitMs) =>
      waitMs === undefined
        ? container.getRegistration()
        : // `ready` never settles where no worker is registered (the dev server): given up after waitMs.
          Promise.race([container.ready, new Promise<undefined>((resolve) => setTimeout(resolve, waitMs))]),
    online: () => navigator.onLine,
  };
}

/**
 * iOS and iPadOS have web push only for apps added to the home screen: Safari in a tab has no PushManager.
 * There, and only there, adding the app is the way to get notifications.
 */
export function needsHomeScreen(): boolean {
  if (typeof window === 'undefined') return false;
  const standalone = (navigator as Navigator & { standalone?: boolean }).standalone;
  return standalone === false && !('PushManager' in window);
}

/** Whether push is on here: permission granted and a subscription in the browser. */
export async function readPushState(browser: PushBrowser | null, userId: string): Promise<Exclude<PushState, 'working'>> {
  if (!browser) return 'unsupported';
  const permission = browser.permission();
  if (permission === 'denied') return 'denied';
  if (permission !== 'granted') return 'off';
  // A subscription another account left on this phone is not this person's "on" (rebindPush ends it).
  if (localStorage.getItem(PUSH_WANTED) !== userId) return 'off';
  const registration = await browser.registration().catch(() => undefined);
  const subscription = await registration?.pushManager.getSubscription().catch(() => null);
  return subscription ? 'on' : 'off';
}

/**
 * Asks for permission, subscribes with the server's key and registers the subscription with the server.
 * Call it straight from a click: the permission question needs the click's user activation (Safari), so it
 * is asked before anything else is awaited. Throws PushError; a subscription the server did not take is
 * dropped again, so that "on" always means the server has it.
 */
export async function turnPushOn(browser: PushBrowser, http: ServerHttp, userId: string): Promise<void> {
  // Offline, the question would be asked and then fail: nothing is asked.
  if (!browser.online()) throw new PushError('offline', 'No network.');
  const permission = browser.permission() === 'granted' ? 'granted' : await browser.requestPermission();
  if (permission === 'denied') throw new PushError('denied', 'Notifications are blocked for this site.');
  if (permission !== 'granted') throw new PushError('dismissed', 'The permission question was closed without an answer.');
  const subscription = await subscribe(browser, await serverKey(http));
  try {
    await register(http, subscription);
  } catch (e) {
    await subscription.unsubscribe().catch(() => false);
    throw e;
  }
  localStorage.setItem(PUSH_WANTED, userId);
}

/**
 * Unsubscribes in the browser, which is all that "off" needs: the server learns it now if it can, and otherwise
 * from the push service, which refuses the next push to a subscription that has ended.
 */
export async function turnPushOff(browser: PushBrowser, http: ServerHttp): Promise<void> {
  localStorage.removeItem(PUSH_WANTED);
  const registration = await browser.registration().catch(() => undefined);
  const subscription = await registration?.pushManager.getSubscription().catch(() => null);
  if (!subscription) return;
  const { endpoint } = subscription;
  await subscription.unsubscribe().catch(() => false);
  void send(http, '/push/subscriptions', { method: 'DELETE', body: JSON.stringify({ endpoint }) }).catch(() => undefined);
}

/**
 * At app start, once online: registers this device's subscription again, binding it to the session now signed
 * in (the server drops those of ended sessions). Only for the account that turned push on here (PUSH_WANTED):
 * permission is the site's, so a subscription left by someone whose session ended without a sign-out, or one
 * nobody asked for, is ended instead, and the person signed in now is asked before anything comes to them. A
 * subscription made with an earlier key of the server's (its keys were replaced) would have every push refused:
 * it is made again with the key now, as is one the browser lost; neither needs a question once permission is
 * granted. Quiet: says only whether it registered one.
 */
export async function rebindPush(browser: PushBrowser | null, http: ServerHttp, userId: string): Promise<boolean> {
  if (!browser || browser.permission() !== 'granted' || !browser.online()) return false;
  try {
    const registration = await browser.registration();
    const existing = await registration?.pushManager.getSubscription();
    if (localStorage.getItem(PUSH_WANTED) !== userId) {
      await existing?.unsubscribe();
      return false;
    }
    const key = await serverKey(http);
    let subscription = existing ?? null;
    if (subscription && !sameBytes(subscription.options.applicationServerKey, key)) {
      await subscription.unsubscribe();
      subscription = null;
    }
    subscription ??= await subscribe(browser, key);
    await register(http, subscription);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sign-out: this device stops receiving the person's news at once (the server also drops the session's
 * subscriptions), and what came of it leaves the screen: notifications say booking titles and the first words
 * of chats, in the tray and on the lock screen.
 */
export async function forgetPushSubscription(browser: PushBrowser | null = pushBrowser()): Promise<void> {
  const registration = await browser?.registration().catch(() => undefined);
  if (!registration) return;
  await Promise.all([
    registration.pushManager
      .getSubscription()
      .then((subscription) => subscription?.unsubscribe())
      .catch(() => false),
    registration.getNotifications?.().then((shown) => shown.forEach((n) => n.close())).catch(() => undefined),
  ]);
}

/** The server's public key now (GET /push/key), as the bytes the push service takes. */
async function serverKey(http: ServerHttp): Promise<Uint8Array<ArrayBuffer>> {
  const { publicKey } = (await (await send(http, '/push/key')).json().catch(() => ({}))) as { publicKey?: unknown };
  const key = vapidKeyBytes(publicKey);
  if (!key) throw new PushError('server_failed', `The server's push key is not a P-256 public key: ${String(publicKey)}`);
  return key;
}

function sameBytes(buffer: ArrayBuffer | null, bytes: Uint8Array): boolean {
  if (!buffer || buffer.byteLength !== bytes.length) return false;
  const other = new Uint8Array(buffer);
  return bytes.every((b, i) => b === other[i]);
}

async function subscribe(browser: PushBrowser, applicationServerKey: Uint8Array<ArrayBuffer>): Promise<BrowserSubscription> {
  const registration = await browser.registration(WORKER_WAIT_MS).catch(() => undefined);
  if (!registration) throw new PushError('subscribe_failed', 'No active service worker.');
  const options = { userVisibleOnly: true, applicationServerKey };
  const attempt = () => inTime(registration.pushManager.subscribe(options), SUBSCRIBE_LIMIT_MS);
  try {
    return await attempt();
  } catch (e) {
    // A subscription made with an earlier key of the server's is in the way of one with its key now.
    if (e instanceof DOMException && e.name === 'InvalidStateError') {
      await (await registration.pushManager.getSubscription().catch(() => null))?.unsubscribe().catch(() => false);
      try {
        return await attempt();
      } catch (again) {
        throw subscribeFailed(again);
      }
    }
    throw subscribeFailed(e);
  }
}

function inTime<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DOMException(`No answer from the push service within ${ms / 1000} s.`, 'TimeoutError')), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The browser's own words stay in the message (for the console and bug reports); people see push-problems.ts. */
const subscribeFailed = (e: unknown) => new PushError('subscribe_failed', e instanceof Error ? `${e.name}: ${e.message}` : String(e), { cause: e });

function register(http: ServerHttp, subscription: BrowserSubscription): Promise<Response> {
  // PushSubscription.toJSON() is the body the server takes (pushSubscriptionInput).
  return send(http, '/push/subscriptions', { method: 'POST', body: JSON.stringify(subscription.toJSON()) });
}

/** A 2xx answer, else a PushError: no answer is `offline`; the server's refusals by what the person can do about them. */
async function send(http: ServerHttp, path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await http(path, { ...init, headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) } });
  } catch (e) {
    throw new PushError('offline', e instanceof Error ? e.message : String(e), { cause: e });
  }
  if (res.ok) return res;
  const error = ((await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null)?.error;
  const message = `${res.status} ${error?.code ?? ''}: ${error?.message ?? ''}`;
  // 4xx: this browser's subscription is not one the server takes (an unknown push service, say); 429: too often.
  if (res.status === 429) throw new PushError('too_many', message);
  throw new PushError(res.status >= 500 ? 'server_failed' : 'subscribe_failed', message);
}

/** The bytes of a VAPID public key (an uncompressed P-256 point, 65 bytes) in base64url; null if it is not one. */
export function vapidKeyBytes(value: unknown): Uint8Array<ArrayBuffer> | null {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+={0,2}$/.test(value)) return null;
  try {
    const bytes = base64urlBytes(value);
    return bytes.length === 65 ? bytes : null;
  } catch {
    return null;
  }
}

/** Every browser takes the key as bytes; not all take a base64url string. */
function base64urlBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
