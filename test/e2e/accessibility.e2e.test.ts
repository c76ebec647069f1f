// Scenario 5: axe-core finds no serious or critical violations on each main screen, in English and Spanish.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { applied, confirmPayment, run, uuidv7 } from '../../sync-server/test/fixtures';
import { PEOPLE, signIn, userIdOf, waitUpToDate } from './app';
import { runAxe } from './axe';
import { useE2e } from './fixture';

const e2e = useE2e();

const LANGUAGES = ['en', 'es'] as const;

/** Opens each path, waits for its heading and for local data to settle, and collects what axe reports. */
async function audit(page: Page, baseUrl: string, paths: string[], locale: 'en' | 'es'): Promise<string[]> {
  await page.getByTestId('language').selectOption(locale);
  const found: string[] = [];
  for (const path of paths) {
    await page.evaluate((p) => {
      history.pushState(null, '', p);
      dispatchEvent(new PopStateEvent('popstate'));
    }, path);
    await page.locator('main h1').first().waitFor();
    await page.waitForTimeout(300); // lazy chunks and live queries settle
    // Money screens read the server: audit their figures, not their loading line.
    await page.waitForFunction(() => !document.querySelector('[data-testid="money-loading"]'));
    expect(await page.locator('[data-testid="money-offline"], [data-testid="money-failed"]').count(), `${locale} ${path}`).toBe(0);
    // The screen itself, not a fallback: no "not found" page is audited by mistake.
    expect(await page.locator('main').innerText(), `${locale} ${path}`).not.toMatch(/Nothing here|Aquí no hay nada|no such page|no existe esa página/i);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe(locale);
    for (const v of await runAxe(page)) found.push(`${locale} ${path}: ${v.summary}`);
    // A phone's tabs sit on one row, in both languages (they wrap only on narrower screens than 360 px).
    const tabRows = await page.locator('nav.tabs a').evaluateAll((links) => new Set(links.map((a) => (a as HTMLElement).offsetTop)).size);
    if (page.viewportSize()!.width <= 360) expect(tabRows, `${locale} ${path}: rows of tabs`).toBeLessThanOrEqual(1);
  }
  return found;
}

describe('accessibility (axe-core: no serious or critical violations)', () => {
  it('the sign-in screen, in both languages', async () => {
    const { baseUrl } = e2e.server();
    const found: string[] = [];
    for (const locale of LANGUAGES) {
      const context = await e2e.chromium().newContext({ locale: locale === 'es' ? 'es-ES' : 'en-US', viewport: { width: 360, height: 740 } });
      const page = await context.newPage();
      await page.goto(baseUrl);
      await page.locator('#phone').waitFor();
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(locale);
      for (const v of await runAxe(page)) found.push(`${locale} sign-in: ${v.summary}`);
      await context.close();
    }
    expect(found).toEqual([]);
  });

  it('every screen of the client, operator and admin areas and the booking page, in both languages', async () => {
    const { baseUrl, db } = e2e.server();
    // A booking between the admin (also a client) and an operator, so the booking page has content.
    const ada = await userIdOf(db.sql, PEOPLE.ada);
    const olga = await userIdOf(db.sql, PEOPLE.olga);
    const gigId = uuidv7();
    applied(
      await run(db.sql, ada, 'gig.post', {
        gigId, title: 'Rewire a garden light', description: 'Outdoor socket and a timer.', skills: { electrical: 3 },
        budget: { amount: 9000, currency: 'USD' }, location: { lat: 37.7793, lng: -122.41 }, address: '1 Market St', areaLabel: 'SoMa',
      }),
    );
    const bookingId = uuidv7();
    applied(await run(db.sql, olga, 'gig.accept', { gigId, bookingId }));
    applied(await run(db.sql, olga, 'message.send', { messageId: uuidv7(), bookingId, body: 'I can come tomorrow at nine.' }));
    // A payment plan waiting for the client: the client's page offers to accept it, the worker's says it waits.
    applied(
      await run(db.sql, olga, 'milestone.propose', {
        bookingId, planId: uuidv7(),
        milestones: [
          { milestoneId: uuidv7(), description: 'Socket and cable', amount: { amount: 4000, currency: 'USD' } },
          { milestoneId: uuidv7(), description: 'Timer, fitted and tested', amount: { amount: 5000, currency: 'USD' }, dueAt: '2030-05-01T18:00:00.000Z' },
        ],
      }),
    );
    // A second booking, paid and disputed, for the money screens: a receipt, the queue and the dispute page.
    const paidGigId = uuidv7();
    applied(
      await run(db.sql, ada, 'gig.post', {
        gigId: paidGigId, title: 'Fix a flickering porch light', description: 'It flickers at night.', skills: { electrical: 2 },
        budget: { amount: 6000, currency: 'USD' }, location: { lat: 37.7793, lng: -122.41 }, address: '1 Market St', areaLabel: 'SoMa',
      }),
    );
    const paidBookingId = uuidv7();
    applied(await run(db.sql, olga, 'gig.accept', { gigId: paidGigId, bookingId: paidBookingId }));
    await confirmPayment(db.sql, paidBookingId);
    const [paid] = await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${paidBookingId}`;
    const disputeId = uuidv7();
    applied(await run(db.sql, ada, 'dispute.open', { disputeId, milestoneId: paid!.id, reason: 'It still flickers.', refundAmount: 3000 }));

    const found: string[] = [];
    const operatorCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    const adminCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 1024, height: 768 } });
    try {
      const op = await signIn(operatorCtx, baseUrl, PEOPLE.olga, '/o');
      await waitUpToDate(op);
      const [openGig] = await db.sql<{ id: string }[]>`select id from gigs where status = 'open' and title = 'Mount a 55" TV on drywall'`;
      // Both bookings' pages: the second shows the money panel's dispute, its evidence form and the claim to accept.
      const operatorPaths = ['/o', `/o/gigs/${openGig!.id}`, '/o/jobs', '/o/profile', '/o/earnings', '/o/payouts', `/b/${bookingId}`, `/b/${paidBookingId}`];
      const admin = await signIn(adminCtx, baseUrl, PEOPLE.ada, '/a');
      await waitUpToDate(admin);
      const adminPaths = [
        '/a', '/a/users', '/a/gigs', '/a/bookings', '/a/disputes', `/a/disputes/${disputeId}`, '/a/audit', '/a/settlement',
        '/c', '/c/new', `/c/gigs/${gigId}`, '/c/payments', `/c/receipts/${paid!.id}`, `/b/${bookingId}`, `/b/${paidBookingId}`,
      ];
      for (const locale of LANGUAGES) {
        found.push(...(await audit(op, baseUrl, operatorPaths, locale)));
        found.push(...(await audit(admin, baseUrl, adminPaths, locale)));
        // The plan form, open, with a problem shown on a part (the operator ended on the other booking).
        await op.evaluate((p) => {
          history.pushState(null, '', p);
          dispatchEvent(new PopStateEvent('popstate'));
        }, `/b/${bookingId}`);
        await op.getByTestId('plan-proposal').getByRole('button').click();
        await op.getByTestId('plan-part').first().locator('input').first().fill('');
        await op.getByTestId('plan-form').locator('button[type="submit"]').click();
        await op.locator('[data-testid="plan-form"] .field-error').first().waitFor();
        for (const v of await runAxe(op)) found.push(`${locale} /b/${bookingId} (plan form): ${v.summary}`);
      }
    } finally {
      await operatorCtx.close();
      await adminCtx.close();
    }
    expect(found).toEqual([]);
  });
});
