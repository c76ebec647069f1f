// A new deployed version is offered with "Update", never swapped in silently; sign-out leaves nothing of the
// user on the device (local database, cached responses, session cookie).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Page } from 'playwright-core';
import { PEOPLE, signIn, waitControlled, waitUpToDate } from './app';
import { useE2e } from './fixture';
import { startE2eServer } from './server';

const e2e = useE2e();

describe('a new version', () => {
  it('is offered with an Update button, and Update reloads into it', async () => {
    // A server of our own over a copy of the build, so "deploying" does not touch the other tests' files.
    const dist = await fs.mkdtemp(path.join(os.tmpdir(), 'fieldwork-web-next-'));
    await fs.cp(inject('webDist'), dist, { recursive: true });
    const server = await startE2eServer({ env: { WEB_DIST_DIR: dist } });
    const context = await e2e.chromium().newContext({ locale: 'en-US' });
    try {
      const page = await context.newPage();
      await page.goto(server.baseUrl);
      await waitControlled(page);
      const before = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);
      expect(await page.getByTestId('update-prompt').count()).toBe(0);

      // Deploy: a service worker that differs by a byte is a new version to the browser.
      await fs.appendFile(path.join(dist, 'sw.js'), '\n// next release\n');
      await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
      const prompt = page.getByTestId('update-prompt');
      await prompt.waitFor({ timeout: 20_000 });
      expect(await prompt.innerText()).toContain('A new version of Fieldwork is ready.');
      // Still the old worker until the user says so.
      expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(before);
      const waiting = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.waiting !== null);
      expect(waiting).toBe(true);

      await Promise.all([page.waitForEvent('load', { timeout: 20_000 }), prompt.getByRole('button', { name: 'Update' }).click()]);
      await expect
        .poll(() => page.evaluate(async () => ((await navigator.serviceWorker.getRegistration())?.waiting ?? null) === null && navigator.serviceWorker.controller !== null), { timeout: 10_000 })
        .toBe(true);
      expect(await page.getByTestId('update-prompt').count()).toBe(0);
    } finally {
      await context.close();
      await server.close();
      await fs.rm(dist, { recursive: true, force: true });
    }
  });
});

describe('sign-out', () => {
  it('wipes the local database, the cached responses and the session cookie, and shows sign-in', async () => {
    const { baseUrl } = e2e.server();
    const context = await e2e.chromium().newContext({ locale: 'en-US' });
    try {
      const page = await signIn(context, baseUrl, PEOPLE.carla, '/c');
      await waitControlled(page);
      await waitUpToDate(page);
      const databases = () => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
      expect((await databases()).some((n) => n.includes('fw'))).toBe(true);
      expect((await context.cookies()).some((c) => c.httpOnly)).toBe(true);

      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Mobile number').waitFor();

      // RxDB keeps one IndexedDB database per collection and one for its metadata: none of them is left.
      expect((await databases()).filter((n) => n.includes('fw'))).toEqual([]);
      const caches = await page.evaluate(async () => await globalThis.caches.keys());
      expect(caches.filter((n) => !n.startsWith('workbox-precache'))).toEqual([]);
      expect(await context.cookies()).toEqual([]);
      expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k !== 'fw.locale'))).toEqual([]);
      // The old session is over on the server too.
      const refresh = await page.evaluate(() => fetch('/auth/refresh', { method: 'POST' }).then((r) => r.status));
      expect(refresh).toBe(401);
    } finally {
      await context.close();
    }
  });

  it('forgets another account left on the phone when its session ended without a sign-out', async () => {
    const { baseUrl } = e2e.server();
    const context = await e2e.chromium().newContext({ locale: 'en-US' });
    const accounts = (page: Page) =>
      page.evaluate(async () => [...new Set((await indexedDB.databases()).map((d) => /^rxdb-dexie-(fw[0-9a-f]+)--/.exec(d.name ?? '')?.[1]).filter(Boolean))]);
    try {
      const first = await signIn(context, baseUrl, PEOPLE.carla, '/c');
      await waitUpToDate(first);
      const carla = await accounts(first);
      expect(carla).toHaveLength(1);
      // Her session ends on its own (the app forgets who was signed in; no sign-out, nothing wiped).
      await context.clearCookies();
      await first.evaluate(() => localStorage.removeItem('fw.session'));
      await first.close();
      const between = await context.newPage();
      await between.goto(baseUrl);
      await between.getByLabel('Mobile number').waitFor();
      // Still here: were she to sign in again, what she left unsent would go.
      expect(await accounts(between)).toEqual(carla);
      await between.close();

      const second = await signIn(context, baseUrl, PEOPLE.omar, '/o');
      await waitUpToDate(second);
      const now = await accounts(second);
      expect(now).toHaveLength(1);
      expect(now).not.toEqual(carla);
    } finally {
      await context.close();
    }
  });
});
