// Scenario 1: a client and an operator on two devices. The operator is offline while the client posts a gig;
// back online the operator sees it and accepts; the client pays on the demo rail; the operator starts and
// submits; the client approves; both see it completed.
import { describe, expect, it } from 'vitest';
import { PEOPLE, bookingIdOf, expectBookingStatus, expectEscrowStatus, payOnDemoRail, signIn, waitControlled, waitUpToDate } from './app';
import { useE2e } from './fixture';
import { setNetwork } from './network';

const e2e = useE2e();

describe('a gig from post to approval across two devices', () => {
  it('reaches an operator who was offline when it was posted, and ends completed on both', async () => {
    const { baseUrl, db } = e2e.server();
    const operatorCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    const clientCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    try {
      // The operator's device: signed in, feed synced, then the signal goes.
      const op = await signIn(operatorCtx, baseUrl, PEOPLE.olga, '/o');
      await waitControlled(op);
      await op.getByTestId('feed').waitFor();
      await waitUpToDate(op);
      await setNetwork(operatorCtx, true);
      await op.locator('[data-testid="sync-status"][data-state="offline"]').waitFor();

      // The client posts a gig that fits the operator (electrical, two kilometres from her home).
      const title = 'Replace a broken light switch';
      const client = await signIn(clientCtx, baseUrl, PEOPLE.carla, '/c');
      await client.getByTestId('post-gig').click();
      await client.getByLabel('Title').fill(title);
      await client.getByLabel('Electrical').check();
      await client.getByLabel('Budget').fill('65');
      await client.getByLabel('Latitude').fill('37.7793');
      await client.getByLabel('Longitude').fill('-122.3993');
      await client.getByRole('button', { name: 'Post gig' }).click();
      await client.getByRole('heading', { name: title }).waitFor();
      await waitUpToDate(client);
      // Confirmed: the command came back applied and the gig itself arrived (two collections, either order).
      await expect.poll(() => client.getByTestId('pending-mark').count(), { timeout: 15_000 }).toBe(0);

      // Offline, the operator cannot have it yet.
      expect(await op.getByTestId('feed-item').filter({ hasText: title }).count()).toBe(0);

      // Back online: it arrives without a reload.
      await setNetwork(operatorCtx, false);
      const item = op.getByTestId('feed-item').filter({ hasText: title });
      await item.waitFor({ timeout: 20_000 });
      await item.getByRole('link').first().click();
      await op.getByTestId('accept-gig').click();
      await op.waitForURL(/\/b\/[0-9a-f-]{36}$/, { timeout: 20_000 });
      const bookingId = bookingIdOf(op);
      await expectBookingStatus(op, 'awaiting_payment');

      // The client pays through the demo rail's checkout; the operator sees the money held.
      await client.goto(`${baseUrl}/b/${bookingId}`);
      await payOnDemoRail(client, '$65.00');
      await expectEscrowStatus(client, 'funded');
      await expectBookingStatus(op, 'funded');
      await op.getByRole('button', { name: 'Start', exact: true }).click();
      await expectBookingStatus(op, 'in_progress');
      await waitUpToDate(op);
      await op.getByLabel('Note for the client (optional)').fill('New switch fitted and tested.');
      await op.getByRole('button', { name: 'Submit for approval' }).click();
      await expectBookingStatus(op, 'delivered');
      await waitUpToDate(op);

      // The client approves the submitted work, which releases the money.
      await expectBookingStatus(client, 'delivered');
      await client.getByRole('button', { name: 'Approve and release $65.00' }).click();
      await client.getByRole('button', { name: 'Release $65.00 now' }).click();
      await expectBookingStatus(client, 'completed');
      await expectEscrowStatus(client, 'released');
      await waitUpToDate(client);

      // Both devices show the final state, and so does the authority.
      await expectBookingStatus(op, 'completed');
      const [row] = await db.sql<{ status: string }[]>`select status from bookings where id = ${bookingId}`;
      expect(row?.status).toBe('completed');
      const [gig] = await db.sql<{ status: string }[]>`select status from gigs where title = ${title}`;
      expect(gig?.status).toBe('closed');
    } finally {
      await operatorCtx.close();
      await clientCtx.close();
    }
  });
});
