// The VAPID key pair: generated once into DATA_DIR and found again; a configured pair whose halves do not
// belong together is refused at start, not found out by every push failing.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import webpush from 'web-push';
import { describe, expect, it } from 'vitest';
import { vapidKeysFor } from './keys';

describe('vapidKeysFor', () => {
  it('generates a pair into DATA_DIR once and finds it again', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vapid-'));
    try {
      const first = await vapidKeysFor({ DATA_DIR: dir });
      expect(first.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
      expect(await vapidKeysFor({ DATA_DIR: dir })).toEqual(first);
      expect((await fs.stat(path.join(dir, 'vapid.json'))).mode & 0o777).toBe(0o600);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('takes a configured pair, and refuses one whose halves do not belong together', async () => {
    const a = webpush.generateVAPIDKeys();
    const b = webpush.generateVAPIDKeys();
    expect(await vapidKeysFor({ DATA_DIR: '/nonexistent', VAPID_PUBLIC_KEY: a.publicKey, VAPID_PRIVATE_KEY: a.privateKey })).toEqual(a);
    await expect(vapidKeysFor({ DATA_DIR: '/nonexistent', VAPID_PUBLIC_KEY: a.publicKey, VAPID_PRIVATE_KEY: b.privateKey })).rejects.toThrow(/not the private key's/);
  });
});
