// The service worker's push handlers. Workbox generates sw.js (vite.config.ts, generateSW) and loads this file
// into it with importScripts, built on its own as a classic script (scripts/push-worker.ts): each push becomes
// a notification, and a tap on one opens its page in the app.
import { notificationFor } from '../src/push/notification';
import { openMessage, openPathOf } from '../src/push/open-path';

declare let self: ServiceWorkerGlobalScope;

/** How long an open window of the app has to say it showed the page itself, before the worker loads it there. */
const ANSWER_MS = 1000;

// Every push shows a notification, a readable one or a generic one: the app subscribed with userVisibleOnly,
// and Chrome answers a push that shows nothing with a notification of its own (and may end the subscription).
self.addEventListener('push', (event) => {
  const { title, options } = notificationFor(textOf(event.data), self.navigator.languages);
  event.waitUntil(self.registration.showNotification(title, options));
});

/** The push's data as text; data that is not text at all counts as none. */
function textOf(data: PushMessageData | null): string | null {
  try {
    return data?.text() ?? null;
  } catch {
    return null;
  }
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(open(openPathOf(event.notification.data)));
});

/**
 * Brings the app forward on `path`: an open window shows it in place (no reload, no database to open again);
 * a window that does not answer, such as the dev inbox or an older version of the app, loads it; with no
 * window that can, a new one opens.
 *
 * The tap lets the worker bring forward or open a window, for a while (10 s in Chromium), but in Chromium a
 * focus() may use that up: a window is focused only once it shows the page, so that openWindow, the last
 * resort, still may.
 */
async function open(path: string): Promise<void> {
  const url = new URL(path, self.location.origin).href;
  const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const tab = tabs.find((t) => t.focused) ?? tabs.find((t) => t.visibilityState === 'visible') ?? tabs[0];
  if (!tab) {
    await self.clients.openWindow(url);
    return;
  }
  if (await shownInPlace(tab, path)) {
    await tab.focus().catch(() => undefined);
    return;
  }
  // navigate() refuses a window this worker does not control; it resolves null when the page left the origin.
  const navigated = await tab.navigate(url).catch(() => null);
  if (navigated) {
    await navigated.focus().catch(() => undefined);
    return;
  }
  await self.clients.openWindow(url);
}

/** Asks the app in `tab` to show `path` itself (web/src/push/use-open-from-notification.ts); true once it says it did. */
function shownInPlace(tab: WindowClient, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(false), ANSWER_MS);
    channel.port1.onmessage = () => {
      clearTimeout(timer);
      resolve(true);
    };
    tab.postMessage(openMessage(path), [channel.port2]);
  });
}
