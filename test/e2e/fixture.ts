// Per-file setup for browser tests: one server and one Chromium, shared by the file's tests.
import { afterAll, beforeAll } from 'vitest';
import { launchChromium, type Chromium } from './browser';
import { startE2eServer, type E2eServer } from './server';

export interface E2eFixture {
  server(): E2eServer;
  chromium(): Chromium;
}

/**
 * Registers beforeAll/afterAll hooks. A failure to start (Chromium missing, above all) is kept and thrown
 * from each test that asks for the browser, so every test fails with the reason, instead of vitest
 * reporting a failed hook and its tests as merely skipped.
 */
export function useE2e(): E2eFixture {
  let server: E2eServer | undefined;
  let chromium: Chromium | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      server = await startE2eServer();
      chromium = await launchChromium();
    } catch (e) {
      failure = e;
    }
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
  });
  const ready = () => {
    if (failure) throw failure;
  };
  return {
    server: () => (ready(), server!),
    chromium: () => (ready(), chromium!),
  };
}
