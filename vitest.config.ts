// Two groups: pure, Postgres and device tests run in parallel first; then the browser tests, one file at a time.
import { configDefaults, defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const resolve = { alias: { '@shared': fileURLToPath(new URL('./shared/src', import.meta.url)) } };

export default defineConfig({
  resolve,
  test: {
    // One Postgres for the whole run: the root's global setup always runs, and every project sees what it provides.
    globalSetup: ['sync-server/test/global-setup.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: ['{shared,sync-server,web}/**/*.test.{ts,tsx}', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/e2e/**'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        resolve,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          // Builds the PWA once, only when browser tests are part of the run.
          globalSetup: ['test/e2e/global-setup.ts'],
          // Each file drives Chromium against a server and Postgres: on a 2-core machine they go one at a
          // time, after the other group has finished.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: 'forks',
        },
      },
    ],
  },
});
