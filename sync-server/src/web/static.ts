// Serves the built PWA on the API's origin: hashed assets cached for a year, everything else revalidated,
// and deep links answered with index.html (the app's router decides what they show).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Context, MiddlewareHandler } from 'hono';

/** Paths the API owns. Never a file and never the app shell, so an unknown API path keeps its JSON 404.
 * The same list is the service worker's navigateFallbackDenylist (vite.config.ts; a test keeps them equal). */
export const API_PREFIXES = ['/auth', '/commands', '/graphql', '/healthz', '/metrics', '/dev', '/pay', '/disputes', '/money', '/push'] as const;

export function isApiPath(p: string): boolean {
  return API_PREFIXES.some((prefix) => p === prefix || p.startsWith(`${prefix}/`));
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wasm': 'application/wasm',
};

/** Vite names every file under assets/ by its content hash, so a URL there never changes meaning. Everything
 * else (index.html, sw.js, registerSW.js, manifest.webmanifest, workbox-*.js, icons) keeps its name
 * across releases and must be revalidated, or a device could pin an old service worker or shell. */
export function cacheControlFor(rel: string): string {
  return rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

interface Found {
  abs: string;
  rel: string;
  size: number;
  mtimeMs: number;
}

/** Dot segments name build metadata (.vite/manifest.json, the build stamp) or try to climb out of the
 * root (`..`): neither is part of the app. A NUL byte is never a file name. */
function outOfBounds(requestPath: string): boolean {
  return requestPath.includes('\0') || requestPath.split('/').some((segment) => segment.startsWith('.'));
}

/** The regular file inside `root` that a request path names, if any. */
async function findFile(root: string, requestPath: string): Promise<Found | undefined> {
  const rel = path.posix.normalize(requestPath).replace(/^\/+/, '') || 'index.html';
  const abs = path.join(root, rel);
  if (!abs.startsWith(root + path.sep)) return undefined;
  const stat = await fs.stat(abs).catch(() => undefined);
  return stat?.isFile() ? { abs, rel, size: stat.size, mtimeMs: stat.mtimeMs } : undefined;
}

async function send(c: Context, file: Found): Promise<Response> {
  const etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
  const headers = {
    'content-type': CONTENT_TYPES[path.extname(file.rel).toLowerCase()] ?? 'application/octet-stream',
    'cache-control': cacheControlFor(file.rel),
    etag,
  };
  // no-cache means "ask first": a matching ETag turns the question into a few hundred bytes on a slow link.
  const ifNoneMatch = c.req.header('if-none-match');
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag)) return c.body(null, 304, headers);
  // The whole build is a few hundred kilobytes of small files; reading one into memory is simpler than streaming.
  return c.body(new Uint8Array(await fs.readFile(file.abs)), 200, headers);
}

/** A navigation (or anything without a file extension) gets the app shell; a missing script or image gets a
 * 404, so a stale hashed URL fails loudly instead of parsing HTML as JavaScript. */
function wantsAppShell(requestPath: string, accept: string | undefined): boolean {
  return path.posix.extname(requestPath) === '' || (accept ?? '').includes('text/html');
}

function notBuiltPage(dir: string, devInbox: boolean): string {
  return (
    '<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>Fieldwork: the app is not built</title><main><h1>Fieldwork</h1>' +
    `<p>The sync server is running, but there is no app build in <code>${escapeHtml(dir)}</code>.</p>` +
    '<p>Build it with <code>npm run build</code> and reload this page (<code>npm start</code> builds it for you ' +
    'unless <code>WEB_BUILD=skip</code>). While working on the app, <code>npm run dev</code> serves it with live ' +
    'reload from the Vite dev server.</p><p>' +
    (devInbox ? 'Sign-in codes appear in the <a href="/dev/inbox">dev inbox</a>. ' : '') +
    '<a href="/healthz">Health</a> · <a href="/metrics">Metrics</a></p></main></html>'
  );
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * GET/HEAD handler for everything the API routes did not answer. Register it after them: it passes API
 * paths and unknown non-navigation paths on to the app's JSON 404.
 */
export function serveWeb(opts: { dir: string; devInbox: boolean }): MiddlewareHandler {
  const root = path.resolve(opts.dir);
  return async (c, next) => {
    const requestPath = c.req.path;
    if (isApiPath(requestPath) || outOfBounds(requestPath)) return next();
    const file = await findFile(root, requestPath);
    if (file) return send(c, file);
    if (!wantsAppShell(requestPath, c.req.header('accept'))) return next();
    const shell = await findFile(root, '/index.html');
    if (shell) return send(c, shell);
    c.header('cache-control', 'no-store');
    return c.html(notBuiltPage(opts.dir, opts.devInbox), 503);
  };
}
