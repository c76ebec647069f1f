// GET /healthz (database reachable) and GET /metrics (Prometheus text).
import { Hono } from 'hono';
import type { Deps } from '../deps';
import { registry } from './metrics';

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
    .get('/metrics', async (c) => c.text(await registry.metrics(), 200, { 'content-type': registry.contentType }));
}
