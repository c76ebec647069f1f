import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { createTestApp, json } from '../../test/app';
import { createSql } from '../db/sql';
import { freePort } from '../db/embedded';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.drop());

describe('operations', () => {
  it('reports healthy with a reachable database, and 503 without one', async () => {
    const ok = await createTestApp(db.sql).app.request('/healthz');
    expect(ok.status).toBe(200);
    expect(await json(ok)).toEqual({ ok: true, database: 'up' });
    const dead = createSql(`postgres://x:y@127.0.0.1:${await freePort()}/none`, { max: 1 });
    const down = await createTestApp(dead).app.request('/healthz');
    expect(down.status).toBe(503);
    expect((await json(down)).database).toBe('down');
    await dead.end({ timeout: 1 });
  });

  it('serves Prometheus text and sets security headers', async () => {
    const res = await createTestApp(db.sql).app.request('/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toContain('process_cpu_user_seconds_total');
    const home = await createTestApp(db.sql).app.request('/');
    expect(home.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(home.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers unknown API routes with a JSON 404', async () => {
    // Other unknown paths are the PWA's deep links (web/static.ts); API paths never fall back to the app.
    const res = await createTestApp(db.sql).app.request('/auth/nope');
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe('not_found');
  });
});
