// What one push carries (shared/src/push.ts has the routes). Without zod: the service worker bundles this.

/** What one push carries, as JSON: the service worker shows it as a notification. */
export interface PushPayload {
  /** The notification's title. */
  title: string;
  /** One sentence in the recipient's language. */
  body: string;
  /** A path in the app to open on a tap, such as /b/<booking id>. */
  url: string;
  /** Notifications with one tag replace each other (a booking's chat); absent, each stands alone. */
  tag?: string;
}

export function isPushPayload(value: unknown): value is PushPayload {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.title === 'string' && typeof v.body === 'string' && typeof v.url === 'string' && v.url.startsWith('/') && (v.tag === undefined || typeof v.tag === 'string');
}
