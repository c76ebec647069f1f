// A stand-in for Stripe's REST API at the edge of the world, for tests only: the calls the payment provider
// makes, in Stripe's shapes (form-encoded bracket bodies in, JSON objects with `object` fields out, error
// JSON {error:{type,code,message}} with Stripe's statuses), bearer auth, Stripe's idempotency semantics, and
// webhook events signed with the SDK's own test signer.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

type Obj = Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. /v1/transfers. */
  path: string;
  idempotencyKey: string | null;
  /** The form body, brackets expanded (`a[b][0]=x` → {a:{b:['x']}}); the query string's parameters for GET. */
  body: Obj;
}

export interface SignedEvent {
  event: Obj & { id: string; type: string; created: number; data: { object: Obj } };
  rawBody: string;
  header: string;
}

export interface StripeStandin {
  host: string;
  port: number;
  protocol: 'http';
  secretKey: string;
  webhookSecret: string;
  /** The Connect endpoint's signing secret: sign account.updated with it (`signEvent(…, {secret})`), as Stripe does. */
  connectWebhookSecret: string;
  /** The configuration that points the server's Stripe provider here (createTestApp's `env`). */
  env: Record<string, string>;
  /** Every request in arrival order, replays and refusals included. */
  requests(): RecordedRequest[];
  /** The client paid: session complete, a succeeded PaymentIntent and its charge; the signed payment_intent.succeeded.
   * Throws for an expired session, which nobody can pay. */
  completeCheckout(sessionId: string): SignedEvent;
  /** The signed checkout.session.completed for a session (after completeCheckout, it carries the PaymentIntent). */
  checkoutCompletedEvent(sessionId: string): SignedEvent;
  /** Any event type around any object, for negative tests; `timestamp` (Unix s) signs in the past or future. */
  signEvent(type: string, object: Obj, opts?: { timestamp?: number; secret?: string }): SignedEvent;
  /** Onboarding finished: transfers capability active, details submitted. */
  activateAccount(accountId: string): void;
  /** Stripe took the transfers capability away (requirements past due): transfers to it are refused. */
  deactivateAccount(accountId: string): void;
  /** The next `times` requests matching method and path prefix fail with this status and error body, before
   * any work or idempotency bookkeeping, as a request Stripe never started executing. */
  failNext(method: string, pathPrefix: string, status: number, errorBody: { type: string; code?: string; message?: string }, times?: number): void;
  /** The next `times` requests matching method and path prefix are carried out (and saved under their key, or
   * replayed from it) as usual, but their responses are lost: the connection drops before any answer. */
  loseResponses(method: string, pathPrefix: string, times?: number): void;
  /** Stripe prunes idempotency keys after 24 hours: from now on every key is new again. */
  forgetIdempotencyKeys(): void;
  /** The next `times` refunds are created in this state (Stripe answers some at once as `failed`, the charge
   * untouched; many as `pending` or `requires_action`, counted against the charge, to end later with endRefund). */
  refundsEndAs(status: 'failed' | 'canceled' | 'pending' | 'requires_action', times?: number): void;
  /** A refund in flight ends as Stripe makes or fails it days later (a failed one gives its amount back to the
   * charge); the signed refund.failed or refund.updated about it. */
  endRefund(refundId: string, status: 'succeeded' | 'failed' | 'canceled'): SignedEvent;
  /** How the next `times` paid checkouts' charges enter the platform's balance: by default at once, in the
   * charge's currency, for Stripe's US card fee (2.9% + 30 minor units). `fee` and `currency` set the balance
   * transaction's; `later` leaves the charge without one (a payment method that settles later) until settleCharge. */
  chargesSettle(opts: { fee?: number; currency?: string; later?: boolean }, times?: number): void;
  /** A charge that settles later enters the balance now (its balance transaction, as chargesSettle said). */
  settleCharge(chargeId: string): void;
  /** The client's bank disputes a paid PaymentIntent's charge (by default all of it, with the money taken back:
   * status needs_response, a balance transaction with the dispute fee); the signed charge.dispute.created. */
  openDispute(paymentIntentId: string, opts?: { amount?: number; status?: string; reason?: string; balanceCurrency?: string }): SignedEvent;
  /** The dispute moves on at the bank (won or lost closes it); the signed event Stripe sends about it:
   * charge.dispute.closed for won and lost, charge.dispute.updated otherwise. Won reinstates the money in a
   * second balance transaction, with the dispute fee given back when `feeReturned`. */
  moveDispute(disputeId: string, status: string, opts?: { feeReturned?: boolean }): SignedEvent;
  /** Objects by id, for assertions. */
  object(id: string): Obj | undefined;
  reset(): void;
  close(): Promise<void>;
}

