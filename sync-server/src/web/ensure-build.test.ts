// When `npm start` must build the PWA again: no build, or a source newer than the build stamp.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILD_STAMP, staleReason } from './ensure-build';

let repo: string;
let out: string;
const hourAgo = new Date(Date.now() - 3600_000);
const now = new Date();

async function write(rel: string, when: Date) {
  const file = path.join(repo, rel);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, rel);
  await fs.utimes(file, when, when);
}

beforeEach(async () => {
  repo = await fs.mkdtemp(path.join(os.tmpdir(), 'fieldwork-stale-'));
  out = path.join(repo, 'dist/web');
  for (const rel of ['web/index.html', 'web/src/main.tsx', 'shared/src/money.ts', 'public/icons/icon.svg', 'vite.config.ts', 'package-lock.json']) await write(rel, hourAgo);
});
afterEach(() => fs.rm(repo, { recursive: true, force: true }));

describe('staleReason', () => {
  it('wants a build when there is none, or an unfinished one without a stamp', async () => {
    expect(await staleReason(out, repo)).toBe('no build yet');
    await write('dist/web/index.html', now);
    expect(await staleReason(out, repo)).toBe('no build yet');
  });

  it('is satisfied by a stamp newer than every input', async () => {
    await write('dist/web/index.html', now);
    await write(`dist/web/${BUILD_STAMP}`, now);
    expect(await staleReason(out, repo)).toBeUndefined();
  });

  it('dates a plain `vite build` by its service worker, the last file it writes', async () => {
    await write('dist/web/index.html', now);
    await write('dist/web/sw.js', now);
    expect(await staleReason(out, repo)).toBeUndefined();
    await write('web/src/main.tsx', new Date(now.getTime() + 1000));
    expect(await staleReason(out, repo)).toBe('web/src/main.tsx changed');
  });

  it('names the input that changed after the build', async () => {
    await write('dist/web/index.html', hourAgo);
    await write(`dist/web/${BUILD_STAMP}`, new Date(hourAgo.getTime() + 1000));
    for (const rel of ['web/src/app/feed-page.tsx', 'shared/src/money.ts', 'public/robots.txt', 'vite.config.ts', 'package-lock.json']) {
      await write(rel, now);
      expect(await staleReason(out, repo)).toBe(`${rel} changed`);
      await write(rel, hourAgo);
    }
  });

  it('ignores dot folders and node_modules inside the inputs', async () => {
    await write('dist/web/index.html', hourAgo);
    await write(`dist/web/${BUILD_STAMP}`, new Date(hourAgo.getTime() + 1000));
    await write('web/.cache/x', now);
    await write('web/node_modules/x/index.js', now);
    expect(await staleReason(out, repo)).toBeUndefined();
  });
});
