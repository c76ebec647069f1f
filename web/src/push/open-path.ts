// Where a tap on a notification leads, and the message the service worker sends an open window of the app to
// show it there. Apart from notification.ts, so that the app's first chunk can listen without loading zod.

/**
 * The path a tap opens: the notification's `data.url` when it is a path of this app, else the start page.
 * "//host/x" and "/\host" are other origins to a browser, so only a single leading slash counts.
 */
export function openPathOf(data: unknown): string {
  const url = typeof data === 'object' && data !== null ? (data as { url?: unknown }).url : undefined;
  if (typeof url !== 'string' || !/^\/(?![/\\])/.test(url)) return '/';
  // Resolved against a placeholder origin: what is left after it is a path on whatever origin the app has.
  const resolved = new URL(url, 'https://app.invalid');
  return resolved.origin === 'https://app.invalid' ? `${resolved.pathname}${resolved.search}${resolved.hash}` : '/';
}

/** What the worker posts to an open window of the app to show a path in place, without reloading it. */
export interface OpenMessage {
  type: 'fieldwork:open';
  path: string;
}

export const openMessage = (path: string): OpenMessage => ({ type: 'fieldwork:open', path });

export function isOpenMessage(value: unknown): value is OpenMessage {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.type === 'fieldwork:open' && typeof v.path === 'string' && openPathOf({ url: v.path }) === v.path;
}
