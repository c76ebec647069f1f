-- The demo rail's bank (sync-server/src/payments/demo.ts): a person trying the demo can dispute a demo payment
-- as if with their bank, and decide it, so that the default `npm start` shows a chargeback's whole path.
alter domain demo_rail_object_kind drop constraint demo_rail_object_kind_check;
alter domain demo_rail_object_kind add constraint demo_rail_object_kind_check check (value in (
  'checkout_session', 'payment_intent', 'charge', 'transfer', 'refund', 'account', 'event', 'dispute'));
