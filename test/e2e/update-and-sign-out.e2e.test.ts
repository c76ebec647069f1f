// A new deployed version is offered with "Update", never swapped in silently; sign-out leaves nothing of the
// user on the device (local database, cached responses, session cookie), shows the sign-in screen without
// waiting for the network, and a logout that could not be sent never ends the next person's session.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Page, Route } from 'playwright-core';
import { applied, gigInput, run } from '../../sync-server/test/fixtures';
import { PEOPLE, signIn, userIdOf, waitControlled, waitUpToDate } from './app';
import { useE2e } from './fixture';
import { startE2eServer } from './server';

const e2e = useE2e();

/** Why the person's latest session ended on the server; null while it lasts. */
async function latestSessionEnd(phone: string): Promise<string | null> {
  const [row] = await e2e.server().db.sql<{ revokedReason: string | null }[]>`
    select s.revoked_reason from sessions s join users u on u.id = s.user_id where u.phone = ${phone} order by s.created_at desc limit 1`;
  return row!.revokedReason;
}

const databases = (page: Page) => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? '').filter((n) => n.includes('fw')));

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
      expect((await databases(page)).length).toBeGreaterThan(0);
      expect((await context.cookies()).some((c) => c.httpOnly)).toBe(true);

      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Mobile number').waitFor();

      // The wipe and the logout finish behind the sign-in screen. RxDB keeps one IndexedDB database per
      // collection and one for its metadata: none of them is left.
      await expect.poll(() => databases(page), { timeout: 10_000 }).toEqual([]);
      const caches = await page.evaluate(async () => await globalThis.caches.keys());
      expect(caches.filter((n) => !n.startsWith('workbox-precache'))).toEqual([]);
      await expect.poll(() => context.cookies(), { timeout: 10_000 }).toEqual([]);
      expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k !== 'fw.locale'))).toEqual([]);
      // The old session is over on the server too.
      const refresh = await page.evaluate(() => fetch('/auth/refresh', { method: 'POST' }).then((r) => r.status));
      expect(refresh).toBe(401);
    } finally {
      await context.close();
    }
  });

  it('shows sign-in at once when the logout never gets an answer, and tells the server once it can', async () => {
    const { baseUrl, db } = e2e.server();
    const title = 'Hang a heavy mirror';
    // Each test signs in someone else: the server sends a number at most three codes in 15 minutes.
    applied(await run(db.sql, await userIdOf(db.sql, PEOPLE.ada), 'gig.post', gigInput({ title })));
    const context = await e2e.chromium().newContext({ locale: 'en-US' });
    try {
      const page = await signIn(context, baseUrl, PEOPLE.ada, '/c');
      await page.getByTestId('gig-item').filter({ hasText: title }).waitFor({ timeout: 20_000 });
      await waitUpToDate(page);

      // A dead link for the first logout: the request leaves and nothing ever answers it. Later ones go through.
      const held: Route[] = [];
      await context.route('**/auth/logout', (route) => {
        held.push(route);
        if (held.length > 1) void route.continue();
      });
      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Mobile number').waitFor({ timeout: 5_000 });
      expect(await page.locator('body').innerText()).not.toContain(title);
      await expect.poll(() => held.length).toBe(1);
      await expect.poll(() => databases(page), { timeout: 10_000 }).toEqual([]);
      // Owed to the server, which has not heard of it: Ada's session still lasts there.
      expect(await page.evaluate(() => localStorage.getItem('fw.pending-logout'))).toBe('1');
      expect(await latestSessionEnd(PEOPLE.ada)).toBeNull();

      // The unanswered request is given up after its time limit (15 s); the next time the browser says it is
      // online the logout goes again, gets through, and the session ends and the cookie goes.
      const gaveUp = Date.now();
      await expect
        .poll(
          async () => {
            await page.evaluate(() => window.dispatchEvent(new Event('online')));
            return latestSessionEnd(PEOPLE.ada);
          },
          { timeout: 40_000, interval: 2_000 },
        )
        .toBe('logout');
      expect(held).toHaveLength(2);
      expect(Date.now() - gaveUp).toBeGreaterThan(8_000);
      await expect.poll(() => page.evaluate(() => localStorage.getItem('fw.pending-logout'))).toBeNull();
      expect(await context.cookies()).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a logout that failed is dropped when the next person signs in, and never ends their session', async () => {
    const { baseUrl } = e2e.server();
    const context = await e2e.chromium().newContext({ locale: 'en-US' });
    try {
      const first = await signIn(context, baseUrl, PEOPLE.olga, '/o');
      await waitUpToDate(first);
      // Every logout fails on the way (a flaky link that the browser still calls online).
      let failedLogouts = 0;
      await context.route('**/auth/logout', (route) => {
        failedLogouts += 1;
        void route.abort('internetdisconnected');
      });
      first.once('dialog', (d) => void d.accept());
      await first.getByRole('button', { name: 'Sign out' }).click();
      await first.getByLabel('Mobile number').waitFor();
      await expect.poll(() => failedLogouts).toBeGreaterThan(0);
      expect(await first.evaluate(() => localStorage.getItem('fw.pending-logout'))).toBe('1');
      await first.close();

      // Omar signs in on the same phone; his sign-in replaced Olga's cookie, and the server ended her session.
      const omar = await signIn(context, baseUrl, PEOPLE.omar, '/o');
      await waitUpToDate(omar);
      expect(await omar.evaluate(() => localStorage.getItem('fw.pending-logout'))).toBeNull();
      expect(await latestSessionEnd(PEOPLE.olga)).toBe('signed_in_again');

      // The link is fine again; the phone says it is back online, then the app restarts: nothing ends his session.
      await context.unroute('**/auth/logout');
      const logouts: string[] = [];
      omar.on('request', (r) => void (r.url().endsWith('/auth/logout') && logouts.push(r.url())));
      await omar.evaluate(() => window.dispatchEvent(new Event('online')));
      await omar.reload();
      await omar.getByTestId('sync-status').waitFor();
      await waitUpToDate(omar);
      expect(logouts).toEqual([]);
      expect(await latestSessionEnd(PEOPLE.omar)).toBeNull();
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
