// A stand-in for a browser push service at the edge of the world, for tests only. It speaks the protocol a
// push service speaks to an application server (RFC 8030): a POST of the encrypted message to the endpoint,
// 201 when taken, 404/410 for a subscription that has ended. And it checks what a real one checks: the VAPID
// authorization (RFC 8292: an ES256 JWT for this origin, expiring within a day, signed by the key it names)
// and a TTL. It also plays the browser: it holds each device's private key and decrypts what arrives
// (RFC 8291, aes128gcm), so a test reads exactly what the phone would show. Push services are https only,
// and so is web-push's client: the stand-in serves a throwaway certificate, and `agent` trusts it.
import { execFileSync } from 'node:child_process';
import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error http_ece ships no types; decrypt(buffer, params) is all this uses.
import ece from 'http_ece';
import type { PushSubscriptionInput } from '@shared/push';

export interface Received {
  device: string;
  /** The decrypted payload, parsed. */
  payload: unknown;
  ttl: number;
  urgency: string | null;
  topic: string | null;
  /** The VAPID key the sender signed with (k=). */
  key: string;
  subject: string;
}

export interface PushStandin {
  /** https://127.0.0.1:<port> */
  origin: string;
  /** An agent that trusts the stand-in's certificate, for createWebPushSender. */
  agent: Agent;
  /** A new device: its subscription as PushSubscription.toJSON() gives it. */
  device(): PushSubscriptionInput & { id: string };
  /** From now on this device's subscription has ended: 410 Gone. */
  end(id: string): void;
  /** Answer this device with `status` (a push service in trouble), or normally again with null. */
  failWith(id: string, status: number | null): void;
  received: Received[];
  /** Requests refused for a bad VAPID header, TTL or body, with the reason. */
  refused: string[];
  close(): Promise<void>;
}

const b64u = (b: Buffer) => b.toString('base64url');

interface Device {
  ecdh: ECDH;
  auth: Buffer;
  ended: boolean;
  status: number | null;
}

export async function startPushStandin(): Promise<PushStandin> {
  const devices = new Map<string, Device>();
  const received: Received[] = [];
  const refused: string[] = [];
  let origin = '';

  const answer = (res: ServerResponse, status: number, reason?: string) => {
    if (reason) refused.push(reason);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(reason ?? '');
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const id = /^\/push\/([\w-]+)$/.exec(req.url ?? '')?.[1];
    const device = id ? devices.get(id) : undefined;
    if (req.method !== 'POST' || !id || !device) return answer(res, 404);
    if (device.ended) return answer(res, 410);
    const auth = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(req.headers.authorization ?? '');
    if (!auth) return answer(res, 401, `no VAPID authorization: ${req.headers.authorization}`);
    const [, jwt, key] = auth as unknown as [string, string, string];
    const problem = checkVapid(jwt, key, origin);
    if (problem) return answer(res, 403, problem);
    const ttl = Number(req.headers.ttl);
    if (!Number.isInteger(ttl) || ttl < 0) return answer(res, 400, `TTL missing or not a number: ${req.headers.ttl}`);
    if (req.headers['content-encoding'] !== 'aes128gcm') return answer(res, 415, `content-encoding ${req.headers['content-encoding']}`);
    if (body.length > 4096) return answer(res, 413, `payload of ${body.length} bytes; push services take 4096`);
    if (device.status) return answer(res, device.status);
    let payload: unknown;
    try {
      payload = JSON.parse(ece.decrypt(body, { version: 'aes128gcm', privateKey: device.ecdh, authSecret: b64u(device.auth) }).toString('utf8'));
    } catch (e) {
      return answer(res, 400, `could not decrypt: ${String(e)}`);
    }
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { sub: string };
    received.push({ device: id, payload, ttl, urgency: header(req, 'urgency'), topic: header(req, 'topic'), key, subject: claims.sub });
    res.writeHead(201, { location: `${origin}/message/${received.length}` }).end();
  }

  const tls = throwawayCertificate();
  const server = createServer(tls, (req, res) => {
    handle(req, res).catch((e: unknown) => answer(res, 500, String(e)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    agent: new Agent({ ca: tls.cert }),
    device() {
      const id = b64u(randomBytes(9));
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      devices.set(id, { ecdh, auth, ended: false, status: null });
      return { id, endpoint: `${origin}/push/${id}`, expirationTime: null, keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) } };
    },
    end: (id) => void (devices.get(id)!.ended = true),
    failWith: (id, status) => void (devices.get(id)!.status = status),
    received,
    refused,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A self-signed certificate for 127.0.0.1, made for this run and thrown away. */
function throwawayCertificate(): { key: string; cert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'push-standin-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const header = (req: IncomingMessage, name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : null);

/** What is wrong with a VAPID token (RFC 8292 §2), or null. */
function checkVapid(jwt: string, key: string, audience: string): string | null {
  const [h, p, s] = jwt.split('.') as [string, string, string];
  const head = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { aud?: string; exp?: number; sub?: string };
  if (head.alg !== 'ES256') return `alg ${head.alg}`;
  if (claims.aud !== audience) return `aud ${claims.aud}, not ${audience}`;
  const now = Date.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp <= now || claims.exp > now + 86_400) return `exp ${claims.exp}`;
  if (!/^(mailto:|https:)/.test(claims.sub ?? '')) return `sub ${claims.sub}`;
  const point = Buffer.from(key, 'base64url');
  if (point.length !== 65 || point[0] !== 4) return 'k is not an uncompressed P-256 point';
  const publicKey = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33)) }, format: 'jwk' });
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  return ok ? null : 'the signature does not verify with k';
}
