// The server's VAPID key pair: configured (production), or generated once into DATA_DIR (development), as the
// JWT secret is, so that devices subscribed for push keep receiving after a restart: a subscription is bound
// to the public key it was made with.
import { createECDH } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import webpush from 'web-push';
import type { Config } from '../config';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

export async function vapidKeysFor(config: Pick<Config, 'VAPID_PUBLIC_KEY' | 'VAPID_PRIVATE_KEY' | 'DATA_DIR'>): Promise<VapidKeys> {
  if (config.VAPID_PUBLIC_KEY && config.VAPID_PRIVATE_KEY) return checkedPair({ publicKey: config.VAPID_PUBLIC_KEY, privateKey: config.VAPID_PRIVATE_KEY });
  const file = path.resolve(config.DATA_DIR, 'vapid.json');
  try {
    return parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file} is not a VAPID key pair; remove it to have a new one generated`, { cause: e });
  }
  const { publicKey, privateKey } = webpush.generateVAPIDKeys();
  await fs.mkdir(path.dirname(file), { recursive: true });
  // `wx`: two servers starting on one DATA_DIR keep whichever pair was written first.
  await fs.writeFile(file, JSON.stringify({ publicKey, privateKey }), { mode: 0o600, flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  return parse(await fs.readFile(file, 'utf8'));
}

function parse(text: string): VapidKeys {
  const v = JSON.parse(text) as Partial<VapidKeys>;
  if (typeof v.publicKey !== 'string' || typeof v.privateKey !== 'string') throw new Error('missing publicKey or privateKey');
  return checkedPair({ publicKey: v.publicKey, privateKey: v.privateKey });
}

/**
 * The pair, once the public key is found to be the private key's: a mismatched pair would start fine and then
 * have every push refused (403), each piece of news falling back to a text with nothing said at start.
 */
export function checkedPair(keys: VapidKeys): VapidKeys {
  let derived: string;
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(keys.privateKey, 'base64url'));
    derived = ecdh.getPublicKey().toString('base64url');
  } catch (e) {
    throw new Error('the VAPID private key is not a P-256 private key', { cause: e });
  }
  if (derived !== keys.publicKey) throw new Error('the VAPID public key is not the private key\'s: set the pair that was generated together');
  return keys;
}
