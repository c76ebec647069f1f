-- Refunds the provider took and has not made yet. Stripe answers many refunds `pending` (or
-- `requires_action`) and makes or fails them days later, so its answer to the request is not the refund made:
-- such a row is 'sent', with the provider's refund id and the status the provider last gave it, and stays so
-- until the provider says it succeeded or failed. Reconciliation (payouts/reconcile.ts) reads every sent
-- refund again at the provider each night, whatever its day; the provider's refund events (escrow/routes.ts)
-- make it read one sooner. Server-only, as before.

alter table client_refunds add column provider_status text;

alter table client_refunds drop constraint client_refunds_status_check;
alter table client_refunds add constraint client_refunds_status_check check (status in ('pending', 'sent', 'succeeded', 'failed'));

-- A sent or made refund names the provider's refund; a failed one does when the provider's refund failed,
-- not when the provider refused the request.
alter table client_refunds drop constraint client_refunds_check;
alter table client_refunds add constraint client_refunds_refund_check check (status not in ('sent', 'succeeded') or refund_id is not null);

-- Rows recorded as succeeded before this migration took the provider's answer to the request for the refund
-- made, pending or not: each is sent until reconciliation has read it again (its provider status unknown
-- until then), and the client sees it on its way until that night.
update client_refunds set status = 'sent', updated_at = now() where status = 'succeeded';
