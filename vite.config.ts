// Vite builds the PWA from web/ with assets from public/; the dev server proxies the API to the sync server.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const api = `http://localhost:${process.env.PORT ?? 8787}`;

export default defineConfig({
  root: 'web',
  publicDir: '../public',
  resolve: { alias: { '@shared': fileURLToPath(new URL('./shared/src', import.meta.url)) } },
  build: { outDir: '../dist/web', emptyOutDir: true },
  server: {
    proxy: Object.fromEntries(['/auth', '/commands', '/graphql', '/healthz', '/dev'].map((p) => [p, api])),
  },
});