const API_VERSION = Stripe.API_VERSION;
/** Where the stand-in's platform account is. */
export const PLATFORM_COUNTRY = 'US';
/** Stripe's US card fee, as the stand-in charges it: 2.9% (rounded half up) and 30 minor units. */
export const cardFee = (amount: number) => Math.round((amount * 29) / 1000) + 30;
/** Stripe's US dispute fee, $15. */
export const DISPUTE_FEE = 1500;
/** Dispute statuses in which the bank holds or kept the money: the balance transaction that withdrew it exists. */
const WITHDRAWN = ['needs_response', 'under_review', 'won', 'lost'];

/** `a[b][0][c]=1&a[b][0][d]=2` → { a: { b: [{ c: '1', d: '2' }] } }, as Stripe's form decoder reads it. */
export function parseStripeForm(raw: string): Obj {
  const root: Obj = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
    if (!m) throw new Error(`Malformed form key ${key}`);
    const path = [m[1]!, ...[...m[2]!.matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1]!)];
    let node: Obj | unknown[] = root;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      const nextIsIndex = !last && /^\d*$/.test(path[i + 1]!);
      const k: string | number = Array.isArray(node) ? (seg === '' ? node.length : Number(seg)) : seg;
      const container = node as Record<string | number, unknown>;
      if (last) container[k] = value;
      else {
        container[k] ??= nextIsIndex ? [] : {};
        node = container[k] as Obj | unknown[];
      }
    }
  }
  return root;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { type: string; code?: string; message: string; param?: string },
  ) {
    super(body.message);
  }
}

function id(prefix: string): string {
  return `${prefix}_test_${randomBytes(12).toString('hex')}`;
}

function nowS(): number {
  return Math.floor(Date.now() / 1000);
}

function required(body: Obj, ...names: string[]): void {
  for (const name of names) {
    const value = name.split('.').reduce<unknown>((o, k) => (o as Obj | undefined)?.[k], body);
    if (value === undefined || value === '')
      throw new ApiError(400, { type: 'invalid_request_error', code: 'parameter_missing', param: name, message: `Missing required param: ${name}.` });
  }
}

function positiveInt(body: Obj, name: string): number {
  const n = Number(body[name]);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new ApiError(400, { type: 'invalid_request_error', code: 'parameter_invalid_integer', param: name, message: `Invalid positive integer: ${name}` });
  return n;
}

