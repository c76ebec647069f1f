// What the service worker shows for a push and where a tap on it leads. Pure, and free of DOM and React: the
// service worker (web/sw/push-sw.ts, its own bundle and tsconfig) imports it, and so do the app and the tests.
import { isPushPayload } from '@shared/push-payload';
import { firstSpoken, type Locale } from '@shared/locales';
import { openPathOf } from './open-path';

/** NotificationOptions with Chrome's `renotify`, which TypeScript's libraries no longer list. */
export type ShownOptions = NotificationOptions & { renotify?: boolean };

export interface ShownNotification {
  title: string;
  options: ShownOptions;
}

export const ICON = '/icons/icon-192.png';
/** Android's status-bar mark: the pin's shape alone (scripts/make-icons.ts). */
export const BADGE = '/icons/badge-96.png';

/**
 * Said when a push carries nothing we can read. Chrome grants push only with userVisibleOnly, so every push
 * must show something; these words live here, not in a messages.ts, because the worker cannot load React.
 */
const GENERIC: Record<Locale, { title: string; body: string }> = {
  en: { title: 'Fieldwork', body: 'There is news for you in Fieldwork. Open the app to see it.' },
  es: { title: 'Fieldwork', body: 'Tienes novedades en Fieldwork. Abre la app para verlas.' },
};

/** Parses a push's data as text; anything but a PushPayload (no data, not JSON, another shape) is undefined. */
export function payloadOf(text: string | null | undefined) {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isPushPayload(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The notification for a push's data; `languages` (navigator.languages) choose the generic words' language. */
export function notificationFor(text: string | null | undefined, languages: readonly string[]): ShownNotification {
  const payload = payloadOf(text);
  if (!payload) {
    const words = GENERIC[firstSpoken(languages)];
    // One tag for every unreadable push: a burst of them is one notification, not a pile.
    return { title: words.title, options: { body: words.body, icon: ICON, badge: BADGE, tag: 'fieldwork', data: { url: '/' } } };
  }
  const options: ShownOptions = { body: payload.body, icon: ICON, badge: BADGE, data: { url: openPathOf({ url: payload.url }) } };
  if (payload.tag) {
    options.tag = payload.tag;
    // A newer message on the same chat replaces the old notification and buzzes again, instead of silently.
    // (Chrome refuses renotify without a tag.)
    options.renotify = true;
  }
  return { title: payload.title || GENERIC.en.title, options };
}
