// Scenario 2: an installed, visited app reloads with no network and shows itself and its local data; an action
// taken offline is marked pending, then confirmed after reconnecting.
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
});
