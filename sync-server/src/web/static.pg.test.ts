// The PWA served by the real app from a build folder: cache headers, content types, the SPA fallback,
// and the API's JSON 404s kept out of it.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { createTestApp, json } from '../../test/app';
import { API_PREFIXES } from './static';

let db: TestDb;
let dist: string;
const INDEX = '<!doctype html><html><head><title>Fieldwork</title></head><body><div id="root"></div></body></html>';
const BUNDLE = `console.log(${JSON.stringify('x'.repeat(4000))});`;

beforeAll(async () => {
  db = await createTestDb({ max: 2 });
  dist = await fs.mkdtemp(path.join(os.tmpdir(), 'fieldwork-dist-'));
  const files: Record<string, string> = {
    'index.html': INDEX,
    'sw.js': 'self.addEventListener("fetch", () => {});',
    'registerSW.js': 'navigator.serviceWorker.register("/sw.js")',
    'workbox-2fbc6a65.js': '/* workbox */',
    'manifest.webmanifest': '{"name":"Fieldwork"}',
    'assets/index-BoF1Lary.js': BUNDLE,
    'icons/icon-192.png': '\x89PNG',
    'robots.txt': 'User-agent: *',
    '.vite/manifest.json': '{"secret":"build metadata"}',
    '.build-stamp': '{}',
  };
  for (const [name, body] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dist, name)), { recursive: true });
    await fs.writeFile(path.join(dist, name), body);
  }
});
afterAll(async () => {
  await db.drop();
  await fs.rm(dist, { recursive: true, force: true });
});

const app = (dir = dist) => createTestApp(db.sql, { WEB_DIST_DIR: dir, SMS_PROVIDER: 'dev' }).app;

describe('the PWA on the API origin', () => {
  it('serves index.html at / with no-cache and the security headers', async () => {
    const res = await app().request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe(INDEX);
  });

  it('caches hashed assets for a year and compresses them', async () => {
    const res = await app().request('/assets/index-BoF1Lary.js', { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await res.arrayBuffer())).toString()).toBe(BUNDLE);
  });

  it('revalidates the service worker, its helpers, the manifest and unhashed public files', async () => {
    const expected: Record<string, string> = {
      '/sw.js': 'text/javascript; charset=utf-8',
      '/registerSW.js': 'text/javascript; charset=utf-8',
      '/workbox-2fbc6a65.js': 'text/javascript; charset=utf-8',
      '/manifest.webmanifest': 'application/manifest+json; charset=utf-8',
      '/icons/icon-192.png': 'image/png',
      '/robots.txt': 'text/plain; charset=utf-8',
    };
    for (const [url, type] of Object.entries(expected)) {
      const res = await app().request(url);
      expect({ url, status: res.status, type: res.headers.get('content-type'), cache: res.headers.get('cache-control') }).toEqual({ url, status: 200, type, cache: 'no-cache' });
    }
  });

  it('answers a matching ETag with 304 and HEAD without a body', async () => {
    const first = await app().request('/sw.js');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);
    const again = await app().request('/sw.js', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const head = await app().request('/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await head.text()).toBe('');
  });

  it('answers deep links with the app shell', async () => {
    for (const url of ['/o/feed', '/o/feed/', '/c/gigs/0190b6e4-1f2a-7c3d-8e4f-5a6b7c8d9e0f', '/authors', '/healthzone']) {
      const res = await app().request(url);
      expect({ url, status: res.status, cache: res.headers.get('cache-control') }).toEqual({ url, status: 200, cache: 'no-cache' });
      expect(await res.text()).toBe(INDEX);
    }
    // A navigation whose last segment looks like a file name is still a navigation.
    const nav = await app().request('/c/search/v1.2', { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(await nav.text()).toBe(INDEX);
  });

  it('never answers API paths with the shell: they keep their JSON 404', async () => {
    for (const prefix of API_PREFIXES) {
      for (const url of [`${prefix}/nope`, `${prefix}/nope/deeper`]) {
        const res = await app().request(url, { headers: { accept: 'text/html' } });
        expect({ url, status: res.status, type: res.headers.get('content-type') }).toEqual({ url, status: 404, type: 'application/json' });
        expect((await json(res)).error.code).toBe('not_found');
      }
    }
    expect((await app().request('/pay')).status).toBe(404);
    expect((await app().request('/healthz')).status).toBe(200);
  });

  it('gives missing files, build metadata and escapes a 404 rather than the shell or a file outside', async () => {
    for (const url of ['/assets/index-gone.js', '/icons/nope.png', '/.vite/manifest.json', '/.build-stamp', '/favicon.ico']) {
      const res = await app().request(url);
      expect({ url, status: res.status }).toEqual({ url, status: 404 });
      expect((await json(res)).error.code).toBe('not_found');
    }
    for (const url of ['/../package.json', '/..%2f..%2fpackage.json', '/assets/../../package.json', '/%2e%2e/%2e%2e/package.json']) {
      const res = await app().request(url);
      expect(await res.text()).not.toContain('"name": "fieldwork"');
    }
  });

  it('only serves GET and HEAD', async () => {
    const res = await app().request('/o/feed', { method: 'POST' });
    expect(res.status).toBe(404);
  });

  it('explains how to build when there is no build', async () => {
    const empty = path.join(dist, 'missing');
    for (const url of ['/', '/o/feed']) {
      const res = await app(empty).request(url);
      expect(res.status).toBe(503);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const page = await res.text();
      expect(page).toContain('npm run build');
      expect(page).toContain('/dev/inbox');
    }
    expect((await app(empty).request('/assets/index-BoF1Lary.js')).status).toBe(404);
  });
});
