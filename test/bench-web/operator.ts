// The demo operator signed in through the app's own sign-in screen, and what "the feed is showing" means.
// Strings are evaluated in the page (not functions): this folder type-checks without the DOM library, and
// tsx's name helpers never leak into page code.
import type { Page } from 'playwright-core';
import { lastInboxId, readDevInboxCode } from '../e2e/dev-inbox';

/** Olga Fixer (sync-server/src/db/seed.ts): an operator with demo gigs in her feed. */
export const OPERATOR_PHONE = '+14155550111';

export const FEED_ITEM = '[data-testid="feed-item"]';
const FEED_EMPTY = '[data-testid="feed-empty"]';
const SIGN_IN = 'input#phone, input#code';

/** What a page shows, in a few words: enough to tell the feed from the sign-in screen. */
export interface PageState {
  path: string;
  title: string;
  feedItems: number;
  feedEmpty: boolean;
  signIn: boolean;
  controlled: boolean;
  online: boolean;
  text: string;
}

export const PAGE_STATE_EXPRESSION = `(() => ({
  path: location.pathname,
  title: document.title,
  feedItems: document.querySelectorAll(${JSON.stringify(FEED_ITEM)}).length,
  feedEmpty: document.querySelector(${JSON.stringify(FEED_EMPTY)}) !== null,
  signIn: document.querySelector(${JSON.stringify(SIGN_IN)}) !== null,
  controlled: !!(navigator.serviceWorker && navigator.serviceWorker.controller),
  online: navigator.onLine,
  text: (document.body ? document.body.innerText : '').replace(/\\s+/g, ' ').trim().slice(0, 160),
}))()`;

export const pageState = (page: Page) => page.evaluate<PageState>(PAGE_STATE_EXPRESSION);

export const describeState = (s: PageState) =>
  `${s.path} "${s.title}": ${s.feedItems} feed items${s.feedEmpty ? ' (empty feed)' : ''}${s.signIn ? ', sign-in form' : ''}${s.controlled ? ', controlled by the service worker' : ''}${s.online ? '' : ', offline'} — “${s.text}”`;

/** Waits until the operator feed lists gigs; fails with what the page shows instead. */
export async function waitForFeed(page: Page, timeoutMs = 60_000): Promise<PageState> {
  await page
    .locator(`${FEED_ITEM}, ${FEED_EMPTY}`)
    .first()
    .waitFor({ state: 'visible', timeout: timeoutMs })
    .catch(() => undefined);
  const state = await pageState(page);
  if (state.feedItems === 0) throw new Error(`expected the operator feed with gigs, the page shows ${describeState(state)}`);
  return state;
}

/** Signs the demo operator in on `page` with a code from the dev inbox; leaves the page on her feed. */
export async function signInAsOperator(page: Page, baseUrl: string): Promise<PageState> {
  await page.goto(`${baseUrl}/`);
  const phone = page.locator('input#phone');
  await phone.waitFor({ timeout: 60_000 });
  const mark = await lastInboxId(baseUrl, OPERATOR_PHONE);
  await phone.fill(OPERATOR_PHONE);
  await page.locator('form button[type="submit"]').click();
  const code = await readDevInboxCode(baseUrl, OPERATOR_PHONE, { afterId: mark, timeoutMs: 30_000 });
  await page.locator('input#code').fill(code);
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL(/\/o(\/|$)/, { timeout: 60_000 });
  return waitForFeed(page);
}

/** Waits for the app's service worker to be active (it installs with the first visit) and returns its URL. */
export async function activeServiceWorker(page: Page, timeoutMs = 60_000): Promise<string> {
  const url = await page.evaluate<string | null>(`(async () => {
    const deadline = Date.now() + ${timeoutMs};
    while (Date.now() < deadline) {
      const registration = await navigator.serviceWorker.getRegistration();
      if (registration && registration.active && registration.active.state === 'activated') return registration.active.scriptURL;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  })()`);
  if (!url) throw new Error(`no service worker of the app became active within ${timeoutMs / 1000} s`);
  return url;
}
