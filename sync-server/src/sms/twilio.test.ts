import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { createLogger } from '../log';
import type { Sql } from '../db/sql';
import { createSms } from './index';
import { createTwilioSms, TwilioError } from './twilio';

// A stand-in for Twilio's Messages API at the edge of the world: same path, auth, form body and JSON shapes.
const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'auth-token-123';
const BAD_TO = '+12015550199';

interface Received {
  method: string;
  url: string;
  contentType: string | undefined;
  form: Record<string, string>;
}

let server: Server;
let baseUrl: string;
let received: Received[] = [];
let hang = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      if (hang) return; // Never answer: the client's timeout must fire.
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`)
        return json(401, { code: 20003, message: 'Authenticate', status: 401 });
      if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${SID}/Messages.json`)
        return json(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      const form = Object.fromEntries(new URLSearchParams(raw));
      received.push({ method: req.method, url: req.url, contentType: req.headers['content-type'], form });
      if (form.To === BAD_TO) return json(400, { code: 21211, message: "Invalid 'To' Phone Number", more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 });
      json(201, { sid: 'SM' + '0'.repeat(32), status: 'queued', to: form.To, from: form.From, body: form.Body });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  hang = false;
});

const provider = (over: Partial<Parameters<typeof createTwilioSms>[0]> = {}) =>
  createTwilioSms({ accountSid: SID, authToken: TOKEN, from: '+12015550100', baseUrl: `${baseUrl}/`, ...over });

describe('Twilio SMS provider', () => {
  it('posts To, From and Body as a form with basic auth', async () => {
    const sms = provider();
    expect(sms.name).toBe('twilio');
    await sms.send('+12015550123', 'Your Fieldwork code is 123456. It expires in 10 minutes.');
    expect(received).toEqual([
      {
        method: 'POST',
        url: `/2010-04-01/Accounts/${SID}/Messages.json`,
        contentType: expect.stringMatching(/^application\/x-www-form-urlencoded/),
        form: { To: '+12015550123', From: '+12015550100', Body: 'Your Fieldwork code is 123456. It expires in 10 minutes.' },
      },
    ]);
  });

  it("surfaces Twilio's error code and message", async () => {
    const err = await provider()
      .send(BAD_TO, 'hello')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TwilioError);
    expect(err).toMatchObject({ status: 400, twilioCode: 21211 });
    expect((err as Error).message).toBe("Twilio refused the message (HTTP 400, code 21211): Invalid 'To' Phone Number");
    // The message body (a sign-in code, in practice) never ends up in the error.
    expect((err as Error).message).not.toContain('hello');
  });

  it('fails on bad credentials', async () => {
    await expect(provider({ authToken: 'wrong' }).send('+12015550123', 'x')).rejects.toThrow(/HTTP 401, code 20003\): Authenticate/);
    expect(received).toEqual([]);
  });

  it('gives up after its timeout', async () => {
    hang = true;
    await expect(provider({ timeoutMs: 200 }).send('+12015550123', 'x')).rejects.toThrow(/timeout|aborted/i);
  });

  it('is what createSms chooses for SMS_PROVIDER=twilio, pointed at TWILIO_BASE_URL', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: TOKEN,
      TWILIO_FROM: '+12015550100',
      TWILIO_BASE_URL: baseUrl,
    });
    // The Twilio provider never touches the database.
    const sms = createSms(config, undefined as unknown as Sql, createLogger('silent'));
    expect(sms.name).toBe('twilio');
    await sms.send('+12015550124', 'hi');
    expect(received.map((r) => r.form)).toEqual([{ To: '+12015550124', From: '+12015550100', Body: 'hi' }]);
  });
});
