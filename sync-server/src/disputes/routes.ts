// /disputes: evidence attachments, the mediators' queue and the audit log. (Being built.)
import { Hono } from 'hono';
import type { Deps } from '../deps';
import type { AuthEnv } from '../auth/middleware';

export function disputeRoutes(_deps: Deps) {
  return new Hono<AuthEnv>();
}
