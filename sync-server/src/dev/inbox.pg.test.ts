import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { createTestApp, type TestApp } from '../../test/app';
import { createDevSink } from '../sms/dev-sink';

let db: TestDb;
let t: TestApp;
beforeAll(async () => {
  db = await createTestDb();
  t = createTestApp(db.sql);
  // Through the provider, as the auth routes send.
  await t.deps.sms.send('+12015550101', 'Your Fieldwork code is 111111. It expires in 10 minutes.');
  await t.deps.sms.send('+12015550102', '<script>alert("x")</script> & "quotes"');
  await t.deps.sms.send('+12015550101', 'Your Fieldwork code is 222222. It expires in 10 minutes.');
});
afterAll(async () => {
  await db.drop();
});

interface Inbox {
  messages: { id: number; to: string; body: string; createdAt: string }[];
}

describe('dev inbox', () => {
  it('is the dev sink that was chosen', () => {
    expect(t.deps.sms.name).toBe('dev');
  });

  it('lists messages as JSON, newest first', async () => {
    const res = await t.app.request('/dev/inbox.json');
    expect(res.status).toBe(200);
    const { messages } = (await res.json()) as Inbox;
    expect(messages.map((m) => m.to)).toEqual(['+12015550101', '+12015550102', '+12015550101']);
    expect(messages[0]).toEqual({ id: expect.any(Number), to: '+12015550101', body: expect.stringContaining('222222'), createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('filters by number, normalizing it', async () => {
    for (const q of ['%2B12015550101', '(201)%20555-0101', '+12015550101' /* "+" decodes to a space */]) {
      const { messages } = (await (await t.app.request(`/dev/inbox.json?to=${q}`)).json()) as Inbox;
      expect(messages.map((m) => m.body.match(/\d{6}/)?.[0])).toEqual(['222222', '111111']);
    }
    const { messages } = (await (await t.app.request('/dev/inbox.json?to=%2B12015550199')).json()) as Inbox;
    expect(messages).toEqual([]);
    const bad = await t.app.request('/dev/inbox.json?to=nope');
    expect(bad.status).toBe(400);
  });

  it('renders an accessible page that escapes what it shows', async () => {
    const res = await t.app.request('/dev/inbox');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<meta http-equiv="refresh" content="5">');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#34;quotes&#34;');
    // Newest first.
    expect(html.indexOf('222222')).toBeLessThan(html.indexOf('&#60;script&#62;'));
    expect(html.indexOf('&#60;script&#62;')).toBeLessThan(html.indexOf('111111'));
  });

  it('filters the page too', async () => {
    const html = await (await t.app.request('/dev/inbox?to=%2B12015550102')).text();
    expect(html).toContain('&#60;script&#62;');
    expect(html).not.toContain('222222');
  });

  it('behind a proxy (TRUST_PROXY), answers only on this machine, not what came through the proxy', async () => {
    const proxied = createTestApp(db.sql, { TRUST_PROXY: 'true' });
    for (const headers of [{ 'x-forwarded-for': '203.0.113.9' }, { forwarded: 'for=203.0.113.9' }] as Record<string, string>[]) {
      for (const path of ['/dev/inbox.json', '/dev/inbox']) {
        const res = await proxied.app.request(path, { headers });
        expect(res.status).toBe(404);
        expect(await res.text()).not.toContain('111111');
      }
      // Said out loud, for a demo on a trusted network.
      expect((await createTestApp(db.sql, { TRUST_PROXY: 'true', DEMO_ON_NETWORK: 'true' }).app.request('/dev/inbox.json', { headers })).status).toBe(200);
    }
    expect((await proxied.app.request('/dev/inbox.json')).status).toBe(200);
  });

  it("through the dev server's proxy, answers this machine but not a phone on the LAN (`npm run dev -- --host`)", async () => {
    // Vite forwards with X-Forwarded-For (xfwd), the browser's address last.
    for (const local of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '198.51.100.7, 127.0.0.1'])
      expect((await t.app.request('/dev/inbox.json', { headers: { 'x-forwarded-for': local } })).status).toBe(200);
    for (const lan of ['192.168.1.23', '127.0.0.1, 192.168.1.23', 'not-an-address']) {
      const res = await t.app.request('/dev/inbox', { headers: { 'x-forwarded-for': lan } });
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('DEMO_ON_NETWORK=true');
    }
    expect((await t.app.request('/dev/inbox.json', { headers: { forwarded: 'for=127.0.0.1' } })).status).toBe(404);
    expect((await createTestApp(db.sql, { DEMO_ON_NETWORK: 'true' }).app.request('/dev/inbox.json', { headers: { 'x-forwarded-for': '192.168.1.23' } })).status).toBe(200);
    expect((await t.app.request('/dev/inbox.json')).status).toBe(200);
  });

  it('answers only to names no other site can point at this machine (DNS rebinding)', async () => {
    for (const host of ['localhost:8787', '127.0.0.1:8787', '[::1]:8787', '192.168.1.23:8787', 'fieldwork.localhost'])
      expect((await t.app.request(`http://${host}/dev/inbox.json`)).status, host).toBe(200);
    for (const host of ['attacker.example:8787', 'localhost.attacker.example', '127.0.0.1.nip.io']) {
      const res = await t.app.request(`http://${host}/dev/inbox.json`);
      expect(res.status, host).toBe(404);
      expect(await res.text()).not.toContain('111111');
    }
    // Our own public name is ours.
    const named = createTestApp(db.sql, { PUBLIC_BASE_URL: 'https://demo.fieldwork.test' });
    expect((await named.app.request('https://demo.fieldwork.test/dev/inbox.json')).status).toBe(200);
  });

  it('does not log message bodies', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    await createDevSink(db.sql, log).send('+12015550103', 'Your Fieldwork code is 333333. It expires in 10 minutes.');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('333333');
  });
});
