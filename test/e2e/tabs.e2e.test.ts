// The app open in two tabs: only the leading tab replicates, and the other shows the connection it tells of, so
// both say "up to date" and both allow money steps; when the leading tab closes, the other takes over.
import { describe, expect, it } from 'vitest';
import { acceptedBooking, applied, run, uuidv7 } from '../../sync-server/test/fixtures';
import { PEOPLE, expectEscrowStatus, signIn, usd, userIdOf, waitUpToDate } from './app';
import { useE2e } from './fixture';

const e2e = useE2e();

describe('two tabs', () => {
  it('the second tab is up to date and can pay; it takes over replication when the first closes', async () => {
    const { baseUrl, db } = e2e.server();
    const [carla, omar] = [await userIdOf(db.sql, PEOPLE.carla), await userIdOf(db.sql, PEOPLE.omar)];
    const { bookingId } = await acceptedBooking(db.sql, carla, omar);
    const context = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    try {
      const first = await signIn(context, baseUrl, PEOPLE.carla, `/b/${bookingId}`);
      await waitUpToDate(first);
      await expectEscrowStatus(first, 'agreed');
      const pay = (page: typeof first) => page.getByRole('button', { name: `Pay ${usd(8000)}` });
      expect(await pay(first).isEnabled()).toBe(true);

      // The same booking in a second tab of the same browser: it does not lead, so it replicates nothing itself.
      const second = await context.newPage();
      await second.goto(`${baseUrl}/b/${bookingId}`);
      await expectEscrowStatus(second, 'agreed');
      await waitUpToDate(second);
      expect(await second.getByTestId('sync-status').innerText()).toContain('Up to date');
      await second.getByTestId('demo-rail').waitFor({ timeout: 20_000 });
      expect(await pay(second).isEnabled()).toBe(true);

      // The leading tab closes: the second is elected, replicates on its own and still allows paying.
      await first.close();
      const messageId = uuidv7();
      applied(await run(db.sql, omar, 'message.send', { messageId, bookingId, body: 'On my way, ten minutes.' }));
      await second.getByTestId('chat').getByText('On my way, ten minutes.').waitFor({ timeout: 20_000 });
      await waitUpToDate(second);
      expect(await pay(second).isEnabled()).toBe(true);
    } finally {
      await context.close();
    }
  });
});
