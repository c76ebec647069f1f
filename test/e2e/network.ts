// Cuts a test device's network: its pages AND its service workers, which fetch on their own connection.
import type { BrowserContext, CDPSession, Page } from 'playwright-core';

const conditions = (offline: boolean) => ({ offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

interface Control {
  offline: boolean;
  browserContextId: string;
  browser: CDPSession;
  pages: Map<Page, CDPSession>;
  /** Service worker targetId → the (non-flat) session we hold on it. */
  workers: Map<string, string>;
}

const controls = new WeakMap<BrowserContext, Promise<Control>>();
let messageId = 0;

/** A command to a target attached without `flatten` (Playwright's CDPSession cannot address flat child sessions). */
function sendToTarget(browser: CDPSession, sessionId: string, method: string, params: object): Promise<unknown> {
  const id = ++messageId;
  return new Promise((resolve, reject) => {
    const onMessage = (e: { sessionId: string; message: string }) => {
      if (e.sessionId !== sessionId) return;
      const reply = JSON.parse(e.message) as { id?: number; result?: unknown; error?: { message: string } };
      if (reply.id !== id) return;
      browser.off('Target.receivedMessageFromTarget', onMessage);
      if (reply.error) reject(new Error(`${method} on a service worker: ${reply.error.message}`));
      else resolve(reply.result);
    };
    browser.on('Target.receivedMessageFromTarget', onMessage);
    browser.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch((e: unknown) => {
      browser.off('Target.receivedMessageFromTarget', onMessage);
      reject(e instanceof Error ? e : new Error(String(e)));
    });
  });
}

async function applyToWorker(control: Control, targetId: string): Promise<void> {
  let sessionId = control.workers.get(targetId);
  if (!sessionId) {
    sessionId = (await control.browser.send('Target.attachToTarget', { targetId, flatten: false })).sessionId;
    control.workers.set(targetId, sessionId);
  }
  await sendToTarget(control.browser, sessionId, 'Network.enable', {});
  await sendToTarget(control.browser, sessionId, 'Network.emulateNetworkConditions', conditions(control.offline));
}

async function applyToPage(control: Control, page: Page): Promise<void> {
  let session = control.pages.get(page);
  if (!session) {
    session = await page.context().newCDPSession(page);
    control.pages.set(page, session);
    await session.send('Network.enable');
  }
  await session.send('Network.emulateNetworkConditions', conditions(control.offline));
}

async function controlFor(context: BrowserContext): Promise<Control> {
  let control = controls.get(context);
  if (!control) {
    control = (async () => {
      const page = context.pages()[0];
      if (!page) throw new Error('setNetwork: open a page in the context first');
      const probe = await context.newCDPSession(page);
      const { targetInfo } = await probe.send('Target.getTargetInfo');
      await probe.detach();
      const browser = await context.browser()!.newBrowserCDPSession();
      const c: Control = { offline: false, browserContextId: targetInfo.browserContextId!, browser, pages: new Map(), workers: new Map() };
      // A stopped worker's session ends; the next call attaches to whatever instance runs then.
      browser.on('Target.detachedFromTarget', ({ sessionId }) => {
        for (const [targetId, s] of c.workers) if (s === sessionId) c.workers.delete(targetId);
      });
      context.on('page', (p) => void (c.offline ? applyToPage(c, p).catch(() => undefined) : undefined));
      return c;
    })();
    controls.set(context, control);
  }
  return control;
}

/**
 * Takes a whole browser context (a device) offline or back online: every page and every service worker.
 * Playwright's setOffline reaches only pages in older versions (and no worker when
 * PLAYWRIGHT_DISABLE_SERVICE_WORKER_NETWORK is set), so each page and each running service worker target
 * gets Network.emulateNetworkConditions over the DevTools protocol here. setOffline is called as well: in
 * current versions it also covers a worker the browser starts after this call, before the worker runs.
 */
export async function setNetwork(target: Page | BrowserContext, offline: boolean): Promise<void> {
  const context = 'newPage' in target ? target : target.context();
  const control = await controlFor(context);
  control.offline = offline;
  await context.setOffline(offline);
  for (const page of context.pages()) await applyToPage(control, page);
  const { targetInfos } = await control.browser.send('Target.getTargets');
  for (const t of targetInfos) {
    if (t.type === 'service_worker' && t.browserContextId === control.browserContextId) await applyToWorker(control, t.targetId);
  }
}
