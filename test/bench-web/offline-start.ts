// The warm, offline start: a device that has the app, its service worker and the operator's data reloads
// the feed with no network at all (pages and service worker cut over the DevTools protocol). Measured in the
// page, from navigation start (performance.timeOrigin) to the frame after the first feed item is laid out.
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { setNetwork } from '../e2e/network';
import { activeServiceWorker, describeState, FEED_ITEM, pageState, signInAsOperator, waitForFeed, type PageState } from './operator';

/**
 * Installed before any of the app's scripts on every navigation: notes when the first feed item has a layout
 * box (feedDomAt) and when the frame that shows it has been produced (feedAt: a message posted from the next
 * animation frame runs after that frame's paint is committed). `shown` settles then. Node waits on that
 * promise over the DevTools protocol: the app's CSP forbids eval, so Playwright's string predicates cannot
 * run in the page, and polling from outside would add work to the main thread being measured.
 */
export const MARK_FEED = `(() => {
  if (window.__fwBench) return;
  const b = (window.__fwBench = {});
  b.shown = new Promise((resolve) => (b.resolveShown = resolve));
  const check = () => {
    if (b.feedDomAt !== undefined) return;
    const el = document.querySelector(${JSON.stringify(FEED_ITEM)});
    if (!el) return;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return;
    b.feedDomAt = performance.now();
    observer.disconnect();
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        b.feedAt = performance.now();
        b.resolveShown(b.feedAt);
      };
      channel.port2.postMessage(null);
    });
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true });
})()`;

/** Resolves with feedAt, or with null after `ms` (measured from when the wait starts). */
const waitShown = (ms: number) => `window.__fwBench
  ? Promise.race([window.__fwBench.shown, new Promise((resolve) => setTimeout(() => resolve(null), ${ms}))])
  : Promise.reject(new Error('no __fwBench in this document yet'))`;

interface Marks {
  feedDomAt: number;
  feedAt: number;
  /** PerformanceNavigationTiming, ms from navigation start. */
  workerStart: number;
  responseEnd: number;
  domContentLoaded: number;
  scriptsDone: number;
}

const READ_MARKS = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const b = window.__fwBench || {};
  return { feedDomAt: b.feedDomAt, feedAt: b.feedAt, workerStart: nav.workerStart, responseEnd: nav.responseEnd,
    domContentLoaded: nav.domContentLoadedEventEnd, scriptsDone: nav.domInteractive };
})()`;

export interface OfflineRun {
  ms: number;
  marks: Marks;
  fromServiceWorker: boolean;
}

export interface OfflineSeries {
  cpuSlowdown: number;
  runs: OfflineRun[];
}

export interface OfflineResult {
  warmup: PageState;
  offlineCheck: { page: string; worker: string };
  series: OfflineSeries[];
}

const FETCH_HEALTHZ = `fetch('/healthz', { cache: 'no-store' }).then((r) => String(r.status), (e) => 'failed: ' + String(e))`;

async function reloadOffline(page: Page, timeoutMs: number): Promise<OfflineRun> {
  const response = await page.reload({ waitUntil: 'commit', timeout: timeoutMs });
  let feedAt: number | null = null;
  // Right after the commit the new document's context may still be replaced; try again then.
  for (let attempt = 0; ; attempt++) {
    try {
      feedAt = await page.evaluate<number | null>(waitShown(timeoutMs));
      break;
    } catch (e) {
      if (attempt >= 5 || !/context was destroyed|Cannot find context|__fwBench/i.test(String(e))) throw e;
      await page.waitForTimeout(20);
    }
  }
  if (feedAt === null) throw new Error(`the offline reload did not show the feed within ${timeoutMs / 1000} s; the page shows ${describeState(await pageState(page))}`);
  const state = await pageState(page);
  if (state.online) throw new Error(`the page thinks it is online after the network was cut: ${describeState(state)}`);
  if (!state.controlled) throw new Error(`the offline reload is not controlled by the service worker: ${describeState(state)}`);
  const marks = await page.evaluate<Marks>(READ_MARKS);
  return { ms: marks.feedAt, marks, fromServiceWorker: response?.fromServiceWorker() ?? false };
}

/**
 * Signs the operator in on a fresh context (a new device), brings the app to the warm state (service worker
 * controlling, feed synced into IndexedDB), cuts the network and reloads `runs` times per CPU slowdown.
 */
export async function measureOfflineStart(
  context: BrowserContext,
  baseUrl: string,
  opts: { runs: number; cpuSlowdowns: number[]; say: (line: string) => void },
): Promise<OfflineResult> {
  await context.addInitScript({ content: MARK_FEED });
  const page = await context.newPage();
  await signInAsOperator(page, baseUrl);
  await activeServiceWorker(page);
  // One reload online: the page becomes controlled by the worker, the app opens its database again and syncs.
  await page.reload();
  const warmup = await waitForFeed(page);
  if (!warmup.controlled) throw new Error(`after a reload the page is still not controlled by the service worker: ${describeState(warmup)}`);
  // Let the first sync's writes and the service worker's precache settle before cutting the network.
  await page.waitForTimeout(2_000);
  opts.say(`  warm: ${describeState(warmup)}`);

  // The session for CPU throttling is opened before the network is cut: a DevTools session attached to the
  // page afterwards resets the page's network emulation (navigator.onLine turned true again).
  const cdp: CDPSession = await context.newCDPSession(page);
  await setNetwork(context, true);
  const worker = context.serviceWorkers().at(-1);
  const offlineCheck = {
    page: await page.evaluate<string>(FETCH_HEALTHZ),
    worker: worker ? await worker.evaluate<string>(FETCH_HEALTHZ) : 'no running worker',
  };
  opts.say(`  network cut (test/e2e/network.ts setNetwork): fetch /healthz from the page → ${offlineCheck.page}; from the service worker → ${offlineCheck.worker}`);
  if (!offlineCheck.page.startsWith('failed') || !(offlineCheck.worker.startsWith('failed') || offlineCheck.worker === 'no running worker'))
    throw new Error('the network is still reachable after setNetwork(offline): the offline figures would be online ones');

  const series: OfflineSeries[] = [];
  for (const slowdown of opts.cpuSlowdowns) {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: slowdown });
    const runs: OfflineRun[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const run = await reloadOffline(page, 30_000 * slowdown);
      if (!run.fromServiceWorker) throw new Error('the offline reload was not answered by the service worker');
      runs.push(run);
      const m = run.marks;
      opts.say(
        `    ${slowdown === 1 ? '' : `${slowdown}× CPU `}run ${i + 1}: ${Math.round(run.ms)} ms to the first feed item painted ` +
          `(worker started ${Math.round(m.workerStart)}, shell received ${Math.round(m.responseEnd)}, DOM interactive ${Math.round(m.scriptsDone)}, ` +
          `DOMContentLoaded ${Math.round(m.domContentLoaded)}, item in the DOM ${Math.round(m.feedDomAt)})`,
      );
      // Let the app finish what it does after showing the feed (timers, IndexedDB) before the next reload.
      await page.waitForTimeout(750);
    }
    series.push({ cpuSlowdown: slowdown, runs });
  }
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await cdp.detach();
  await setNetwork(context, false);
  await page.close();
  return { warmup, offlineCheck, series };
}
