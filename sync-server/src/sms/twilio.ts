// A real SMS provider: Twilio's Messages API over plain fetch (no SDK).
import type { SmsProvider } from './provider';

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  /** Sender: an E.164 number or a Messaging Service's alphanumeric id, as Twilio allows. */
  from: string;
  /** https://api.twilio.com, or a stand-in server in tests. */
  baseUrl: string;
  timeoutMs?: number;
}

/** What Twilio refused, with its numeric code (https://www.twilio.com/docs/api/errors) when it sent one. */
export class TwilioError extends Error {
  override name = 'TwilioError';
  constructor(
    message: string,
    readonly status: number,
    readonly twilioCode?: number,
  ) {
    super(message);
  }
}

export function createTwilioSms(opts: TwilioOptions): SmsProvider {
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return {
    name: 'twilio',
    async send(to, body) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ To: to, From: opts.from, Body: body }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.ok) {
        // Drain the body so the connection can be reused.
        await res.arrayBuffer();
        return;
      }
      const text = await res.text().catch(() => '');
      let detail: { code?: unknown; message?: unknown } = {};
      try {
        detail = JSON.parse(text) as typeof detail;
      } catch {
        // Not JSON (a proxy's error page, say): the status alone has to do.
      }
      const code = typeof detail.code === 'number' ? detail.code : undefined;
      const message = typeof detail.message === 'string' ? detail.message : text.slice(0, 200) || res.statusText;
      throw new TwilioError(`Twilio refused the message (HTTP ${res.status}${code ? `, code ${code}` : ''}): ${message}`, res.status, code);
    },
  };
}
