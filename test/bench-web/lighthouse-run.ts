// Lighthouse (npm `lighthouse` 12, its default mobile profile with simulated throttling) against Debian's
// Chromium started by chrome-launcher, plus one extra artifact: what the audited page showed at the end,
// so a feed audit that landed on the sign-in screen fails instead of reporting the wrong page's scores.
import * as chromeLauncher from 'chrome-launcher';
import lighthouse, { Audit, Gatherer } from 'lighthouse';
import type * as LH from 'lighthouse/types/lh.js';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/browser';
import { activeServiceWorker, PAGE_STATE_EXPRESSION, signInAsOperator, type PageState } from './operator';

const PAGE_STATE = 'FieldworkPageState';

/** Reads the page after Lighthouse's navigation and trace have finished: it costs the measured load nothing. */
class PageStateGatherer extends Gatherer {
  override meta: LH.Gatherer.GathererMeta = { supportedModes: ['navigation'] };

  override getArtifact(context: LH.Gatherer.Context): LH.Gatherer.PhaseResult {
    // Lighthouse's types list its own artifacts only; ours is a PageState.
    return readPageState(context) as unknown as LH.Gatherer.PhaseResult;
  }
}

async function readPageState(context: LH.Gatherer.Context): Promise<PageState> {
  const { result, exceptionDetails } = await context.driver.defaultSession.sendCommand('Runtime.evaluate', {
    expression: PAGE_STATE_EXPRESSION,
    returnByValue: true,
    awaitPromise: true,
  });
  if (exceptionDetails) throw new Error(`reading the page failed: ${exceptionDetails.text}`);
  return result.value as PageState;
}

/** Lighthouse drops artifacts no audit asks for; this one asks, shows the state in the report, scores nothing. */
class PageStateAudit extends Audit {
  static override get meta(): LH.Audit.Meta {
    return {
      id: 'fieldwork-page-state',
      title: 'What the audited page showed',
      description: 'Recorded by bench:web to check that the audit measured the intended screen.',
      scoreDisplayMode: Audit.SCORING_MODES.INFORMATIVE,
      requiredArtifacts: [PAGE_STATE] as unknown as LH.Audit.Meta['requiredArtifacts'],
    };
  }

  static override audit(artifacts: LH.Artifacts): LH.Audit.Product {
    const state = (artifacts as unknown as Record<string, PageState>)[PAGE_STATE]!;
    return { score: 1, displayValue: `${state.path}: ${state.feedItems} feed items${state.signIn ? ', sign-in form' : ''}` };
  }
}

/** The default config (mobile, simulated throttling) reduced to the two categories, plus the page-state check. */
const CONFIG: LH.Config = {
  extends: 'lighthouse:default',
  settings: { onlyCategories: ['performance', 'accessibility'], onlyAudits: ['fieldwork-page-state'] },
  artifacts: [{ id: PAGE_STATE, gatherer: { implementation: PageStateGatherer } }],
  audits: [{ implementation: PageStateAudit }],
};

export interface AuditBrowser {
  port: number;
  pid: number | undefined;
  kill(): void;
}

/** Chromium for Lighthouse, in a fresh profile that chrome-launcher makes and removes. */
export async function launchAuditBrowser(): Promise<AuditBrowser> {
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM_PATH,
    chromeFlags: ['--headless=new', ...CHROMIUM_ARGS],
    // Its SIGINT handler would exit the process before the benchmark stops the server and Postgres.
    handleSIGINT: false,
    logLevel: 'silent',
  });
  let killed = false;
  return {
    port: chrome.port,
    pid: chrome.pid,
    kill() {
      if (killed) return;
      killed = true;
      chrome.kill();
    },
  };
}

/** Signs the operator in inside the audit browser's own profile (cookie, localStorage, IndexedDB, service worker). */
export async function signInAuditBrowser(browser: AuditBrowser, baseUrl: string): Promise<PageState> {
  const cdp = await chromium.connectOverCDP(`http://127.0.0.1:${browser.port}`);
  try {
    const context = cdp.contexts()[0];
    if (!context) throw new Error('the audit browser has no default context');
    const page = await context.newPage();
    const state = await signInAsOperator(page, baseUrl);
    await activeServiceWorker(page);
    await page.close();
    return state;
  } finally {
    // Connected over CDP, close() only disconnects: the browser and its profile stay.
    await cdp.close();
  }
}

export interface AuditResult {
  performance: number;
  accessibility: number;
  lcpMs: number;
  tbtMs: number;
  cls: number;
  fcpMs: number;
  speedIndexMs: number;
  state: PageState;
  lcpElement: string | undefined;
  /** Accessibility audits that count towards the score and did not pass. */
  a11yFailures: string[];
  warnings: string[];
  benchmarkIndex: number | undefined;
  totalMs: number;
  lhr: LH.Result;
}

const score = (s: number | null | undefined) => (s == null ? NaN : Math.round(s * 100));

function lcpElement(lhr: LH.Result): string | undefined {
  // LH 12: a list whose first table holds the element's node.
  const details = lhr.audits['largest-contentful-paint-element']?.details as { items?: { items?: { node?: { nodeLabel?: string; snippet?: string } }[] }[] } | undefined;
  const node = details?.items?.[0]?.items?.[0]?.node;
  return node ? `${node.snippet ?? ''}${node.nodeLabel ? ` “${node.nodeLabel}”` : ''}` : undefined;
}

export async function runLighthouse(browser: AuditBrowser, url: string, opts: { disableStorageReset: boolean }): Promise<AuditResult> {
  const result = await lighthouse(url, { port: browser.port, logLevel: 'error', output: 'json', disableStorageReset: opts.disableStorageReset }, CONFIG);
  if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
  const { lhr } = result;
  if (lhr.runtimeError) throw new Error(`Lighthouse could not audit ${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  const state = (result.artifacts as unknown as Record<string, PageState | Error | undefined>)[PAGE_STATE];
  if (!state || state instanceof Error) throw new Error(`Lighthouse did not record what ${url} showed${state instanceof Error ? `: ${state.message}` : ''}`);
  const numeric = (id: string) => lhr.audits[id]?.numericValue ?? NaN;
  const a11y = lhr.categories.accessibility;
  const a11yFailures = (a11y?.auditRefs ?? [])
    .filter((ref) => ref.weight > 0)
    .map((ref) => lhr.audits[ref.id]!)
    .filter((a) => a.score !== null && a.score < 1)
    .map((a) => `${a.id}: ${a.title}`);
  return {
    performance: score(lhr.categories.performance?.score),
    accessibility: score(a11y?.score),
    lcpMs: numeric('largest-contentful-paint'),
    tbtMs: numeric('total-blocking-time'),
    cls: numeric('cumulative-layout-shift'),
    fcpMs: numeric('first-contentful-paint'),
    speedIndexMs: numeric('speed-index'),
    state,
    lcpElement: lcpElement(lhr),
    a11yFailures,
    warnings: lhr.runWarnings.map(String),
    benchmarkIndex: lhr.environment.benchmarkIndex,
    totalMs: lhr.timing.total,
    lhr,
  };
}
