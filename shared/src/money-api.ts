// The money and dispute routes' answers, one definition for the server that builds them and the screens that
// read them. Written as the server holds them (times as Date); `Wire<T>` is what arrives as JSON (times as
// ISO strings). Amounts are integer minor units beside their currency.
import type { BookingState } from './booking-machine';
import type { DisputeOutcome, MilestoneState, ResolvedHow } from './milestone-machine';
import type { CurrencyCode } from './money';
import type { DisputeOpening, MilestoneDoc, MilestoneTimelineEntryDoc } from './replication';

/** A value as JSON carries it: every Date an ISO string. */
export type Wire<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

// Statements, payments and the admins' reports (GET /money/…).

export interface StatementJob {
  postingId: string;
  milestoneId: string | null;
  bookingId: string | null;
  /** The gig's title (the milestone's description when the booking has no gig). */
  title: string;
  description: string;
  /** release, or split when a dispute decided part of the milestone. */
  kind: string;
  /** Who let the money go: the client's approval, the review time running out, or a dispute's ending. */
  releasedBy: ReleasedBy;
  releasedAt: Date;
  currency: CurrencyCode;
  /** What the client's money released to the worker came to, the platform's fee on it, and what the worker keeps. */
  gross: number;
  fee: number;
  net: number;
}

/**
 * approved: the client approved the work; auto_approved: the time to review it ran out; dispute_accepted: the
 * other side accepted the claim; dispute_default: the other side did not answer in time; mediator: an admin
 * decided the dispute.
 */
export type ReleasedBy = 'approved' | 'auto_approved' | 'dispute_accepted' | 'dispute_default' | 'mediator';

export interface StatementTotals {
  currency: CurrencyCode;
  jobs: number;
  gross: number;
  fee: number;
  net: number;
  /** Transferred to the worker's payout account during the period. */
  paidOut: number;
}

export interface StatementBalance {
  currency: CurrencyCode;
  /** In escrow on milestones the worker holds: funded, not yet released or refunded. */
  pending: number;
  /** Released to the worker and not yet transferred. */
  available: number;
  /** Transferred to the worker, ever. */
  paidOut: number;
}

/** A job's money sent to the worker's payout account at the provider (one transfer per released milestone). */
export interface StatementPayout {
  postingId: string;
  paidAt: Date;
  milestoneId: string | null;
  bookingId: string | null;
  title: string;
  description: string;
  currency: CurrencyCode;
  /** What the transfer carried: the job's net. */
  amount: number;
  /** The provider's transfer id, for the worker's records and for support. */
  reference: string | null;
}

/**
 * Why money released to the worker has not reached them yet: it goes with the next payout run (next_run); its
 * transfer is queued or being retried (sending); the worker has no payout account that can receive it
 * (account_needed); or the provider turned the transfer down while the account could receive, and it waits
 * for a person, a change to the account, or the worker asking again (held).
 */
export type UnsentReason = 'next_run' | 'sending' | 'account_needed' | 'held';

/** A released job whose money is not yet transferred, and why. */
export interface UnsentPayout {
  milestoneId: string;
  bookingId: string;
  title: string;
  description: string;
  currency: CurrencyCode;
  /** The job's net: what its transfer will carry. */
  amount: number;
  releasedAt: Date;
  reason: UnsentReason;
}

export interface WorkerStatement {
  worker: { id: string; name: string };
  from: string;
  to: string;
  jobs: StatementJob[];
  totals: StatementTotals[];
  /** Transfers to the worker's payout account in the period, oldest first. */
  payouts: StatementPayout[];
  /** Where the worker's money is at `asOf` (now), whatever the period. */
  balances: { asOf: Date; byCurrency: StatementBalance[] };
  /** Released jobs not yet transferred, at `asOf`, oldest first; and when the payout run next sends what it may. */
  unsent: { items: UnsentPayout[]; nextRunAt: Date };
}

export interface ClientPayment {
  postingId: string;
  paidAt: Date;
  milestoneId: string | null;
  bookingId: string | null;
  title: string;
  description: string;
  worker: { id: string; name: string } | null;
  currency: CurrencyCode;
  amount: number;
  /** The platform's fee, paid by the worker out of `amount`: shown to the client, never charged on top. */
  workerFee: number;
  feeBps: number | null;
  status: MilestoneState | null;
}

/**
 * Where a refund owed to the client stands at the payment provider: asked for and not yet made (pending), made
 * (succeeded, with the provider's refund id as its reference), refused with no retry left (failed), or given
 * to the client by their bank for a chargeback instead, so not sent by us (returned_by_bank).
 */
export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'returned_by_bank';

