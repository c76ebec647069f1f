// The Hono application: middleware, routes, and the one place errors become HTTP responses.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { compress } from 'hono/compress';
import { secureHeaders } from 'hono/secure-headers';
import type { Deps } from './deps';
import { HttpError } from './errors';
import { httpDuration } from './ops/metrics';
import { opsRoutes } from './ops/routes';
import { authRoutes } from './auth/routes';
import { commandRoutes } from './commands/routes';
import { devInboxRoutes } from './dev/inbox';
import { createSchema, graphqlRoutes } from './sync/graphql';
import { serveWeb } from './web/static';
import { paymentRoutes, handleWebhook } from './escrow/routes';
import { DEMO_BASE_PATH, demoRoutes } from './payments';
import { payoutRoutes } from './payouts/routes';
import { disputeRoutes, isAttachmentUpload } from './disputes/routes';
import { moneyRoutes } from './money/routes';
import { pushRoutes } from './push/routes';
import type { GraphQLSchema } from 'graphql';

/** `schema` is shared with the graphql-ws streams attached to the same server. */
export function createApp(deps: Deps, schema: GraphQLSchema = createSchema()) {
  const app = new Hono();

  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    httpDuration.observe({ method: c.req.method, route: c.req.routePath, status: String(c.res.status) }, seconds);
    deps.log.debug({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(seconds * 1000) }, 'request');
  });
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
      },
      strictTransportSecurity: deps.config.NODE_ENV === 'production' ? 'max-age=31536000; includeSubDomains' : false,
    }),
  );
  app.use(compress());
  const limitBody = bodyLimit({
    maxSize: deps.config.MAX_BODY_BYTES,
    onError: () => {
      throw new HttpError('payload_too_large', `Request bodies are limited to ${deps.config.MAX_BODY_BYTES} bytes.`);
    },
  });
  // Evidence uploads have their own, larger limit on their route (disputes/routes.ts).
  app.use((c, next) => (isAttachmentUpload(c.req.method, c.req.path) ? next() : limitBody(c, next)));

  app.route('/', opsRoutes(deps));
  app.route('/auth', authRoutes(deps));
  app.route('/commands', commandRoutes(deps));
  app.route('/graphql', graphqlRoutes(deps, schema));
  app.route('/pay/payouts', payoutRoutes(deps, deps.payments));
  app.route('/pay', paymentRoutes(deps, deps.payments));
  app.route('/disputes', disputeRoutes(deps));
  app.route('/money', moneyRoutes(deps));
  app.route('/push', pushRoutes(deps));
  // The demo rail's checkout and onboarding pages; its signed events go through the real webhook handler.
  const payments = deps.payments;
  if (payments.name === 'demo')
    app.route(DEMO_BASE_PATH, demoRoutes({ rail: payments, log: deps.log, sql: deps.sql, deliver: async (raw, header) => void (await handleWebhook(deps, payments, raw, header)) }));
  if (deps.sms.name === 'dev') app.route('/dev', devInboxRoutes(deps));

  // The PWA on the same origin, after every API route: files from the build, deep links to index.html.
  app.get('*', serveWeb({ dir: deps.config.WEB_DIST_DIR, devInbox: deps.sms.name === 'dev' }));

  app.notFound((c) => c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((err, c) => {
    if (err instanceof HttpError) {
      if (err.retryAfter) c.header('Retry-After', String(err.retryAfter));
      return c.json({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } }, err.status);
    }
    // The client hung up while sending its body (Node's "aborted"): there is no one left to answer, and
    // nothing of ours went wrong, so it is not logged as an error (anyone could fill the error log this way).
    if (isClientAbort(err)) {
      deps.log.info({ path: c.req.path }, 'the client went away before sending its whole request');
      return c.json({ error: { code: 'invalid_request', message: 'The request body did not arrive in full.' } }, 400);
    }
    deps.log.error({ err, path: c.req.path }, 'unhandled error');
    return c.json({ error: { code: 'internal', message: 'Something went wrong on our side. Try again shortly.' } }, 500);
  });
  return app;
}

/** Node's error for a request whose connection closed before its body was read to the end. */
const isClientAbort = (err: unknown) => err instanceof Error && err.message === 'aborted' && (err as { code?: unknown }).code === 'ECONNRESET';
