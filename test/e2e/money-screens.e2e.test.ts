// The money screens against the real server on the demo rail: an admin takes a dispute from the mediators'
// queue and splits it through the decision form; the worker's earnings then show what the decision released,
// and say plainly that money figures need a connection once the signal goes. A worker without payouts is told
// why on a gig's page, sets them up through the demo rail's onboarding, and can then accept.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { applied, confirmPayment, run, uuidv7 } from '../../sync-server/test/fixtures';
import { PEOPLE, signIn, usd, userIdOf, waitUpToDate } from './app';
import { useE2e } from './fixture';
import { setNetwork } from './network';

const e2e = useE2e();

/** Nothing wider than a 360 px phone: wide tables scroll inside their own region, not the page. */
const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

/** Every tab of the area's tab bar in sight: none scrolled off the edge of a 360 px phone. */
const tabsInSight = (page: Page) =>
  page.evaluate(() => {
    const tabs = [...document.querySelectorAll('nav.tabs a')];
    return tabs.length > 0 && tabs.every((a) => a.getBoundingClientRect().right <= window.innerWidth);
  });

describe('money screens', () => {
  it('an admin splits a dispute from the queue, and the worker’s earnings show the net it released', async () => {
    const { baseUrl, db } = e2e.server();
    const [carla, olga] = [await userIdOf(db.sql, PEOPLE.carla), await userIdOf(db.sql, PEOPLE.olga)];

    // Carla's gig, taken by Olga, paid on the demo rail, then disputed by Carla.
    const title = 'Fit two garden lights';
    const gigId = uuidv7();
    applied(
      await run(db.sql, carla, 'gig.post', {
        gigId, title, description: 'Two lights by the path.', skills: { electrical: 3 }, budget: { amount: 12000, currency: 'USD' },
        location: { lat: 37.7793, lng: -122.41 }, address: '1 Market St', areaLabel: 'SoMa',
      }),
    );
    const bookingId = uuidv7();
    applied(await run(db.sql, olga, 'gig.accept', { gigId, bookingId }));
    await confirmPayment(db.sql, bookingId);
    const [milestone] = await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId}`;
    const disputeId = uuidv7();
    applied(await run(db.sql, carla, 'dispute.open', { disputeId, milestoneId: milestone!.id, reason: 'Only one of the two lights works.', refundAmount: 6000 }));

    const adminCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    const workerCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    try {
      const admin = await signIn(adminCtx, baseUrl, PEOPLE.ada, '/a/disputes');
      await waitUpToDate(admin);
      const queued = admin.getByTestId('queued-dispute').filter({ hasText: title });
      await queued.waitFor();
      expect(await queued.innerText()).toContain('Claim: $60.00 of $120.00 back to the client');
      await queued.getByRole('link').click();

      // The dispute beside its timeline and chat; the split goes through the form's checks, then to the server.
      await admin.getByRole('heading', { level: 1, name: `Dispute: ${title}` }).waitFor();
      expect(await admin.getByTestId('dispute-timeline').innerText()).toContain('Disputed');
      expect(await fitsWidth(admin)).toBe(true);
      expect(await tabsInSight(admin)).toBe(true);
      await admin.getByRole('radio', { name: 'Split the amount' }).check();
      await admin.getByLabel('Back to the client (USD)').fill('120');
      await admin.getByLabel('Written reason (kept in the audit log)').fill('One light of two works: half back, less a little for the call-out.');
      await admin.getByRole('button', { name: 'Decide' }).click();
      await admin.getByText('A split gives back more than nothing and less than $120.00.', { exact: false }).waitFor();
      await admin.getByLabel('Back to the client (USD)').fill('45.10');
      await admin.getByRole('button', { name: 'Decide' }).click();
      await admin.getByRole('button', { name: 'Confirm the decision' }).click();
      const resolution = admin.getByTestId('dispute-resolution');
      await resolution.waitFor({ timeout: 20_000 });
      expect(await resolution.getAttribute('data-outcome')).toBe('split');
      expect(await resolution.innerText()).toContain('$45.10');
      // Each label keeps a readable column beside the outcome and the reason, not a letter a line.
      const labelWidths = await resolution.locator('dt').evaluateAll((dts) => dts.map((dt) => dt.getBoundingClientRect().width));
      expect(Math.min(...labelWidths)).toBeGreaterThan(60);

      const [settled] = await db.sql<{ status: string; refundedAmount: number; releasedAmount: number }[]>`
        select status, refunded_amount, released_amount from disputes where id = ${disputeId}`;
      expect(settled).toEqual({ status: 'resolved', refundedAmount: 4510, releasedAmount: 7490 });

      // The decision is in the audit log, with its reason.
      await admin.getByRole('link', { name: 'Audit log' }).click();
      const entry = admin.getByTestId('audit-entry').first();
      await entry.waitFor();
      expect(await entry.innerText()).toContain('Ada Admin: Decided a dispute');
      expect(await entry.innerText()).toContain('One light of two works');
      expect(await fitsWidth(admin)).toBe(true);

      // The settlement report counts the money the split moved, and the ledger balances.
      await admin.getByRole('link', { name: 'Settlement' }).click();
      expect(await admin.getByTestId('trial-balanced').getAttribute('data-balanced', { timeout: 20_000 })).toBe('true');
      expect(await admin.getByTestId('invariants').getAttribute('data-ok')).toBe('true');
      expect(await admin.getByTestId('settlement-refunded').first().innerText()).not.toBe('$0.00');
      expect(await fitsWidth(admin)).toBe(true);

      // The worker's statement for this month: the released part, the fee on it and the net.
      const [m] = await db.sql<{ releasedAmount: number; feeAmount: number }[]>`select released_amount, fee_amount from milestones where id = ${milestone!.id}`;
      expect(m!.releasedAmount).toBe(7490);
      const worker = await signIn(workerCtx, baseUrl, PEOPLE.olga, '/o/earnings');
      const job = worker.getByTestId('job').filter({ hasText: title });
      await job.waitFor();
      const row = await job.innerText();
      expect(row).toContain(usd(7490));
      expect(row).toContain(usd(m!.feeAmount));
      expect(row).toContain(usd(7490 - m!.feeAmount));
      expect(row).toContain('part of it, decided by a mediator');
      // On a phone the net stays in sight: gross and fee are said under the job, and the table needs no sideways scroll.
      expect(row).toContain(`${usd(7490)} less the ${usd(m!.feeAmount)} fee`);
      expect(await worker.getByTestId('jobs').evaluate((table) => table.parentElement!.scrollWidth <= table.parentElement!.clientWidth)).toBe(true);
      expect(await worker.getByTestId('balance-pending').innerText()).toMatch(/^\$\d/);
      expect(await fitsWidth(worker)).toBe(true);
      expect(await tabsInSight(worker)).toBe(true);

      // No signal: the figures last loaded stay, marked as such, and getting paid waits for a connection.
      await setNetwork(workerCtx, true);
      await worker.getByTestId('money-stale').waitFor();
      expect(await worker.getByTestId('money-stale').innerText()).toContain('You’re offline — these are the figures as last loaded.');
      expect(await job.innerText()).toContain(usd(7490 - m!.feeAmount));
    } finally {
      await adminCtx.close();
      await workerCtx.close();
    }
  });

  it('a worker without payouts is told why on a gig, sets them up on the demo rail, and can then accept', async () => {
    const { baseUrl, db } = e2e.server();
    // The seed sets payouts up for every demo operator; this one starts without.
    await db.sql`delete from payout_accounts where user_id = ${await userIdOf(db.sql, PEOPLE.omar)}`;

    const ctx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    try {
      const page = await signIn(ctx, baseUrl, PEOPLE.omar, '/o');
      await page.getByTestId('feed-item').first().getByRole('link').click();
      const gigUrl = page.url();
      const banner = page.getByTestId('payouts-banner');
      await banner.waitFor({ timeout: 20_000 });
      expect(await banner.innerText()).toContain('You cannot accept paid work until your payouts are set up');

      // The server would refuse the accept for that reason (payouts_not_set_up): the button is off, described by the banner.
      const accept = page.getByTestId('accept-gig');
      expect(await accept.isDisabled()).toBe(true);
      expect(await accept.getAttribute('aria-describedby')).toBe(await banner.getAttribute('id'));

      // Setup: the payouts screen, the demo rail's onboarding page, and back.
      await banner.getByRole('link', { name: 'Set up payouts' }).click();
      expect((await page.getByTestId('payout-status').getAttribute('data-status', { timeout: 20_000 }))).toBe('none');
      await page.getByRole('button', { name: 'Set up payouts' }).click();
      await page.getByRole('button', { name: 'Finish payout setup (demo)' }).click();
      // Back with ?onboarding=return, which leaves the address once read (a reload does not ask again).
      await page.waitForURL(/\/o\/payouts(\?onboarding=return)?$/);
      await page.locator('[data-testid="payout-status"][data-status="active"]').waitFor({ timeout: 20_000 });

      // Back on the gig: no banner, and the accept goes through.
      await page.goto(gigUrl);
      await page.getByTestId('accept-gig').waitFor();
      await waitUpToDate(page);
      expect(await page.getByTestId('payouts-banner').count()).toBe(0);
      await page.getByTestId('accept-gig').click();
      await page.waitForURL(/\/b\/[0-9a-f-]{36}$/, { timeout: 20_000 });
    } finally {
      await ctx.close();
    }
  });

  it('long words in a gig’s title and description wrap on a phone, for the client and for the operator', async () => {
    const { baseUrl, db } = e2e.server();
    const carla = await userIdOf(db.sql, PEOPLE.carla);
    // What people paste: a link, a part number, a row of exclamation marks. No spaces to break at.
    const title = `Fix${'x'.repeat(110)}tap`;
    const gigId = uuidv7();
    applied(
      await run(db.sql, carla, 'gig.post', {
        gigId, title, description: 'https://example.com/' + 'y'.repeat(3900), skills: { plumbing: 1 }, budget: { amount: 9000, currency: 'USD' },
        location: { lat: 37.7612, lng: -122.4141 }, address: '2 Mission St', areaLabel: 'Mission',
      }),
    );
    const clientCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    const workerCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    try {
      const client = await signIn(clientCtx, baseUrl, PEOPLE.carla, `/c/gigs/${gigId}`);
      await client.getByRole('heading', { level: 1, name: title }).waitFor({ timeout: 20_000 });
      expect(await fitsWidth(client)).toBe(true);
      await client.goto(`${baseUrl}/c`);
      await client.getByText(title).first().waitFor({ timeout: 20_000 });
      expect(await fitsWidth(client)).toBe(true);

      const worker = await signIn(workerCtx, baseUrl, PEOPLE.omar, '/o');
      await worker.getByText(title).first().waitFor({ timeout: 20_000 });
      expect(await fitsWidth(worker)).toBe(true);
      await worker.goto(`${baseUrl}/o/gigs/${gigId}`);
      await worker.getByRole('heading', { level: 1, name: title }).waitFor({ timeout: 20_000 });
      expect(await fitsWidth(worker)).toBe(true);
    } finally {
      await clientCtx.close();
      await workerCtx.close();
    }
  });
});
