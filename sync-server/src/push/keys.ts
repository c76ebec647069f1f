// The server's VAPID key pair: configured (production), or generated once into DATA_DIR (development), as the
// JWT secret is, so that devices subscribed for push keep receiving after a restart: a subscription is bound
// to the public key it was made with.
import fs from 'node:fs/promises';
import path from 'node:path';
import webpush from 'web-push';
import type { Config } from '../config';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

export async function vapidKeysFor(config: Pick<Config, 'VAPID_PUBLIC_KEY' | 'VAPID_PRIVATE_KEY' | 'DATA_DIR'>): Promise<VapidKeys> {
  if (config.VAPID_PUBLIC_KEY && config.VAPID_PRIVATE_KEY) return { publicKey: config.VAPID_PUBLIC_KEY, privateKey: config.VAPID_PRIVATE_KEY };
  const file = path.resolve(config.DATA_DIR, 'vapid.json');
  try {
    return parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file} is not a VAPID key pair; remove it to have a new one generated`, { cause: e });
  }
  const { publicKey, privateKey } = webpush.generateVAPIDKeys();
  await fs.mkdir(path.dirname(file), { recursive: true });
  // `wx`: two servers starting on one DATA_DIR keep whichever pair was written first.
  await fs.writeFile(file, JSON.stringify({ publicKey, privateKey }), { mode: 0o600, flag: 'wx' }).catch(() => undefined);
  return parse(await fs.readFile(file, 'utf8'));
}

function parse(text: string): VapidKeys {
  const v = JSON.parse(text) as Partial<VapidKeys>;
  if (typeof v.publicKey !== 'string' || typeof v.privateKey !== 'string') throw new Error('missing publicKey or privateKey');
  return { publicKey: v.publicKey, privateKey: v.privateKey };
}
