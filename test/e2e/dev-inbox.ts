// Sign-in codes from the development SMS sink, read the way a tester reads /dev/inbox.

interface InboxMessage {
  id: number;
  to: string;
  body: string;
  createdAt: string;
}

/**
 * The newest 6-digit code texted to `phone`, waiting for it to arrive (the code is sent after the request
 * commits). Pass `afterId` (from `lastInboxId`) to ignore codes sent before a given moment.
 */
export async function readDevInboxCode(baseUrl: string, phone: string, opts: { afterId?: number; timeoutMs?: number } = {}): Promise<string> {
  const until = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const message = (await inbox(baseUrl, phone)).find((m) => m.id > (opts.afterId ?? 0) && /\b\d{6}\b/.test(m.body));
    if (message) return /\b(\d{6})\b/.exec(message.body)![1]!;
    if (Date.now() > until) throw new Error(`no sign-in code for ${phone} in ${baseUrl}/dev/inbox within ${opts.timeoutMs ?? 10_000} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The id of the newest message to `phone`, or 0: a bookmark for `readDevInboxCode({ afterId })`. */
export async function lastInboxId(baseUrl: string, phone: string): Promise<number> {
  return (await inbox(baseUrl, phone))[0]?.id ?? 0;
}

async function inbox(baseUrl: string, phone: string): Promise<InboxMessage[]> {
  const res = await fetch(`${baseUrl}/dev/inbox.json?to=${encodeURIComponent(phone)}`);
  if (!res.ok) throw new Error(`GET /dev/inbox.json answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { messages: InboxMessage[] }).messages; // newest first
}