/** Money the ledger sent back to the client, and what the provider has made of it. */
export interface RefundProgress {
  /** A settlement's share for the client, or a payment the milestone could no longer take, sent back whole. */
  for: 'settlement' | 'late_payment';
  status: RefundStatus;
  /** The provider's refund id, once made. */
  reference: string | null;
}

export interface ClientRefund extends RefundProgress {
  postingId: string;
  /** When the ledger sent the money back (the provider's refund follows). */
  refundedAt: Date;
  milestoneId: string | null;
  bookingId: string | null;
  title: string;
  description: string;
  /** refund (all of it, or a payment the milestone could not take) or split (part, by a dispute decision). */
  kind: string;
  currency: CurrencyCode;
  amount: number;
}

/**
 * How the client's bank has decided their dispute of a payment: not yet (`deciding`: the bank holds the money),
 * for the client (`for_client`: the bank returned the money to them), or for Fieldwork (`for_fieldwork`: the
 * bank gave the money back to Fieldwork and the payment stands).
 */
export type BankDecision = 'deciding' | 'for_client' | 'for_fieldwork';

/**
 * A payment of the client's that they disputed with their bank (a chargeback), beside what Fieldwork refunds:
 * what the bank took back, and how it has decided. Decided for Fieldwork, the line stays so the client learns the
 * outcome, but the bank gave that money back: it is none of the client's, and counts in no total. What the bank
 * gave instead of a refund Fieldwork owed shows on that refund (returned_by_bank); an inquiry took nothing and is
 * not listed.
 */
export interface BankReturn {
  disputeId: string;
  /** When the bank took the money back. */
  at: Date;
  milestoneId: string;
  bookingId: string;
  title: string;
  description: string;
  currency: CurrencyCode;
  /** What the bank took back (from escrow, or the platform's pocket once the worker was paid). */
  amount: number;
  outcome: BankDecision;
}

export interface ClientPayments {
  from: string;
  to: string;
  payments: ClientPayment[];
  refunds: ClientRefund[];
  bankReturns: BankReturn[];
  /** `byBank`: the bank returns listed that the bank holds or returned to the client (not those decided for Fieldwork). */
  totals: { currency: CurrencyCode; paid: number; refunded: number; byBank: number }[];
}

export interface Receipt {
  milestoneId: string;
  bookingId: string;
  title: string;
  description: string;
  status: MilestoneState;
  client: { id: string; name: string };
  worker: { id: string; name: string };
  currency: CurrencyCode;
  /** What the client paid for this milestone, and when the (first) payment arrived. */
  amount: number;
  paidAt: Date;
  /** The payment provider's references for the payment. */
  paymentReference: string | null;
  chargeReference: string | null;
  /** The platform's fee, paid by the worker out of the amount. */
  workerFee: number;
  feeBps: number;
  /** Released to the worker so far (fee included), and what went back to the client. */
  released: number;
  refunded: number;
  /** Each refund of this milestone, oldest first, in its own currency. */
  refunds: (RefundProgress & { postingId: string; at: Date; currency: CurrencyCode; amount: number })[];
  /** On the demo rail, the payer's demo bank's page for this payment (to try a chargeback); null otherwise. */
  demoBankUrl?: string | null;
  /** The client's disputes of this payment with their bank, and how each was decided (see BankReturn). */
  bankReturns: Pick<BankReturn, 'disputeId' | 'at' | 'currency' | 'amount' | 'outcome'>[];
  /** Every money movement of the milestone, oldest first. */
  lines: { at: Date; kind: string; currency: CurrencyCode; paid: number; released: number; refunded: number; memo: string }[];
}

export interface SettlementRow {
  currency: CurrencyCode;
  /** Paid in by clients during the period (into escrow). */
  funded: number;
  /** Released from escrow to workers during the period, gross (the fee included). */
  released: number;
  /** Returned to clients during the period. */
  refunded: number;
  /** The platform's fees taken during the period. */
  feesEarned: number;
  /** Paid out to workers' accounts during the period. */
  transferred: number;
  /** Taken back by clients' banks for chargebacks during the period, less what banks gave back deciding for us. */
  takenByBanks: number;
  /** Of that, what the platform bore itself: chargebacks of money the worker had already been paid. */
  chargebackLosses: number;
  /** What the payment provider kept as its fees during the period (on card payments, on bank disputes), less any
   * it gave back: paid by the platform from its own money. In the platform's balance currency at the provider. */
  providerFees: number;
  /** At the period's end: in escrow, and released but not yet transferred. */
  heldInEscrow: number;
  awaitingTransfer: number;
}

