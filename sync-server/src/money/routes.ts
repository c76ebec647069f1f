// /money: statements, receipts, CSV export, the settlement report and the trial balance. (Being built.)
import { Hono } from 'hono';
import type { Deps } from '../deps';
import type { AuthEnv } from '../auth/middleware';

export function moneyRoutes(_deps: Deps) {
  return new Hono<AuthEnv>();
}
