-- The demo payment rail's objects (DESIGN, "Money": without Stripe keys a clearly labelled demo rail drives the
-- same webhook-shaped code path). No real money moves: each row imitates one Stripe object (checkout session,
-- payment intent, charge, transfer, refund, connected account) or one webhook event the rail signs and
-- delivers, so a demo survives restarts. Only sync-server/src/payments/demo*.ts reads or writes this table;
-- the escrow core and ledger never do.

create table demo_rail_objects (
  -- Stripe-looking ids marked as demo: cs_demo_…, pi_demo_…, ch_demo_…, tr_demo_…, re_demo_…, acct_demo_…, evt_demo_….
  id text primary key,
  kind text not null check (kind in ('checkout_session', 'payment_intent', 'charge', 'transfer', 'refund', 'account', 'event')),
  -- The object as Stripe would return it (snake_case fields, lower-case currency, integer minor units).
  data jsonb not null,
  -- As on Stripe: one object per key, and the key refused for a different request (request_hash).
  idempotency_key text unique,
  request_hash text,
  -- The object this one hangs off: a session's payment intent and events, a payment intent's charge, a
  -- charge's transfers and refunds.
  parent_id text references demo_rail_objects (id),
  -- Events only: when the webhook handler accepted the delivery; null means it is still owed.
  delivered_at timestamptz,
  -- clock_timestamp, not now(): a session's two events are written in one transaction and must keep their order.
  created_at timestamptz not null default clock_timestamp(),
  check ((idempotency_key is null) = (request_hash is null))
);
create index demo_rail_objects_parent on demo_rail_objects (parent_id, kind);
