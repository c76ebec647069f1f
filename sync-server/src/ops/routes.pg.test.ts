import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { createTestApp, json, PRODUCTION_ENV } from '../../test/app';
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

  it('does not log a client that hung up mid-body as an error of ours, and keeps serving', async () => {
    const t = createTestApp(db.sql);
    const errors = vi.spyOn(t.deps.log, 'error');
    // What Node's HTTP server makes of a connection closed before the body ended.
    const failing = (err: Error) =>
      t.app.request('/auth/code', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"phone":"+1415'));
            controller.error(err);
          },
        }),
        duplex: 'half',
      } as RequestInit);
    const res = await failing(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe('invalid_request');
    expect(errors).not.toHaveBeenCalled();
    // Any other failure is still ours, logged and answered 500.
    expect((await failing(new Error('something else'))).status).toBe(500);
    expect(errors).toHaveBeenCalledTimes(1);
    expect((await t.app.request('/healthz')).status).toBe(200);
  });

  it('serves Prometheus text and sets security headers', async () => {
    const res = await createTestApp(db.sql).app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toContain('process_cpu_user_seconds_total');
    const home = await createTestApp(db.sql).app.request('/');
    expect(home.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(home.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves /metrics with METRICS_TOKEN only to a scraper that sends it, and without one only on this machine', async () => {
    const token = 'metrics-token-metrics-token-0123456789';
    const guarded = createTestApp(db.sql, { METRICS_TOKEN: token, HOST: '0.0.0.0', DEMO_ON_NETWORK: 'true' }).app;
    const bare = await guarded.request('/metrics');
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect((await json(bare)).error).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('METRICS_TOKEN') });
    for (const wrong of [`Bearer ${token.slice(0, -1)}`, `Bearer ${token}x`, token, `Basic ${token}`])
      expect((await guarded.request('/metrics', { headers: { authorization: wrong } })).status).toBe(401);
    const scraped = await guarded.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('process_cpu_user_seconds_total');

    // No token: a listener beyond this machine, or a request through a proxy on it, is told what to set.
    const open = createTestApp(db.sql, { HOST: '0.0.0.0', DEMO_ON_NETWORK: 'true' }).app;
    const refused = await open.request('/metrics');
    expect(refused.status).toBe(401);
    expect((await json(refused)).error.message).toContain('set METRICS_TOKEN');
    const local = createTestApp(db.sql, { TRUST_PROXY: 'true' }).app;
    expect((await local.request('/metrics', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(401);
    expect((await local.request('/metrics', { headers: { forwarded: 'for=203.0.113.9' } })).status).toBe(401);
    expect((await local.request('/metrics')).status).toBe(200);
    // In production a proxy on this machine need not say so: there the token is the only way.
    const production = PRODUCTION_ENV;
    expect((await createTestApp(db.sql, production).app.request('/metrics')).status).toBe(401);
    const withToken = createTestApp(db.sql, { ...production, METRICS_TOKEN: token }).app;
    expect((await withToken.request('/metrics', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('refuses a METRICS_TOKEN too short to be a secret', () => {
    expect(() => createTestApp(db.sql, { METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: must be at least 32 characters/);
  });

  it('answers unknown API routes with a JSON 404', async () => {
    // Other unknown paths are the PWA's deep links (web/static.ts); API paths never fall back to the app.
    const res = await createTestApp(db.sql).app.request('/auth/nope');
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe('not_found');
  });
});