export interface SettlementReport {
  from: string;
  to: string;
  /** The period's end, or now if that comes first: when the end balances are taken. */
  balancesAt: Date;
  byCurrency: SettlementRow[];
  /**
   * Refunds owed to clients that need a person, whatever the period: every failed one, and those still pending
   * after `refundGraceMs` (the grace reconciliation gives), oldest first.
   */
  stuckRefunds: StuckRefund[];
  refundGraceMs: number;
  /**
   * Workers' transfers that need a person, whatever the period: those the provider turned down while the account
   * could receive them (or whose job gave up), then those still not made `transferGraceMs` after the money was
   * released, as reconciliation reports them.
   */
  stuckPayouts: StuckPayout[];
  transferGraceMs: number;
}

export interface StuckPayout {
  milestoneId: string;
  bookingId: string;
  title: string;
  description: string;
  worker: { id: string; name: string };
  currency: CurrencyCode;
  /** The job's net: what the transfer owes the worker. */
  amount: number;
  /** refused: turned down for good (the worker sees it as held); overdue: not made within the grace. */
  status: 'refused' | 'overdue';
  lastError: string | null;
  /** The worker's connected account at the provider, when they have one. */
  accountId: string | null;
}

export interface StuckRefund {
  id: string;
  for: RefundProgress['for'];
  status: 'pending' | 'failed';
  milestoneId: string;
  bookingId: string;
  /** The gig's title (the milestone's description when the booking has no gig), and the milestone's description. */
  title: string;
  description: string;
  paymentIntentId: string;
  currency: CurrencyCode;
  amount: number;
  /** Provider calls made so far, and the last one's error. */
  attempts: number;
  lastError: string | null;
  owedSince: Date;
}

export interface TrialBalance {
  /** Every kind of account with its balance per currency. */
  accounts: { kind: string; currency: CurrencyCode; accounts: number; balance: number }[];
  /** Per currency, the sum over every account: zero in a sound ledger. */
  totals: { currency: CurrencyCode; total: number }[];
  balanced: boolean;
  invariants: LedgerCheck;
}

export type LedgerViolation =
  /** L1: a posting's entries do not sum to zero in a currency. */
  | { invariant: 'posting_balanced'; postingId: string; currency: string; off: number }
  /** A posting with fewer than two entries: money from nowhere, or a posting that moved nothing. */
  | { invariant: 'posting_sides'; postingId: string; entries: number }
  /** L5: an entry in another currency than its account's. */
  | { invariant: 'entry_currency'; postingId: string; accountId: string; currency: string; accountCurrency: string }
  /** L3: escrow, a worker's payable or the platform's fees below zero. */
  | { invariant: 'not_negative'; accountId: string; kind: string; currency: string; balance: number }
  /** Such an account created as one that may go negative: the database's check (L3) passes over it. */
  | { invariant: 'account_may_go_negative'; accountId: string; kind: string }
  /** Double entry: every currency's entries together sum to zero. */
  | { invariant: 'trial_balance'; currency: string; total: number }
  /** Per milestone, released + refunded ≤ funded, as the ledger records them. */
  | { invariant: 'milestone_overdrawn'; milestoneId: string; currency: string; funded: number; released: number; refunded: number }
  /** A milestone's escrow holds its amount while the milestone is held, and nothing otherwise. */
  | { invariant: 'milestone_escrow'; milestoneId: string; status: MilestoneState | null; currency: string; expected: number; balance: number }
  /** What the milestone row says it released, took as fee or refunded, against what its escrow paid out. */
  | { invariant: 'milestone_columns'; milestoneId: string; field: 'released_amount' | 'fee_amount' | 'refunded_amount'; milestone: number; ledger: number }
  /**
   * A bank holds part of a milestone's escrow (a chargeback taken and not given back) exactly while the milestone
   * is held for that bank dispute, and the bank accounts agree with the disputes recorded: `banked` is what the
   * ledger says, `recorded` what the bank_disputes rows say.
   */
  | { invariant: 'bank_hold'; milestoneId: string | null; currency: string; banked: number; recorded: number; heldBy: string | null }
  /**
   * Refunds owed that clients' banks gave instead (client_refunds taken_by_bank) add up to what the chargebacks
   * not given back recorded as taken from refunds.
   */
  | { invariant: 'bank_refunds'; currency: string; takenFromRefunds: number; refundsMarked: number }
  /** What the provider_fees rows say the provider kept, per currency, against the ledger's provider_fees accounts. */
  | { invariant: 'provider_fees'; currency: string; kept: number; recorded: number }
  /** A posting id that is not a UUIDv7 of about its created_at: reports that read postings by id range would miss it. */
  | { invariant: 'posting_id_time'; postingId: string; createdAt: Date };

export interface LedgerCheck {
  ok: boolean;
  postings: number;
  entries: number;
  accounts: number;
  milestones: number;
  /** Per currency, the sum of every entry: zero in a sound ledger. */
  totals: Record<string, number>;
  /** At most `limit` of each kind. */
  violations: LedgerViolation[];
}

// Disputes (GET /disputes/…) and the audit log.

