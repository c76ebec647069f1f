// The browser-test harness checked against itself: offline really reaches the service worker (with and
// without Playwright's own help), axe reports what it should, and sign-in codes come out of the dev inbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAxe } from './axe';
import { useE2e } from './fixture';
import { lastInboxId, readDevInboxCode } from './dev-inbox';
import { setNetwork } from './network';
import { FETCH_STATUS, openControlledApp } from './service-worker';

const e2e = useE2e();

describe('setNetwork', () => {
  it('cuts the page and its service worker, and brings both back', async () => {
    const context = await e2e.chromium().newContext({ locale: 'en-US' });
    const { page, worker } = await openControlledApp(context, e2e.server().baseUrl);
    expect(await worker.evaluate(FETCH_STATUS, '/healthz')).toBe(200);

    await setNetwork(page, true);
    expect(await page.evaluate(FETCH_STATUS, '/healthz')).toMatch(/^failed/);
    expect(await worker.evaluate(FETCH_STATUS, '/healthz')).toMatch(/^failed/);

    await setNetwork(context, false);
    expect(await page.evaluate(FETCH_STATUS, '/healthz')).toBe(200);
    expect(await worker.evaluate(FETCH_STATUS, '/healthz')).toBe(200);
    await context.close();
  });

  describe('without Playwright reaching service workers', () => {
    // Playwright emulates offline on service workers itself in current versions; this switch (read when a
    // worker starts) turns that off, so what remains is the harness's own DevTools emulation.
    beforeAll(() => void (process.env.PLAYWRIGHT_DISABLE_SERVICE_WORKER_NETWORK = '1'));
    afterAll(() => void delete process.env.PLAYWRIGHT_DISABLE_SERVICE_WORKER_NETWORK);

    it('still cuts the service worker', async () => {
      const context = await e2e.chromium().newContext({ locale: 'en-US' });
      const { page, worker } = await openControlledApp(context, e2e.server().baseUrl);
      // The control: Playwright's switch alone now leaves the worker online.
      await context.setOffline(true);
      expect(await worker.evaluate(FETCH_STATUS, '/healthz')).toBe(200);
      await context.setOffline(false);

      await setNetwork(page, true);
      expect(await worker.evaluate(FETCH_STATUS, '/healthz')).toMatch(/^failed/);
      await setNetwork(page, false);
      expect(await worker.evaluate(FETCH_STATUS, '/healthz')).toBe(200);
      await context.close();
    });
  });
});

describe('runAxe', () => {
  it('reports serious and critical violations with a readable summary', async () => {
    const context = await e2e.chromium().newContext();
    const page = await context.newPage();
    await page.setContent('<!doctype html><html lang="en"><title>t</title><main><img src="data:,"><button></button></main></html>');
    const violations = await runAxe(page);
    expect(violations.map((v) => v.id).sort()).toEqual(['button-name', 'image-alt']);
    expect(violations.find((v) => v.id === 'image-alt')!.summary).toMatch(/^image-alt \(critical\): .+ — img — https:\/\//);
    await context.close();
  });

  it('runs inside the app under its Content-Security-Policy, which finds nothing serious on the sign-in page', async () => {
    const context = await e2e.chromium().newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(e2e.server().baseUrl);
    await page.getByLabel('Mobile number').waitFor();
    expect((await runAxe(page)).map((v) => v.summary)).toEqual([]);
    await context.close();
  });
});

describe('readDevInboxCode', () => {
  it('returns the newest code texted to a number, ignoring older ones', async () => {
    const phone = '+14155550112';
    const send = () => fetch(`${e2e.server().baseUrl}/auth/code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone }) });
    expect((await send()).status).toBe(202);
    const first = await readDevInboxCode(e2e.server().baseUrl, phone);
    expect(first).toMatch(/^\d{6}$/);
    const mark = await lastInboxId(e2e.server().baseUrl, phone);
    expect((await send()).status).toBe(202);
    const second = await readDevInboxCode(e2e.server().baseUrl, phone, { afterId: mark });
    expect(second).toMatch(/^\d{6}$/);
    await expect(readDevInboxCode(e2e.server().baseUrl, '+14155550113', { timeoutMs: 300 })).rejects.toThrow(/no sign-in code/);
  });
});
