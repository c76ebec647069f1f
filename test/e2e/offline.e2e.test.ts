// Scenario 2: an installed, visited app reloads with no network and shows itself and its local data; an action
// taken offline is marked pending, then confirmed after reconnecting. A screen that cannot load offline (not
// kept on the device) says so in place, with Reload, and the header with Sign out stays.
import { describe, expect, it } from 'vitest';
import { PEOPLE, signIn, waitControlled, waitUpToDate } from './app';
import { useE2e } from './fixture';
import { setNetwork } from './network';

const e2e = useE2e();

async function availableOnServer(phone: string): Promise<boolean> {
  const [row] = await e2e.server().db.sql<{ available: boolean }[]>`
    select p.available from operator_profiles p join users u on u.id = p.user_id where u.phone = ${phone}`;
  return row!.available;
}

describe('offline', () => {
  it('reloads with no network into the app and its local data; an offline action waits, then is confirmed', async () => {
    const { baseUrl } = e2e.server();
    const context = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    try {
      const page = await signIn(context, baseUrl, PEOPLE.omar, '/o');
      await waitControlled(page);
      await page.getByTestId('feed-item').first().waitFor({ timeout: 20_000 });
      await waitUpToDate(page);
      const titles = await page.getByTestId('feed-item').allInnerTexts();
      expect(titles.length).toBeGreaterThan(0);

      await setNetwork(context, true);
      // The control: the network really is gone, for the page and for anything it would fetch.
      expect(await page.evaluate(() => fetch('/healthz', { cache: 'no-store' }).then(() => 'reached', () => 'failed'))).toBe('failed');
      await page.reload();
      await page.getByTestId('feed-item').first().waitFor({ timeout: 10_000 });
      expect(await page.getByTestId('feed-item').allInnerTexts()).toEqual(titles);
      await page.locator('[data-testid="sync-status"][data-state="offline"]').waitFor();

      // An action offline: marked as not yet confirmed, counted as waiting, and not on the server.
      const toggle = page.getByRole('switch', { name: /Available for work/ });
      expect(await toggle.getAttribute('aria-checked')).toBe('true');
      await toggle.click();
      // The tap writes a pending command to the local database; the view follows a moment later.
      await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false');
      await page.getByTestId('availability').getByTestId('pending-mark').waitFor();
      await page.locator('[data-testid="sync-status"][data-pending="1"]').waitFor();
      expect(await page.getByTestId('sync-status').innerText()).toMatch(/Offline · 1 waiting to send/);
      expect(await availableOnServer(PEOPLE.omar)).toBe(true);

      // Back online: pushed, applied, and the mark goes.
      await setNetwork(context, false);
      await waitUpToDate(page);
      await expect.poll(() => availableOnServer(PEOPLE.omar), { timeout: 10_000 }).toBe(false);
      await page.getByTestId('availability').getByTestId('pending-mark').waitFor({ state: 'detached' });
      expect(await toggle.getAttribute('aria-checked')).toBe('false');
    } finally {
      await context.close();
    }
  });

  it('a screen not kept on the device says so offline, with Reload, and the rest of the app keeps working', async () => {
    const { baseUrl } = e2e.server();
    const context = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    try {
      // Ada is a client and an admin; the admin screens are not precached, only cached once used.
      const page = await signIn(context, baseUrl, PEOPLE.ada, '/c');
      await waitControlled(page);
      await waitUpToDate(page);

      await setNetwork(context, true);
      const header = page.getByRole('banner');
      await header.getByRole('link', { name: 'Admin' }).click();
      const failed = page.getByTestId('screen-failed');
      await failed.waitFor({ timeout: 10_000 });
      expect(await failed.getAttribute('role')).toBe('alert');
      expect(await failed.innerText()).toContain('This screen could not be shown.');
      expect(await page.getByTestId('admin-tabs').count()).toBe(0);
      // The shell stays: the status bar, and the header with Sign out and the other area, which still opens.
      expect(await header.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
      await page.locator('[data-testid="sync-status"][data-state="offline"]').waitFor();
      await header.getByRole('link', { name: 'Client' }).click();
      await page.getByTestId('post-gig').waitFor();
      expect(await failed.count()).toBe(0);

      // With a network again, Reload on the failed screen opens it.
      await header.getByRole('link', { name: 'Admin' }).click();
      await failed.waitFor();
      await setNetwork(context, false);
      await Promise.all([page.waitForEvent('load'), failed.getByRole('button', { name: 'Reload' }).click()]);
      await page.getByTestId('admin-tabs').waitFor({ timeout: 20_000 });
      expect(await failed.count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
