// @vitest-environment happy-dom
// Turning push on and off against the server's /push contract (stood in for at the fetch boundary) and a
// stand-in browser: each way it can fail becomes a problem with its own sentence, and "on" always means the
// server has the subscription.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pushSubscriptionInput } from '@shared/push';
import { subscriptionJson, fakePushBrowser, EARLIER_KEY, PUBLIC_KEY } from './test-support';
import { PushError, rebindPush, readPushState, turnPushOff, turnPushOn, forgetPushSubscription, vapidKeyBytes, PUSH_WANTED, type ServerHttp } from './push-device';
import { pushProblemOf, pushProblemText } from './push-problems';
import { pushMessages } from './messages';
import { interpolate } from '../i18n/i18n';

/** The account signed in, and someone who was signed in on this phone before. */
const USER = '0190a000-0000-7000-8000-000000000001';
const OTHER = '0190a000-0000-7000-8000-000000000002';

interface Seen {
  method: string;
  path: string;
  body: unknown;
}

type Answer = Response | 'network';

/** The server's /push routes: the key, and 204 for the rest unless `answers` says otherwise. */
function server(answers: Partial<Record<'key' | 'post' | 'delete', Answer>> = {}) {
  const seen: Seen[] = [];
  const http: ServerHttp = async (path, init = {}) => {
    const method = init.method ?? 'GET';
    seen.push({ method, path, body: init.body ? JSON.parse(String(init.body)) : undefined });
    const which = method === 'GET' ? 'key' : method === 'POST' ? 'post' : 'delete';
    const answer = answers[which];
    if (answer === 'network') throw new TypeError('Failed to fetch');
    if (answer) return answer.clone();
    return which === 'key' ? Response.json({ publicKey: PUBLIC_KEY }) : new Response(null, { status: 204 });
  };
  return { http, seen, posts: () => seen.filter((s) => s.method === 'POST') };
}

const refusal = (status: number, code: string, message: string) => Response.json({ error: { code, message } }, { status });

async function problemOf(promise: Promise<unknown>) {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PushError);
  return pushProblemOf(err);
}

beforeEach(() => localStorage.clear());
afterEach(() => localStorage.clear());

