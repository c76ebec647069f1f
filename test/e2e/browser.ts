// Debian's Chromium driven by playwright-core: no test tool downloads a browser of its own.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Quiet, reproducible flags: no GPU in containers, no background traffic that would muddy network assertions. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Chromium {
  browser: Browser;
  /** A fresh context: its own storage, caches and service workers, like a new device. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Fails (never skips) with what to do when Chromium is missing. */
function requireChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is needed for the end-to-end tests and was not found at ${CHROMIUM_PATH}. ` +
        'Install it with `sudo apt-get install -y chromium` (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome binary.',
    );
  }
}

/** Launches Chromium for tests that open fresh, incognito-like contexts. */
export async function launchChromium(): Promise<Chromium> {
  requireChromium();
  // playwright-core makes a fresh temporary user-data dir for every launch and removes it on close.
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  return {
    browser,
    newContext: (options) => browser.newContext(options),
    close: () => browser.close(),
  };
}

/**
 * Chromium with one ordinary (persistent) profile in a fresh temporary user-data dir, removed on close.
 * Installability needs it: Chromium installs nothing from an incognito-like context ("in-incognito").
 */
export async function launchProfile(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  requireChromium();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fieldwork-chromium-'));
  const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, locale: 'en-US' });
  return {
    context,
    async close() {
      await context.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
