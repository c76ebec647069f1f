// The service worker's push handlers (web/sw/push-sw.ts), built as one classic script beside sw.js, for the
// Workbox-generated worker to load with importScripts: generateSW stays, and its precaching and routes with it.
import path from 'node:path';
import { build, type Plugin } from 'vite';

export const PUSH_WORKER_FILE = 'push-sw.js';

/**
 * A Vite plugin that bundles `entry` on its own (importScripts takes no modules, and a chunk of the app's
 * bundle could import chunks the worker cannot load) and adds it to the build as PUSH_WORKER_FILE.
 *
 * Built outside the app's bundle, it still lands in the build folder before Workbox lists that folder, so it is
 * precached like the shell with a revision that changes with its content: a change to it changes sw.js, which
 * is what makes browsers install a new worker.
 */
export function pushWorker(entry: string, alias: Record<string, string>): Plugin {
  return {
    name: 'fieldwork-push-worker',
    apply: 'build',
    async generateBundle() {
      const output = await build({
        configFile: false,
        root: path.dirname(entry),
        logLevel: 'warn',
        resolve: { alias },
        build: {
          write: false,
          minify: true,
          // Service workers run in browsers as old as the app's (Vite's default targets), not older.
          lib: { entry, formats: ['iife'], name: 'fieldworkPush', fileName: () => PUSH_WORKER_FILE },
        },
      });
      const chunks = (Array.isArray(output) ? output : [output]).flatMap((o) => ('output' in o ? o.output : [])).filter((c) => c.type === 'chunk');
      if (chunks.length !== 1) this.error(`push worker: expected one chunk from ${entry}, got ${chunks.length}`);
      this.emitFile({ type: 'asset', fileName: PUSH_WORKER_FILE, source: chunks[0]!.code });
    },
  };
}