export async function startStripeStandin(): Promise<StripeStandin> {
  const secretKey = `sk_test_${randomBytes(16).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
  const connectWebhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
  let recorded: RecordedRequest[] = [];
  let objects = new Map<string, Obj>();
  /** Idempotency-Key → the first request's fingerprint and saved response. */
  let idempotency = new Map<string, { fingerprint: string; status: number; body: string }>();
  /** What each checkout session will put on its PaymentIntent (Stripe does not return it on the session). */
  let paymentIntentData = new Map<string, Obj>();
  let failures: { method: string; pathPrefix: string; status: number; body: Obj; times: number }[] = [];
  let losses: { method: string; pathPrefix: string; times: number }[] = [];
  let refundEnds: { status: string; times: number } | null = null;
  let settles: { fee?: number; currency?: string; later?: boolean; times: number } | null = null;
  /** Charges that settle later: how their balance transaction will look. */
  let unsettled = new Map<string, { fee?: number; currency?: string }>();
  let baseUrl = '';

  function get(kind: string, objectId: string, param = 'id'): Obj {
    const o = objects.get(objectId);
    if (!o || o.object !== kind)
      throw new ApiError(404, { type: 'invalid_request_error', code: 'resource_missing', param, message: `No such ${kind}: '${objectId}'` });
    return o;
  }

  /** A checkout session, expired once past its expires_at as Stripe does. */
  function session(sessionId: string): Obj {
    const cs = get('checkout.session', sessionId);
    if (cs.status === 'open' && (cs.expires_at as number) <= nowS()) cs.status = 'expired';
    return cs;
  }

  function put<T extends Obj>(o: T): T {
    objects.set(o.id as string, o);
    return o;
  }

  /** A balance transaction: what one movement did to the platform's balance, and the fee Stripe kept of it. */
  function balanceTransaction(type: string, reportingCategory: string, source: string, amount: number, fee: number, currency: string): Obj {
    return put({
      id: id('txn'), object: 'balance_transaction', type, reporting_category: reportingCategory, source, amount, fee, net: amount - fee, currency,
      status: 'pending', created: nowS(),
    });
  }

  function settle(charge: Obj, how: { fee?: number; currency?: string }): void {
    const amount = charge.amount as number;
    charge.balance_transaction = balanceTransaction('charge', 'charge', charge.id as string, amount, how.fee ?? cardFee(amount), how.currency ?? (charge.currency as string)).id;
  }

  /** Stripe's `expand[]`: each dotted path's ids replaced by their objects, on a copy. */
  function expanded(o: Obj, paths: unknown): Obj {
    const copy = structuredClone(o);
    for (const p of Array.isArray(paths) ? (paths as string[]) : []) {
      let node: Obj | undefined = copy;
      for (const field of p.split('.')) {
        if (!node) break;
        const value: unknown = node[field];
        if (typeof value === 'string' && objects.has(value)) node[field] = structuredClone(objects.get(value));
        node = node[field] as Obj | undefined;
      }
    }
    return copy;
  }

  // One handler per endpoint the provider calls; each returns the JSON Stripe would.
  function route(method: string, path: string, body: Obj): Obj {
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      required(body, 'mode', 'success_url', 'line_items');
      const items = body.line_items as Obj[];
      const item = items[0] as { quantity?: string; price_data?: { currency?: string; unit_amount?: string; product_data?: { name?: string } } };
      if (!item?.price_data?.currency || !item.price_data.unit_amount || !item.price_data.product_data?.name)
        throw new ApiError(400, { type: 'invalid_request_error', code: 'parameter_missing', param: 'line_items[0][price_data]', message: 'Missing price_data.' });
      if (body.expires_at !== undefined) {
        const at = Number(body.expires_at);
        const ahead = at - nowS();
        if (!Number.isInteger(at) || ahead < 30 * 60 || ahead > 24 * 3600)
          throw new ApiError(400, {
            type: 'invalid_request_error',
            param: 'expires_at',
            message: 'The `expires_at` timestamp must be between 30 minutes and 24 hours after Checkout Session creation.',
          });
      }
      const sessionId = id('cs');
      // Kept for completeCheckout, which creates the PaymentIntent as Stripe does when the payer confirms.
      paymentIntentData.set(sessionId, (body.payment_intent_data as Obj | undefined) ?? {});
      const amount = Number(item.price_data.unit_amount) * Number(item.quantity ?? 1);
      return put({
        id: sessionId,
        object: 'checkout.session',
        mode: body.mode,
        status: 'open',
        payment_status: 'unpaid',
        amount_total: amount,
        currency: item.price_data.currency,
        client_reference_id: body.client_reference_id ?? null,
        metadata: body.metadata ?? {},
        payment_intent: null,
        success_url: body.success_url,
        cancel_url: body.cancel_url ?? null,
        expires_at: body.expires_at === undefined ? nowS() + 24 * 3600 : Number(body.expires_at),
        url: `${baseUrl}/c/pay/${sessionId}`,
        created: nowS(),
        livemode: false,
      });
    }
    if (method === 'GET' && (m = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path))) return session(m[1]!);
    if (method === 'POST' && (m = /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/.exec(path))) {
      const cs = session(m[1]!);
      if (cs.status !== 'open')
        throw new ApiError(400, { type: 'invalid_request_error', message: `Only Checkout Sessions with a status in ["open"] can be expired; this one is ${String(cs.status)}.` });
      return Object.assign(cs, { status: 'expired' });
    }
    if (method === 'GET' && (m = /^\/v1\/payment_intents\/([^/]+)$/.exec(path))) return expanded(get('payment_intent', m[1]!), body.expand);
    if (method === 'POST' && path === '/v1/transfers') {
      required(body, 'amount', 'currency', 'destination');
      const amount = positiveInt(body, 'amount');
      const destination = get('account', body.destination as string, 'destination');
      // Stripe refuses a transfer to an account whose onboarding has not activated its transfers capability.
      if ((destination.capabilities as Obj | undefined)?.transfers !== 'active')
        throw new ApiError(400, {
          type: 'invalid_request_error',
          code: 'insufficient_capabilities_for_transfer',
          param: 'destination',
          message: 'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
        });
      if (body.source_transaction !== undefined) {
        const charge = get('charge', body.source_transaction as string, 'source_transaction');
        const transferred = [...objects.values()]
          .filter((o) => o.object === 'transfer' && o.source_transaction === charge.id)
          .reduce((s, o) => s + (o.amount as number), 0);
        if (transferred + amount > (charge.amount as number))
          throw new ApiError(400, {
            type: 'invalid_request_error',
            param: 'amount',
            message: `Transfers using this transaction as a source must not exceed the source amount of ${String(charge.amount)}.`,
          });
      }
      return put({
        id: id('tr'),
        object: 'transfer',
        amount,
        amount_reversed: 0,
        currency: body.currency,
        destination: body.destination,
        source_transaction: body.source_transaction ?? null,
        transfer_group: body.transfer_group ?? null,
        metadata: body.metadata ?? {},
        reversed: false,
        created: nowS(),
        livemode: false,
      });
    }
    if (method === 'GET' && (m = /^\/v1\/transfers\/([^/]+)$/.exec(path))) return get('transfer', m[1]!);
    if (method === 'GET' && path === '/v1/transfers') {
      // Newest first, as Stripe lists; only the transfer_group filter is supported.
      const data = [...objects.values()].filter((o) => o.object === 'transfer' && (body.transfer_group === undefined || o.transfer_group === body.transfer_group)).reverse();
      return { object: 'list', data, has_more: false, url: '/v1/transfers' };
    }
    if (method === 'GET' && (m = /^\/v1\/refunds\/([^/]+)$/.exec(path))) return get('refund', m[1]!);
    if (method === 'GET' && (m = /^\/v1\/disputes\/([^/]+)$/.exec(path))) return get('dispute', m[1]!);
    if (method === 'GET' && path === '/v1/refunds') {
      // Newest first, as Stripe lists; only the payment_intent filter is supported.
      const data = [...objects.values()].filter((o) => o.object === 'refund' && (body.payment_intent === undefined || o.payment_intent === body.payment_intent)).reverse();
      return { object: 'list', data, has_more: false, url: '/v1/refunds' };
    }
    if (method === 'POST' && path === '/v1/refunds') {
      required(body, 'payment_intent');
      const pi = get('payment_intent', body.payment_intent as string, 'payment_intent');
      const charge = get('charge', pi.latest_charge as string);
      const amount = body.amount === undefined ? (charge.amount as number) - (charge.amount_refunded as number) : positiveInt(body, 'amount');
      // What a bank has taken back (a dispute past its inquiry, not decided for the merchant) cannot be refunded
      // as well; what the bank left of the charge can (modelled so: Stripe refuses a charged-back charge).
      const chargedBack = [...objects.values()]
        .filter((o) => o.object === 'dispute' && o.charge === charge.id && ['needs_response', 'under_review', 'lost'].includes(o.status as string))
        .reduce((n, o) => n + (o.amount as number), 0);
      if (chargedBack > 0 && amount + chargedBack + (charge.amount_refunded as number) > (charge.amount as number))
        throw new ApiError(400, { type: 'invalid_request_error', code: 'charge_disputed', message: `Charge ${String(charge.id)} has been charged back; cannot issue a refund.` });
      if (amount + (charge.amount_refunded as number) > (charge.amount as number))
        throw new ApiError(400, {
          type: 'invalid_request_error',
          code: 'charge_already_refunded',
          message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${(charge.amount as number) - (charge.amount_refunded as number)})`,
        });
      const ends = refundEnds && refundEnds.times-- > 0 ? refundEnds.status : 'succeeded';
      if (ends !== 'failed' && ends !== 'canceled') {
        charge.amount_refunded = (charge.amount_refunded as number) + amount;
        charge.refunded = charge.amount_refunded === charge.amount;
      }
      return put({
        id: id('re'),
        object: 'refund',
        amount,
        currency: pi.currency,
        payment_intent: pi.id,
        charge: charge.id,
        status: ends,
        metadata: body.metadata ?? {},
        created: nowS(),
      });
    }
    if (method === 'POST' && path === '/v1/accounts') {
      return put({
        id: `acct_${randomBytes(8).toString('hex')}`,
        object: 'account',
        type: body.type ?? 'standard',
        country: body.country ?? PLATFORM_COUNTRY,
        capabilities: Object.fromEntries(Object.keys((body.capabilities as Obj | undefined) ?? {}).map((c) => [c, 'inactive'])),
        tos_acceptance: { service_agreement: (body.tos_acceptance as Obj | undefined)?.service_agreement ?? 'full' },
        details_submitted: false,
        charges_enabled: false,
        payouts_enabled: false,
        metadata: body.metadata ?? {},
        created: nowS(),
      });
    }
    if (method === 'GET' && (m = /^\/v1\/accounts\/([^/]+)$/.exec(path))) return get('account', m[1]!);
    // The platform's own account (the secret key's).
    if (method === 'GET' && path === '/v1/account') return { id: 'acct_platform', object: 'account', type: 'standard', country: PLATFORM_COUNTRY };
    if (method === 'POST' && path === '/v1/account_links') {
      required(body, 'account', 'type');
      get('account', body.account as string, 'account');
      return {
        object: 'account_link',
        created: nowS(),
        expires_at: nowS() + 300,
        url: `${baseUrl}/setup/e/${body.account as string}/${randomBytes(8).toString('hex')}`,
      };
    }
    throw new ApiError(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` });
  }

  function respond(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${randomBytes(7).toString('hex')}`, ...headers });
    res.end(body);
  }

  function handle(req: IncomingMessage, raw: string, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    const [path, query = ''] = (req.url ?? '/').split('?') as [string, string?];
    const key = (req.headers['idempotency-key'] as string | undefined) ?? null;
    let body: Obj;
    try {
      body = parseStripeForm(method === 'GET' ? query : raw);
    } catch (e) {
      return respond(res, 400, JSON.stringify({ error: { type: 'invalid_request_error', message: (e as Error).message } }));
    }
    recorded.push({ method, path, idempotencyKey: key, body });

    if (req.headers.authorization !== `Bearer ${secretKey}`)
      return respond(res, 401, JSON.stringify({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } }));

    const failure = failures.find((f) => f.method === method && path.startsWith(f.pathPrefix));
    if (failure) {
      if (--failure.times <= 0) failures = failures.filter((f) => f !== failure);
      return respond(res, failure.status, JSON.stringify({ error: failure.body }));
    }

    const loss = losses.find((l) => l.method === method && path.startsWith(l.pathPrefix));
    if (loss && --loss.times <= 0) losses = losses.filter((l) => l !== loss);
    const reply = (status: number, out: string, headers: Record<string, string> = {}) => (loss ? void req.socket.destroy() : respond(res, status, out, headers));

    // Stripe's idempotency: the first response under a key is saved and replayed for the same request;
    // the same key with other parameters (or another endpoint) is refused.
    const fingerprint = `${method} ${path} ${raw}`;
    if (key && method === 'POST') {
      const saved = idempotency.get(key);
      if (saved) {
        if (saved.fingerprint !== fingerprint)
          return respond(
            res,
            400,
            JSON.stringify({
              error: {
                type: 'idempotency_error',
                message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
              },
            }),
          );
        return reply(saved.status, saved.body, { 'idempotent-replayed': 'true', 'idempotency-key': key });
      }
    }
    let status = 200;
    let out: string;
    try {
      out = JSON.stringify(route(method, path, body));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      status = e.status;
      out = JSON.stringify({ error: e.body });
    }
    if (key && method === 'POST') idempotency.set(key, { fingerprint, status, body: out });
    reply(status, out, key ? { 'idempotency-key': key } : {});
  }

  /** The bank took the money (an inquiry moves none): the dispute's first balance transaction, with the dispute fee. */
  function withdraw(dispute: Obj, balanceCurrency?: string): void {
    const txns = dispute.balance_transactions as Obj[];
    if (txns.length === 0 && WITHDRAWN.includes(dispute.status as string))
      txns.push(balanceTransaction('adjustment', 'dispute', dispute.id as string, -(dispute.amount as number), DISPUTE_FEE, balanceCurrency ?? (dispute.currency as string)));
  }

  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      try {
        handle(req, raw, res);
      } catch (e) {
        respond(res, 500, JSON.stringify({ error: { type: 'api_error', message: `stand-in bug: ${(e as Error).message}` } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  function signEvent(type: string, object: Obj, opts: { timestamp?: number; secret?: string } = {}): SignedEvent {
    const event = {
      id: id('evt'),
      object: 'event',
      api_version: API_VERSION,
      created: opts.timestamp ?? nowS(),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
    const rawBody = JSON.stringify(event, null, 2);
    const header = Stripe.webhooks.generateTestHeaderString({
      payload: rawBody,
      secret: opts.secret ?? webhookSecret,
      ...(opts.timestamp === undefined ? {} : { timestamp: opts.timestamp }),
    });
    return { event, rawBody, header };
  }

  return {
    host: '127.0.0.1',
    port,
    protocol: 'http',
    secretKey,
    webhookSecret,
    connectWebhookSecret,
    env: {
      PAYMENTS_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: secretKey,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_CONNECT_WEBHOOK_SECRET: connectWebhookSecret,
      STRIPE_API_HOST: '127.0.0.1',
      STRIPE_API_PORT: String(port),
      STRIPE_API_PROTOCOL: 'http',
    },
    requests: () => [...recorded],
    completeCheckout(sessionId) {
      const session = get('checkout.session', sessionId);
      // Nobody can pay an expired checkout.
      if (session.status === 'expired') throw new Error(`checkout session ${sessionId} is expired`);
      let pi = session.payment_intent ? get('payment_intent', session.payment_intent as string) : undefined;
      if (!pi) {
        const pid = paymentIntentData.get(sessionId) ?? {};
        const chargeId = id('ch');
        pi = put({
          id: id('pi'),
          object: 'payment_intent',
          amount: session.amount_total,
          amount_received: session.amount_total,
          currency: session.currency,
          status: 'succeeded',
          latest_charge: chargeId,
          metadata: pid.metadata ?? {},
          transfer_group: pid.transfer_group ?? null,
          created: nowS(),
          livemode: false,
        });
        put({
          id: chargeId,
          object: 'charge',
          amount: session.amount_total,
          amount_captured: session.amount_total,
          amount_refunded: 0,
          refunded: false,
          currency: session.currency,
          payment_intent: pi.id,
          paid: true,
          status: 'succeeded',
          transfer_group: pid.transfer_group ?? null,
          balance_transaction: null,
          created: nowS(),
        });
        const how: { fee?: number; currency?: string; later?: boolean } = settles && settles.times-- > 0 ? settles : {};
        if (how.later) unsettled.set(chargeId, how);
        else settle(get('charge', chargeId), how);
        Object.assign(session, { status: 'complete', payment_status: 'paid', payment_intent: pi.id });
      }
      return signEvent('payment_intent.succeeded', pi);
    },
    checkoutCompletedEvent(sessionId) {
      return signEvent('checkout.session.completed', get('checkout.session', sessionId));
    },
    signEvent,
    activateAccount(accountId) {
      const account = get('account', accountId);
      account.capabilities = { ...(account.capabilities as Obj), transfers: 'active' };
      Object.assign(account, { details_submitted: true, payouts_enabled: true });
    },
    deactivateAccount(accountId) {
      const account = get('account', accountId);
      account.capabilities = { ...(account.capabilities as Obj), transfers: 'inactive' };
      account.payouts_enabled = false;
    },
    failNext(method, pathPrefix, status, errorBody, times = 1) {
      failures.push({ method, pathPrefix, status, body: { message: `Injected ${status}`, ...errorBody }, times });
    },
    loseResponses(method, pathPrefix, times = 1) {
      losses.push({ method, pathPrefix, times });
    },
    forgetIdempotencyKeys() {
      idempotency = new Map();
    },
    refundsEndAs(status, times = 1) {
      refundEnds = { status, times };
    },
    endRefund(refundId, status) {
      const refund = get('refund', refundId);
      if (refund.status !== 'pending' && refund.status !== 'requires_action') throw new Error(`refund ${refundId} is ${String(refund.status)}, not in flight`);
      if (status !== 'succeeded') {
        const charge = get('charge', refund.charge as string);
        charge.amount_refunded = (charge.amount_refunded as number) - (refund.amount as number);
        charge.refunded = false;
      }
      refund.status = status;
      return signEvent(status === 'failed' ? 'refund.failed' : 'refund.updated', refund);
    },
    chargesSettle(opts, times = 1) {
      settles = { ...opts, times };
    },
    settleCharge(chargeId) {
      const how = unsettled.get(chargeId);
      if (!how) throw new Error(`charge ${chargeId} does not settle later, or has settled`);
      unsettled.delete(chargeId);
      settle(get('charge', chargeId), how);
    },
    openDispute(paymentIntentId, opts = {}) {
      const pi = get('payment_intent', paymentIntentId);
      const charge = get('charge', pi.latest_charge as string);
      const dispute = put({
        id: id('du'),
        object: 'dispute',
        amount: opts.amount ?? charge.amount,
        currency: charge.currency,
        charge: charge.id,
        payment_intent: pi.id,
        reason: opts.reason ?? 'product_not_received',
        status: opts.status ?? 'needs_response',
        balance_transactions: [],
        is_charge_refundable: false,
        created: nowS(),
        livemode: false,
        metadata: {},
      });
      charge.disputed = true;
      withdraw(dispute, opts.balanceCurrency);
      return signEvent('charge.dispute.created', dispute);
    },
    moveDispute(disputeId, status, opts = {}) {
      const dispute = get('dispute', disputeId);
      dispute.status = status;
      withdraw(dispute);
      const txns = dispute.balance_transactions as Obj[];
      if (status === 'won' && txns.length === 1)
        txns.push(balanceTransaction('adjustment', 'dispute_reversal', dispute.id as string, dispute.amount as number, opts.feeReturned ? -DISPUTE_FEE : 0, dispute.currency as string));
      return signEvent(status === 'won' || status === 'lost' ? 'charge.dispute.closed' : 'charge.dispute.updated', dispute);
    },
    object: (objectId) => objects.get(objectId),
    reset() {
      recorded = [];
      objects = new Map();
      paymentIntentData = new Map();
      idempotency = new Map();
      failures = [];
      losses = [];
      refundEnds = null;
      settles = null;
      unsettled = new Map();
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