export type EvidenceBy = 'client' | 'worker' | 'admin';

export interface Evidence {
  id: string;
  by: EvidenceBy;
  actorId: string;
  text: string;
  messageIds: string[];
  attachmentIds: string[];
  at: string;
}

export interface DisputeRow extends DisputeOpening {
  id: string;
  /** The claim: what goes back to the client. */
  refundAmount: number;
  amount: number;
  currency: CurrencyCode;
  status: 'open' | 'resolved';
  respondBy: Date;
  respondedAt: Date | null;
  evidence: Evidence[];
  outcome: DisputeOutcome | null;
  resolvedHow: ResolvedHow | null;
  resolvedById: string | null;
  releasedAmount: number | null;
  refundedAmount: number | null;
  resolutionReason: string | null;
  openedAt: Date;
  resolvedAt: Date | null;
  version: number;
}

/** The largest evidence file; the table holds the bytes (migration 007 checks the same bound). */
export const MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024;
/** Files a mediator can open safely in a browser: pictures, PDFs and plain text. */
export const ATTACHMENT_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/pdf', 'text/plain'] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];
export const isAttachmentType = (t: string): t is AttachmentType => (ATTACHMENT_TYPES as readonly string[]).includes(t);

export interface AttachmentMeta {
  id: string;
  disputeId: string;
  uploadedBy: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: Date;
}

export interface QueueEntry {
  id: string;
  bookingId: string;
  bookingTitle: string;
  clientId: string;
  clientName: string;
  workerId: string;
  workerName: string;
  openedBy: 'client' | 'worker';
  reason: string;
  milestoneId: string;
  milestoneDescription: string;
  amount: number;
  currency: CurrencyCode;
  refundAmount: number;
  openedAt: Date;
  respondBy: Date;
  respondedAt: Date | null;
  evidenceCount: number;
}

/** What the mediator screen shows beside the dispute: the booking, the milestone's timeline and the chat. */
export interface DisputeContext {
  booking: { id: string; title: string; status: BookingState; clientName: string; workerName: string };
  /** feeBps: the platform's rate on what is released to the worker (a split's fee is on the released part). */
  milestone: { id: string; description: string; amount: number; currency: CurrencyCode; feeBps: number; status: MilestoneState; timeline: MilestoneTimelineEntryDoc[] };
  messages: { id: string; senderId: string; body: string; createdAt: Date }[];
}

export interface AuditEntry {
  id: number;
  at: Date;
  adminId: string;
  adminName: string;
  action: string;
  subjectType: string;
  subjectId: string;
  /** The subject as people know it: a person's name and number, a booking's or dispute's gig title; null when unknown. */
  subjectName: string | null;
  reason: string;
  details: Record<string, unknown>;
}

/** GET /money/bookings/:bookingId (admins): a booking's milestones as its parties' devices hold them, read when asked. */
export interface BookingMoney {
  bookingId: string;
  milestones: MilestoneDoc[];
}

/** GET /disputes/queue: open disputes, oldest first; `next` continues with ?after=. */
export interface DisputeQueue {
  disputes: {
    id: string;
    bookingId: string;
    bookingTitle: string;
    client: Person;
    worker: Person;
    openedBy: 'client' | 'worker';
    reason: string;
    milestone: { id: string; description: string; amount: number; currency: CurrencyCode };
    claim: { refundAmount: number };
    openedAt: Date;
    respondBy: Date;
    responded: boolean;
    respondedAt: Date | null;
    evidenceCount: number;
  }[];
  next: string | null;
}

export interface Person {
  id: string;
  name: string;
}

/** GET /disputes/:id: the dispute beside the milestone's timeline, the booking's chat and each side's evidence. */
export interface DisputeDetail extends DisputeContext {
  dispute: Omit<DisputeRow, 'evidence'>;
  evidence: Record<EvidenceBy, Evidence[]>;
  attachments: Omit<AttachmentMeta, 'disputeId'>[];
}

/** GET /disputes/audit: what admins did over the parties, newest first; `next` continues with ?before=. */
export interface AuditLog {
  entries: AuditEntry[];
  next: number | null;
}

// A worker's payout account (GET /pay/payouts/account, POST /pay/payouts/onboarding and /refresh).

/** none: never started; pending: onboarding started, transfers not yet possible; active: can be paid. */
export type PayoutStatus = 'none' | 'pending' | 'active';

export interface PayoutAccount {
  status: PayoutStatus;
  /** 'demo' while the demo rail stands in: the screen says that no real money moves. */
  provider: string;
  detailsSubmitted: boolean;
  transfersActive: boolean;
}

/** POST /pay/payouts/onboarding: the provider's onboarding page to open. */
export interface Onboarding extends PayoutAccount {
  url: string;
}
