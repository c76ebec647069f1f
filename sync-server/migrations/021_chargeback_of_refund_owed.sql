-- A chargeback of a payment whose refund we still owe (sync-server/src/escrow/chargebacks.ts): a client who
-- waits for a refund may ask their bank for the money instead. The provider then refuses our refund (the
-- charge is disputed), and the bank gives the client that money. So the chargeback is taken from the refund
-- owed first, before the platform's own pocket, and the refund is marked as given by the bank: nothing is
-- sent, and nobody is asked to see to it. When the bank decides for the platform, the refund is owed again.
alter domain client_refund_status drop constraint client_refund_status_check;
alter domain client_refund_status add constraint client_refund_status_check check (value in ('pending', 'sent', 'succeeded', 'failed', 'taken_by_bank'));

-- The dispute whose bank gave the client this refund's money; set exactly while the status says so.
alter table client_refunds add column bank_dispute_id text references bank_disputes (id);
alter table client_refunds add constraint client_refunds_bank_check check ((status = 'taken_by_bank') = (bank_dispute_id is not null));

-- What a chargeback took from refunds owed for the payment, beside the escrow and the platform's pocket.
alter table bank_disputes add column from_refund minor_units not null default 0;
alter table bank_disputes drop constraint bank_disputes_check;
alter table bank_disputes add constraint bank_disputes_taken_check check (from_escrow + from_refund + from_platform in (0, amount));
