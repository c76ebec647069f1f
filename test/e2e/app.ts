// What a person does in the app, as steps the scenario tests share: sign in, wait for sync, read statuses.
import { expect } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { Sql } from '../../sync-server/src/db/sql';
import { readDevInboxCode, lastInboxId } from './dev-inbox';

/** Demo people from sync-server/src/db/seed.ts. */
export const PEOPLE = {
  ada: '+14155550100', // admin and client
  carla: '+14155550101', // client
  omar: '+14155550110', // operator: plumbing, handyman 3, appliance repair
  olga: '+14155550111', // operator: electrical 5, handyman 4
} as const;

/** The server's id of a demo person, for commands the scenario issues on their behalf. */
export async function userIdOf(sql: Sql, phone: string): Promise<string> {
  const [row] = await sql<{ id: string }[]>`select id from users where phone = ${phone}`;
  return row!.id;
}

/** US dollars in minor units as the en-US app shows them: 6500 → "$65.00". */
export const usd = (minor: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(minor / 100);

/** Signs in through the sign-in screen with the code from the dev inbox; resolves once the shell shows. */
export async function signIn(context: BrowserContext, baseUrl: string, phone: string, path = '/'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${baseUrl}${path}`);
  const mark = await lastInboxId(baseUrl, phone);
  await page.getByLabel('Mobile number').fill(phone);
  await page.getByRole('button', { name: 'Text me a code' }).click();
  const code = await readDevInboxCode(baseUrl, phone, { afterId: mark });
  await page.getByLabel('Code from the text message').fill(code);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('sync-status').waitFor();
  return page;
}

/** The status bar says "up to date": connected, nothing waiting. */
export async function waitUpToDate(page: Page, timeout = 20_000): Promise<void> {
  await page.locator('[data-testid="sync-status"][data-state="ok"]').waitFor({ timeout });
}

/** Waits until the service worker controls the page (the app is "installed" and can open offline). */
export async function waitControlled(page: Page): Promise<void> {
  // Polled inside the page: waitForFunction would take an async predicate's promise itself as "truthy".
  // 'activated', not merely present: a reload while the worker is still activating can stay uncontrolled.
  const activated = await page.evaluate(async () => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if ((await navigator.serviceWorker.getRegistration())?.active?.state === 'activated') return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  });
  if (!activated) throw new Error('no service worker was activated within 30 s');
  if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) {
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 10_000 });
  }
}

export async function bookingStatus(page: Page): Promise<string | null> {
  return page.getByTestId('booking-status').getAttribute('data-status');
}

export async function expectBookingStatus(page: Page, status: string, timeout = 20_000): Promise<void> {
  await page.locator(`[data-testid="booking-status"][data-status="${status}"]`).waitFor({ timeout });
  expect(await bookingStatus(page)).toBe(status);
}

/** The booking id from a /b/<id> URL. */
export function bookingIdOf(page: Page): string {
  const m = /\/b\/([0-9a-f-]{36})/.exec(page.url());
  if (!m) throw new Error(`not on a booking page: ${page.url()}`);
  return m[1]!;
}

/**
 * On a booking page, the client pays its (one) milestone waiting for payment through the demo rail: the
 * app's Pay button, the demo checkout page (labelled as demo), its Pay button, and back to the booking.
 */
export async function payOnDemoRail(page: Page, amount: string): Promise<void> {
  // The first part waiting for payment (a plan of several is paid part by part).
  const milestone = page.getByTestId('milestone').filter({ has: page.locator('[data-testid="escrow-status"][data-status="agreed"]') }).first();
  await milestone.getByTestId('demo-rail').waitFor({ timeout: 20_000 });
  expect(await milestone.getByTestId('demo-rail').innerText()).toBe('Demo payment — no real money moves');
  await milestone.getByRole('button', { name: `Pay ${amount}` }).click();
  await page.waitForURL(/\/pay\/demo\/checkout\//, { timeout: 20_000 });
  expect(await page.locator('.banner').innerText()).toContain('Demo payment — no real money moves');
  await page.getByRole('button', { name: 'Pay (demo)' }).click();
  // Back on the booking: the app takes the checkout's ?paid= off the address once it has read it.
  await page.waitForURL(/\/b\/[0-9a-f-]{36}(\?paid=[0-9a-f-]{36})?$/, { timeout: 20_000 });
}

/** The escrow status of the booking page's milestone (one milestone per booking in these scenarios). */
export async function expectEscrowStatus(page: Page, status: string, timeout = 20_000): Promise<void> {
  await page.locator(`[data-testid="escrow-status"][data-status="${status}"]`).waitFor({ timeout });
}