describe('the state of push on this device', () => {
  it('is unsupported without the browser parts, denied when blocked, on only with permission and a subscription', async () => {
    localStorage.setItem(PUSH_WANTED, USER);
    expect(await readPushState(null, USER)).toBe('unsupported');
    expect(await readPushState(fakePushBrowser({ permission: 'denied', subscribed: 'https://push.example.test/1' }), USER)).toBe('denied');
    expect(await readPushState(fakePushBrowser({ permission: 'default' }), USER)).toBe('off');
    expect(await readPushState(fakePushBrowser({ permission: 'granted' }), USER)).toBe('off');
    expect(await readPushState(fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/1' }), USER)).toBe('on');
    // Another account's subscription left on this phone is not on for the person signed in now.
    expect(await readPushState(fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/1' }), '0190a000-0000-7000-8000-00000000000b')).toBe('off');
    expect(await readPushState(fakePushBrowser({ permission: 'granted', noWorker: true }), USER)).toBe('off');
  });
});

describe('turning on', () => {
  it('asks, subscribes with the server key for visible notifications only, and registers the subscription', async () => {
    const browser = fakePushBrowser({ answer: 'granted' });
    const { http, seen } = server();
    await turnPushOn(browser, http, USER);
    expect(browser.asked).toBe(1);
    expect(browser.subscribeCalls).toHaveLength(1);
    const options = browser.subscribeCalls[0]!;
    expect(options.userVisibleOnly).toBe(true);
    expect(options.applicationServerKey).toEqual(vapidKeyBytes(PUBLIC_KEY));
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual(['GET /push/key', 'POST /push/subscriptions']);
    expect(seen[1]!.body).toEqual(subscriptionJson('https://push.example.test/send/1'));
    expect(pushSubscriptionInput.safeParse(seen[1]!.body).success).toBe(true);
    expect(await readPushState(browser, USER)).toBe('on');
    expect(localStorage.getItem(PUSH_WANTED)).toBe(USER);
  });

  it('does not ask again once allowed', async () => {
    const browser = fakePushBrowser({ permission: 'granted' });
    await turnPushOn(browser, server().http, USER);
    expect(browser.asked).toBe(0);
  });

  it('offline, asks nothing and says it needs a connection', async () => {
    const browser = fakePushBrowser({ online: false });
    const { http, seen } = server();
    expect(await problemOf(turnPushOn(browser, http, USER))).toBe('offline');
    expect(browser.asked).toBe(0);
    expect(seen).toEqual([]);
  });

  it('blocked by the person is `denied`; a question closed without an answer is `dismissed`', async () => {
    expect(await problemOf(turnPushOn(fakePushBrowser({ answer: 'denied' }), server().http, USER))).toBe('denied');
    expect(await problemOf(turnPushOn(fakePushBrowser({ permission: 'denied', answer: 'denied' }), server().http, USER))).toBe('denied');
    expect(await problemOf(turnPushOn(fakePushBrowser({ answer: 'default' }), server().http, USER))).toBe('dismissed');
  });

  it('when the push service refuses, says this browser could not, and tells the server nothing', async () => {
    const browser = fakePushBrowser({ answer: 'granted', subscribeFails: new DOMException('Registration failed - push service error', 'AbortError') });
    const { http, posts } = server();
    const err = await turnPushOn(browser, http, USER).catch((e: unknown) => e);
    expect(pushProblemOf(err)).toBe('subscribe_failed');
    expect((err as Error).message).toBe('AbortError: Registration failed - push service error');
    expect(posts()).toEqual([]);
  });

  it('replaces a subscription made with an earlier key of the server', async () => {
    const browser = fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/old', staleKey: true });
    const { http, posts } = server();
    await turnPushOn(browser, http, USER);
    expect(browser.unsubscribed).toEqual(['https://push.example.test/old']);
    expect(posts().map((p) => (p.body as { endpoint: string }).endpoint)).toEqual(['https://push.example.test/send/1']);
    expect(browser.current()?.options.applicationServerKey).toEqual(vapidKeyBytes(PUBLIC_KEY)!.buffer);
  });

  it('gives up on a push service that never answers, rather than leave the person waiting', async () => {
    vi.useFakeTimers();
    try {
      const browser = fakePushBrowser({ answer: 'granted', subscribeHangs: true });
      const turning = turnPushOn(browser, server().http, USER).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(30_000);
      const err = await turning;
      expect(pushProblemOf(err)).toBe('subscribe_failed');
      expect((err as Error).message).toBe('TimeoutError: No answer from the push service within 30 s.');
    } finally {
      vi.useRealTimers();
    }
  });

  it('with no service worker to subscribe with (the dev server), says this browser could not', async () => {
    expect(await problemOf(turnPushOn(fakePushBrowser({ answer: 'granted', noWorker: true }), server().http, USER))).toBe('subscribe_failed');
  });

  it.each([
    ['the key cannot be fetched', { key: 'network' as const }, 'offline'],
    ['the server has no usable key', { key: Response.json({ publicKey: 'not a key' }) }, 'server_failed'],
    ['the server fails to answer for the key', { key: refusal(503, 'unavailable', 'Try later.') }, 'server_failed'],
  ])('when %s, subscribes nothing', async (_what, answers, problem) => {
    const browser = fakePushBrowser({ answer: 'granted' });
    expect(await problemOf(turnPushOn(browser, server(answers).http, USER))).toBe(problem);
    expect(browser.subscribeCalls).toEqual([]);
  });

  it.each([
    ['the connection drops', 'network' as const, 'offline'],
    ['the server refuses this push service', refusal(400, 'invalid_request', 'This push service is not one we send to.'), 'subscribe_failed'],
    ['the server fails', refusal(500, 'internal', 'Something went wrong.'), 'server_failed'],
    ['the person turned it on too often', refusal(429, 'rate_limited', 'Too many notification sign-ups in an hour.'), 'too_many'],
  ])('when %s on registering, drops the subscription again, so that it does not look on', async (_what, post, problem) => {
    const browser = fakePushBrowser({ answer: 'granted' });
    expect(await problemOf(turnPushOn(browser, server({ post }).http, USER))).toBe(problem);
    expect(browser.unsubscribed).toEqual(['https://push.example.test/send/1']);
    expect(await readPushState(browser, USER)).toBe('off');
    expect(localStorage.getItem(PUSH_WANTED)).toBeNull();
  });

  it('has a sentence a person can act on for every problem, in both languages', () => {
    const t = (locale: 'en' | 'es') => (key: keyof typeof pushMessages.en) => interpolate(pushMessages[locale][key]);
    expect(pushProblemText('offline', t('en'))).toBe('Turning notifications on needs a connection. Try again when you are online.');
    expect(pushProblemText('subscribe_failed', t('en'))).toBe('This browser could not turn notifications on. Texts will still come.');
    expect(pushProblemText('denied', t('en'))).toContain('allow notifications in the site settings');
    expect(pushProblemText('subscribe_failed', t('es'))).toBe('Este navegador no pudo activar las notificaciones. Los SMS seguirán llegando.');
    for (const problem of ['offline', 'denied', 'dismissed', 'subscribe_failed', 'server_failed', 'too_many'] as const)
      for (const locale of ['en', 'es'] as const) expect(pushProblemText(problem, t(locale))).toMatch(/\.$/);
    // What is not ours to explain (a browser's own exception) reads as the browser failing.
    expect(pushProblemOf(new DOMException('boom', 'NotSupportedError'))).toBe('subscribe_failed');
  });
});

describe('turning off', () => {
  it('unsubscribes here and tells the server which subscription ended', async () => {
    const browser = fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/1' });
    localStorage.setItem(PUSH_WANTED, USER);
    const { http, seen } = server();
    await turnPushOff(browser, http);
    expect(browser.unsubscribed).toEqual(['https://push.example.test/1']);
    expect(await readPushState(browser, USER)).toBe('off');
    expect(localStorage.getItem(PUSH_WANTED)).toBeNull();
    await expect.poll(() => seen).toEqual([{ method: 'DELETE', path: '/push/subscriptions', body: { endpoint: 'https://push.example.test/1' } }]);
  });

  it('offline, still turns off here (the push service refuses the server later)', async () => {
    const browser = fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/1' });
    await turnPushOff(browser, server({ delete: 'network' }).http);
    expect(await readPushState(browser, USER)).toBe('off');
  });
});

describe('at app start', () => {
  const endpoints = (posts: Seen[]) => posts.map((p) => (p.body as { endpoint: string }).endpoint);

  it('registers the subscription of the account that turned push on again, for the session signed in now', async () => {
    localStorage.setItem(PUSH_WANTED, USER);
    const browser = fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/1' });
    const { http, seen } = server();
    expect(await rebindPush(browser, http, USER)).toBe(true);
    expect(seen).toEqual([
      { method: 'GET', path: '/push/key', body: undefined },
      { method: 'POST', path: '/push/subscriptions', body: subscriptionJson('https://push.example.test/1') },
    ]);
    expect(browser.unsubscribed).toEqual([]);
  });

  it('makes the subscription again when the server key has changed since, which would have every push refused', async () => {
    localStorage.setItem(PUSH_WANTED, USER);
    const browser = fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/old', staleKey: true });
    const { http, posts } = server();
    expect(await rebindPush(browser, http, USER)).toBe(true);
    expect(browser.asked).toBe(0);
    expect(browser.unsubscribed).toEqual(['https://push.example.test/old']);
    expect(browser.subscribeCalls.map((o) => o.applicationServerKey)).toEqual([vapidKeyBytes(PUBLIC_KEY)]);
    expect(endpoints(posts())).toEqual(['https://push.example.test/send/1']);
    expect(browser.current()?.options.applicationServerKey).toEqual(vapidKeyBytes(PUBLIC_KEY)!.buffer);
  });

  it('keeps a subscription made with an earlier key when the server key cannot be had (the next start tries again)', async () => {
    localStorage.setItem(PUSH_WANTED, USER);
    const browser = fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/old', staleKey: true });
    const { http, posts } = server({ key: 'network' });
    expect(await rebindPush(browser, http, USER)).toBe(false);
    expect(browser.unsubscribed).toEqual([]);
    expect(posts()).toEqual([]);
    expect(browser.current()?.options.applicationServerKey).toEqual(vapidKeyBytes(EARLIER_KEY)!.buffer);
  });

  it("ends another account's subscription, left by a session that ended without a sign-out, and registers nothing", async () => {
    localStorage.setItem(PUSH_WANTED, OTHER);
    const browser = fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/other' });
    const { http, seen } = server();
    expect(await rebindPush(browser, http, USER)).toBe(false);
    expect(browser.unsubscribed).toEqual(['https://push.example.test/other']);
    expect(await readPushState(browser, USER)).toBe('off');
    expect(seen).toEqual([]);
  });

  it('ends a subscription nobody here asked for, and makes none for another account', async () => {
    const unasked = fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/1' });
    const { http, seen } = server();
    expect(await rebindPush(unasked, http, USER)).toBe(false);
    expect(unasked.unsubscribed).toEqual(['https://push.example.test/1']);

    localStorage.setItem(PUSH_WANTED, OTHER);
    const lost = fakePushBrowser({ permission: 'granted' });
    expect(await rebindPush(lost, http, USER)).toBe(false);
    expect(lost.subscribeCalls).toEqual([]);
    expect(seen).toEqual([]);
  });

  it('does nothing without permission, offline, or with neither a subscription nor a wish for one', async () => {
    localStorage.setItem(PUSH_WANTED, USER);
    const { http, seen } = server();
    expect(await rebindPush(null, http, USER)).toBe(false);
    expect(await rebindPush(fakePushBrowser({ permission: 'default', subscribed: 'https://push.example.test/1' }), http, USER)).toBe(false);
    expect(await rebindPush(fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/1', online: false }), http, USER)).toBe(false);
    localStorage.removeItem(PUSH_WANTED);
    const none = fakePushBrowser({ permission: 'granted' });
    expect(await rebindPush(none, http, USER)).toBe(false);
    expect(none.subscribeCalls).toEqual([]);
    expect(seen).toEqual([]);
  });

  it('subscribes again when the browser lost the subscription of the account that wants push, without asking', async () => {
    localStorage.setItem(PUSH_WANTED, USER);
    const browser = fakePushBrowser({ permission: 'granted' });
    const { http, posts } = server();
    expect(await rebindPush(browser, http, USER)).toBe(true);
    expect(browser.asked).toBe(0);
    expect(endpoints(posts())).toEqual(['https://push.example.test/send/1']);
  });

  it('keeps quiet when the server cannot be reached', async () => {
    localStorage.setItem(PUSH_WANTED, USER);
    const browser = fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/1' });
    expect(await rebindPush(browser, server({ post: 'network' }).http, USER)).toBe(false);
    // The subscription stays: the next start tries again.
    expect(browser.current()).not.toBeNull();
  });
});

describe('sign-out', () => {
  it('unsubscribes this device', async () => {
    const browser = fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/1' });
    await forgetPushSubscription(browser);
    expect(browser.unsubscribed).toEqual(['https://push.example.test/1']);
    await expect(forgetPushSubscription(null)).resolves.toBeUndefined();
  });

  it('closes the notifications shown, which say what the news was', async () => {
    const browser = fakePushBrowser({ permission: 'granted', subscribed: 'https://push.example.test/1', shown: ['booking:fix-tap', 'chat:fix-tap'] });
    await forgetPushSubscription(browser);
    expect(browser.shown()).toEqual([]);
    // Also when there is no subscription left to end.
    const unsubscribed = fakePushBrowser({ permission: 'granted', shown: ['booking:fix-tap'] });
    await forgetPushSubscription(unsubscribed);
    expect(unsubscribed.shown()).toEqual([]);
  });
});

describe('the server key', () => {
  it('is taken only as a 65-byte key in base64url', () => {
    expect(vapidKeyBytes(PUBLIC_KEY)?.length).toBe(65);
    expect(vapidKeyBytes(`${PUBLIC_KEY}=`)?.length).toBe(65);
    for (const bad of [undefined, '', 'not a key', 'BA', `${PUBLIC_KEY}AAAA`, 'A'.repeat(85) + '+/', 'A'])
      expect(vapidKeyBytes(bad)).toBeNull();
  });
});
