// The PWA as Chromium judges it: a complete manifest with real icons, a service worker that controls the
// page, no installability errors, API responses never cached, and deep links that open the app.
import { describe, expect, it } from 'vitest';
import { pngSize } from '../../scripts/png-encode';
import { API_PREFIXES } from '../../sync-server/src/web/static';
import { launchProfile } from './browser';
import { useE2e } from './fixture';
import { readDevInboxCode } from './dev-inbox';
import { setNetwork } from './network';
import { openControlledApp } from './service-worker';

const e2e = useE2e();

interface ManifestIcon {
  src: string;
  sizes: string;
  type: string;
  purpose?: string;
}

async function expectPng(url: string, size: number) {
  const res = await fetch(new URL(url, e2e.server().baseUrl));
  expect({ url, status: res.status, type: res.headers.get('content-type') }).toEqual({ url, status: 200, type: 'image/png' });
  expect({ url, size: pngSize(new Uint8Array(await res.arrayBuffer())) }).toEqual({ url, size: { width: size, height: size } });
}

describe('installability', () => {
  it('links a complete manifest whose icons are PNGs of the stated sizes', async () => {
    const html = await (await fetch(e2e.server().baseUrl)).text();
    expect(html).toMatch(/<link rel="manifest" href="\/manifest\.webmanifest"/);

    const res = await fetch(`${e2e.server().baseUrl}/manifest.webmanifest`);
    expect(res.headers.get('content-type')).toBe('application/manifest+json; charset=utf-8');
    const manifest = (await res.json()) as Record<string, unknown> & { icons: ManifestIcon[] };
    expect(manifest).toMatchObject({
      name: 'Fieldwork',
      short_name: 'Fieldwork',
      start_url: '/',
      display: 'standalone',
      theme_color: '#0b5d3b',
      background_color: '#ffffff',
    });
    expect(manifest.description).toEqual(expect.stringMatching(/\w{3,}/));
    const any = manifest.icons.filter((i) => (i.purpose ?? 'any').split(' ').includes('any'));
    expect(any.map((i) => i.sizes).sort()).toEqual(['192x192', '512x512']);
    expect(manifest.icons.filter((i) => i.purpose?.split(' ').includes('maskable')).map((i) => i.sizes)).toEqual(['512x512']);
    for (const icon of manifest.icons) {
      expect(icon.type).toBe('image/png');
      await expectPng(icon.src, Number(icon.sizes.split('x')[0]));
    }

    const touch = /<link rel="apple-touch-icon" href="([^"]+)"/.exec(html)?.[1];
    expect(touch, 'index.html links an apple-touch-icon').toBeDefined();
    await expectPng(touch!, 180);
  });

  it('is controlled by its service worker after a reload, and Chromium finds nothing missing to install it', async () => {
    const profile = await launchProfile(); // an ordinary profile: Chromium installs nothing from incognito
    const context = profile.context;
    const cspViolations: string[] = [];
    context.on('console', (m) => void (/Content Security Policy/i.test(m.text()) ? cspViolations.push(m.text()) : undefined));
    const { page, worker } = await openControlledApp(context, e2e.server().baseUrl);
    expect(worker.url()).toBe(`${e2e.server().baseUrl}/sw.js`);
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${e2e.server().baseUrl}/sw.js`);

    const cdp = await context.newCDPSession(page);
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest.errors).toEqual([]);
    expect((await cdp.send('Page.getInstallabilityErrors')).installabilityErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
    await profile.close();
  });

  it('never puts API responses in Cache Storage, after signing in and syncing', async () => {
    const context = await e2e.chromium().newContext({ locale: 'en-US' });
    const cspViolations: string[] = [];
    context.on('console', (m) => void (/Content Security Policy/i.test(m.text()) ? cspViolations.push(m.text()) : undefined));
    const { page } = await openControlledApp(context, e2e.server().baseUrl);

    const phone = '+14155550110'; // Omar Operator, from the demo data
    await page.getByLabel('Mobile number').fill(phone);
    await page.getByRole('button', { name: 'Text me a code' }).click();
    await page.getByLabel('Code from the text message').fill(await readDevInboxCode(e2e.server().baseUrl, phone));
    const pulled = page.waitForResponse((r) => new URL(r.url()).pathname === '/graphql' && r.request().method() === 'POST' && r.ok());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await pulled;
    await page.waitForURL(/\/o(\/|$)/);
    await page.waitForLoadState('networkidle');

    const cached = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
      return urls;
    });
    expect(cached.length, 'the precache exists, so an empty API list means something').toBeGreaterThan(0);
    expect(cached.filter((p) => API_PREFIXES.some((prefix) => p === prefix || p.startsWith(`${prefix}/`)))).toEqual([]);
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('opens a deep link online and, from the service worker, offline; API paths never get the app shell', async () => {
    const online = await e2e.chromium().newContext({ locale: 'en-US' });
    const fresh = await online.newPage();
    const res = await fresh.goto(`${e2e.server().baseUrl}/o/feed`);
    expect(res?.status()).toBe(200);
    await fresh.getByLabel('Mobile number').waitFor(); // signed out, the app itself answers the deep link
    await online.close();

    const context = await e2e.chromium().newContext({ locale: 'en-US' });
    const { page } = await openControlledApp(context, e2e.server().baseUrl);
    await setNetwork(page, true);
    const offline = await page.goto(`${e2e.server().baseUrl}/o/feed`);
    expect(offline?.fromServiceWorker()).toBe(true);
    await page.getByLabel('Mobile number').waitFor();
    // The navigation fallback's denylist: an API path is a network request, and there is no network.
    await expect(page.goto(`${e2e.server().baseUrl}/dev/inbox`)).rejects.toThrow(/ERR_INTERNET_DISCONNECTED/);
    await context.close();
  });
});
