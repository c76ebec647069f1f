// Builds the PWA once per test run, into a temporary folder that the browser tests' servers serve.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildWeb } from '../../sync-server/src/web/ensure-build';

declare module 'vitest' {
  export interface ProvidedContext {
    webDist: string;
  }
}

export async function setup(project: TestProject) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fieldwork-web-'));
  const started = performance.now();
  await buildWeb(dir);
  console.log(`e2e: built the PWA into ${dir} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  project.provide('webDist', dir);
  return () => fs.rm(dir, { recursive: true, force: true });
}
