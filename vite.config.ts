// Vite builds the PWA from web/ with assets from public/; the dev server proxies the API to the sync server.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';
import { fileURLToPath } from 'node:url';
import { shellPrecache } from './scripts/precache-shell.ts';
import { PUSH_WORKER_FILE, pushWorker } from './scripts/push-worker.ts';

const api = `http://localhost:${process.env.PORT ?? 8787}`;

/** Paths the sync server answers; the service worker never serves the app shell for them nor caches them. */
export const API_PREFIXES = ['/auth', '/commands', '/graphql', '/healthz', '/metrics', '/dev', '/pay', '/disputes', '/money', '/push'] as const;

const shell = shellPrecache();
const alias = { '@shared': fileURLToPath(new URL('./shared/src', import.meta.url)) };

export default defineConfig({
  root: 'web',
  publicDir: '../public',
  resolve: { alias },
  build: { outDir: '../dist/web', emptyOutDir: true, manifest: true },
  plugins: [
    react(),
    shell.plugin,
    pushWorker(fileURLToPath(new URL('./web/sw/push-sw.ts', import.meta.url)), alias),
    VitePWA({
      registerType: 'prompt',
      injectRegister: null,
      manifest: {
        name: 'Fieldwork',
        short_name: 'Fieldwork',
        description: 'Find, book and deliver local gig work — even with no signal.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: '#0b5d3b',
        background_color: '#ffffff',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        navigateFallback: '/index.html',
        navigateFallbackDenylist: API_PREFIXES.map((p) => new RegExp(`^${p}(/|$)`)),
        globPatterns: ['**/*.{js,css,html,png,svg,webmanifest}'],
        // Only the shell and the field screens; see scripts/precache-shell.ts.
        manifestTransforms: [shell.transform],
        // Anything else under /assets/ (admin screens) is cached on first use: hashed names never change meaning.
        runtimeCaching: [
          {
            urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith('/assets/'),
            handler: 'CacheFirst',
            options: { cacheName: 'fw-assets', expiration: { maxEntries: 40 } },
          },
        ],
        cleanupOutdatedCaches: true,
        // Push and notification taps (web/sw/push-sw.ts): handlers of our own beside Workbox's.
        importScripts: [PUSH_WORKER_FILE],
      },
    }),
  ],
  server: {
    // xfwd: the server sees X-Forwarded-For, so it can tell a phone on the LAN (`--host`) from this machine.
    proxy: Object.fromEntries(API_PREFIXES.map((p) => [p, { target: api, ws: p === '/graphql', xfwd: true }])),
  },
});
