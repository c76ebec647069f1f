// GET /healthz (database reachable) and GET /metrics (Prometheus text).
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { Deps } from '../deps';
import { isLoopback, type Config } from '../config';
import { HttpError } from '../errors';
import { forwardedFor } from '../http/client-address';
import { registry } from './metrics';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * What /metrics tells (traffic by command type, latencies, memory) is for operators. With METRICS_TOKEN set, a
 * scraper sends it as a bearer token. Without one, it answers only in development on a server listening on
 * this machine, and not what came through a proxy, which passes on whoever reaches it (the dev server's proxy
 * marks what it forwards). In production a proxy on this machine need not mark anything, so there the token
 * is the only way. Refusals say what to set.
 */
function mayReadMetrics(c: Context, config: Config): void {
  if (config.METRICS_TOKEN) {
    const sent = /^Bearer (.+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    // Digests first: equal lengths for timingSafeEqual, and no hint of the token's length.
    if (timingSafeEqual(digest(sent), digest(config.METRICS_TOKEN))) return;
    c.header('www-authenticate', 'Bearer realm="metrics"');
    throw new HttpError('unauthorized', 'GET /metrics needs the METRICS_TOKEN as a bearer token.');
  }
  if (config.NODE_ENV === 'production' || !isLoopback(config.HOST) || forwardedFor(c) !== undefined)
    throw new HttpError('unauthorized', 'GET /metrics answers in production, beyond this machine and through a proxy only with a token: set METRICS_TOKEN and send it as a bearer token.');
}

export function opsRoutes(deps: Deps) {
  return new Hono()
    .get('/healthz', async (c) => {
      try {
        await Promise.race([
          deps.sql`select 1`,
          new Promise((_, reject) => setTimeout(() => reject(new Error('database timeout')), 2000)),
        ]);
        return c.json({ ok: true, database: 'up' });
      } catch (err) {
        deps.log.warn({ err }, 'health check failed');
        return c.json({ ok: false, database: 'down' }, 503);
      }
    })
    .get('/metrics', async (c) => {
      mayReadMetrics(c, deps.config);
      c.header('cache-control', 'no-store');
      return c.text(await registry.metrics(), 200, { 'content-type': registry.contentType });
    });
}
