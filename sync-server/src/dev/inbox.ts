// The dev inbox: what the development SMS sink "sent", as a page for people and JSON for tests and scripts.
// Mounted only when SMS_PROVIDER=dev, which loadConfig refuses in production.
import { isIP } from 'node:net';
import { Hono } from 'hono';
import type { Deps } from '../deps';
import { HttpError } from '../errors';
import { forwardedFor, isLoopbackAddress } from '../http/client-address';
import { normalizePhone } from '../auth/phone';

const LIMIT = 50;

interface DevSms {
  id: number;
  to: string;
  body: string;
  createdAt: Date;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * Whether the name a request was sent to is one no other site can take over: this machine's (localhost), an
 * address, or our own public name. A page on another site whose name it points at 127.0.0.1 after loading (DNS
 * rebinding) reaches this server as same-origin to itself, and would read sign-in codes from the inbox.
 */
export function hostIsOurs(url: string, publicBaseUrl: string): boolean {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || isIP(host) !== 0 || host === new URL(publicBaseUrl).hostname.toLowerCase();
}

export function devInboxRoutes(deps: Deps) {
  /** The `?to=` filter as E.164. A raw "+" in a query string decodes to a space, so a leading space before digits is read back as "+". */
  function toFilter(raw: string | undefined): string | undefined {
    if (raw === undefined || raw.trim() === '') return undefined;
    const phone = normalizePhone(raw.replace(/^ (?=\d)/, '+'), deps.config.DEFAULT_COUNTRY);
    if (!phone) throw new HttpError('invalid_request', `?to= must be a phone number, e.g. ?to=%2B12015550123; got "${raw.slice(0, 40)}".`);
    return phone;
  }

  async function latest(to: string | undefined): Promise<DevSms[]> {
    return deps.sql<DevSms[]>`
      select id, to_phone as "to", body, created_at from dev_sms
      ${to ? deps.sql`where to_phone = ${to}` : deps.sql``}
      order by id desc
      limit ${LIMIT}`;
  }

  return new Hono()
    // loadConfig keeps HOST on this machine unless DEMO_ON_NETWORK says otherwise, but a proxy on this
    // machine passes on whoever reaches it. What came through a production proxy (TRUST_PROXY) is refused, and
    // so is what the dev server's proxy forwarded for another machine (`npm run dev -- --host`, a phone on the
    // LAN): Vite names the browser's address last in X-Forwarded-For.
    .use(async (c, next) => {
      if (!hostIsOurs(c.req.url, deps.config.PUBLIC_BASE_URL))
        throw new HttpError('not_found', 'The dev inbox answers only to this machine\'s own names (localhost, an address, PUBLIC_BASE_URL).');
      const forwardedAddress = forwardedFor(c);
      const fromElsewhere = deps.config.TRUST_PROXY || !isLoopbackAddress(forwardedAddress ?? '');
      if (forwardedAddress !== undefined && fromElsewhere && !deps.config.DEMO_ON_NETWORK)
        throw new HttpError('not_found', 'The dev inbox answers only on this machine, not through a proxy; set DEMO_ON_NETWORK=true for a demo on a network you trust.');
      await next();
    })
    .get('/inbox.json', async (c) => {
      const messages = await latest(toFilter(c.req.query('to')));
      c.header('cache-control', 'no-store');
      return c.json({ messages: messages.map((m) => ({ id: m.id, to: m.to, body: m.body, createdAt: m.createdAt.toISOString() })) });
    })
    .get('/inbox', async (c) => {
      const to = toFilter(c.req.query('to'));
      const messages = await latest(to);
      const items = messages
        .map((m) => {
          const code = /\b\d{6}\b/.exec(m.body)?.[0];
          const iso = m.createdAt.toISOString();
          return `<li><article>
<h2>To <span class="to">${escapeHtml(m.to)}</span></h2>
${code ? `<p class="code">${escapeHtml(code)}</p>` : ''}
<p class="body">${escapeHtml(m.body)}</p>
<p class="time"><time datetime="${iso}">${escapeHtml(iso.replace('T', ' ').slice(0, 19))} UTC</time></p>
</article></li>`;
        })
        .join('\n');
      c.header('cache-control', 'no-store');
      return c.html(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5">
<title>Dev SMS inbox · Fieldwork</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; padding: 1rem; max-width: 40rem; color: #111; background: #fff; }
  h1 { font-size: 1.4rem; }
  h2 { font-size: 1rem; margin: 0; }
  ol { list-style: none; padding: 0; }
  li { border: 1px solid #888; border-radius: .5rem; padding: .75rem; margin: 0 0 .75rem; }
  .code { font: 700 2rem/1.2 ui-monospace, monospace; letter-spacing: .15em; margin: .25rem 0; }
  .body { margin: .25rem 0; overflow-wrap: anywhere; }
  .time { color: #444; font-size: .875rem; margin: 0; }
  a { color: #0645ad; }
</style>
</head>
<body>
<main>
<h1>Dev SMS inbox</h1>
<p>Text messages the development sink "sent", newest first (at most ${LIMIT}). This page refreshes every 5 seconds; add <code>?to=%2B12015550123</code> to the address to see one number.</p>
${to ? `<p>Showing messages to ${escapeHtml(to)} only. <a href="inbox">Show all</a></p>` : ''}
${messages.length ? `<ol>\n${items}\n</ol>` : '<p>No messages yet. Sign-in codes appear here, and so does the news people are texted (a booking’s steps, disputes) within a minute of it happening.</p>'}
<p><a href="inbox.json${to ? `?to=${encodeURIComponent(to)}` : ''}">JSON</a></p>
</main>
</body>
</html>`);
    });
}
