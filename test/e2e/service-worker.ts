// Opens the app the way a returning device has it: service worker installed and controlling the page.
import type { BrowserContext, Page, Worker } from 'playwright-core';

export interface ControlledApp {
  page: Page;
  /** The app's service worker, for evaluating code inside it. */
  worker: Worker;
}

/** Loads `path`, waits for the app's own registration to activate, and reloads so the worker controls the page. */
export async function openControlledApp(context: BrowserContext, baseUrl: string, path = '/'): Promise<ControlledApp> {
  const page = await context.newPage();
  await page.goto(`${baseUrl}${path}`);
  const active = await page.evaluate(async () => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const registration = await navigator.serviceWorker.getRegistration();
      if (registration?.active) return registration.active.scriptURL;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  });
  if (!active) throw new Error(`the app at ${baseUrl}${path} registered no service worker that became active within 30 s`);
  await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 10_000 });
  const worker = context.serviceWorkers().find((w) => w.url() === active) ?? (await context.waitForEvent('serviceworker', { predicate: (w) => w.url() === active }));
  return { page, worker };
}

/** fetch() from inside the page or the worker: the HTTP status, or the error's text when the request failed. */
export const FETCH_STATUS = (url: string) =>
  fetch(url, { cache: 'no-store' }).then(
    (r) => r.status,
    (e: unknown) => `failed: ${String(e)}`,
  );
