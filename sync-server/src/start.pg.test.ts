// `npm start` as a person runs it: the PWA build, embedded Postgres, migrations, demo data, clean Ctrl-C,
// data kept across restarts, and recovery after the server was killed outright.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './db/embedded';
import { json } from '../test/app';
import { createTestDb } from '../test/db';

const root = path.resolve(import.meta.dirname, '../..');
let dataDir: string;
let port: number;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'fieldwork-start-'));
  await fs.chmod(dataDir, 0o755);
  port = await freePort();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 500));
  await fs.rm(dataDir, { recursive: true, force: true });
});

function start(env: Record<string, string> = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  // node with tsx's loader rather than the tsx CLI: the CLI is a wrapper process, and SIGKILL must hit the server itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/src/main.ts'], {
    cwd: root,
    // The PWA build goes to the temp folder, never the checkout's dist/; only the first start below builds it.
    env: { ...process.env, DATABASE_URL: '', NODE_ENV: 'development', DATA_DIR: path.join(dataDir, 'data'), WEB_DIST_DIR: path.join(dataDir, 'web'), WEB_BUILD: 'skip', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c));
  child.stderr!.on('data', (c: Buffer) => (out += c));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function healthy(output: () => string): Promise<void> {
  const until = Date.now() + 90_000;
  while (Date.now() < until) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server did not become healthy:\n${output()}`);
}

async function signIn(phone: string): Promise<{ id: string; displayName: string }> {
  const base = `http://127.0.0.1:${port}`;
  const sent = await fetch(`${base}/auth/code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone }) });
  expect(sent.status).toBe(202);
  const inbox = await json(await fetch(`${base}/dev/inbox.json?to=${encodeURIComponent(phone)}`));
  const code = /\b(\d{6})\b/.exec(inbox.messages[0].body)![1];
  const res = await fetch(`${base}/auth/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone, code }) });
  expect(res.status).toBe(200);
  return (await json(res)).user;
}

const postmasterPid = () => path.join(dataDir, 'data/pg/postmaster.pid');

describe('npm start', () => {
  it('builds the app, starts on embedded Postgres with demo data, stops cleanly, and finds its data again', async () => {
    const first = start({ WEB_BUILD: 'auto' });
    await healthy(first.output);
    expect(first.output()).toContain('"reason":"no build yet"');
    expect(first.output()).toContain('web app built');
    for (const page of ['/', '/o/feed']) {
      const res = await fetch(`http://127.0.0.1:${port}${page}`);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toMatch(/<script type="module"[^>]* src="\/assets\//);
    }
    const carla = await signIn('+14155550101');
    expect(carla.displayName).toBe('Carla Client');
    // Ctrl-C in a terminal reaches the server twice (the process group's signal, and tsx relaying it): one stop.
    first.child.kill('SIGINT');
    setTimeout(() => first.child.kill('SIGINT'), 20);
    expect(await first.exited).toBe(0);
    expect(existsSync(postmasterPid())).toBe(false);
    expect(first.output()).toContain('embedded Postgres stopped');

    const second = start();
    await healthy(second.output);
    expect((await signIn('+14155550101')).id).toBe(carla.id);
    expect(second.output()).not.toContain('seeded demo data');

    // Killed outright, the server leaves its Postgres running; the next start takes it over.
    second.child.kill('SIGKILL');
    await second.exited;
    expect(existsSync(postmasterPid())).toBe(true);
    const third = start();
    await healthy(third.output);
    expect(third.output()).toContain('stopping a Postgres left running by a previous server');
    expect((await signIn('+14155550101')).id).toBe(carla.id);
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  }, 240_000);

  it('uses DATABASE_URL when set, and then starts nothing embedded', async () => {
    const db = await createTestDb();
    const dir = path.join(dataDir, 'external');
    const server = start({ DATABASE_URL: db.url, DATA_DIR: dir });
    await healthy(server.output);
    expect((await signIn('+14155550102')).displayName).toBe('Chen Customer');
    expect(server.output()).toContain('"database":"external"');
    expect(existsSync(path.join(dir, 'pg'))).toBe(false);
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
    const [u] = await db.sql`select count(*)::int8 as n from users`;
    expect(u!.n).toBeGreaterThan(0);
    await db.drop();
  }, 120_000);
});
