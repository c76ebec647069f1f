// What the money routes answer, as the screens read it: amounts are integer minor units beside their currency,
// times ISO strings. Sources: sync-server/src/money (statements.ts, payments.ts), payouts/ and disputes/ routes.
import type { CurrencyCode } from '@shared/money';
import type { MilestoneState } from '@shared/milestone-machine';

/** GET /money/statement: a worker's jobs in the period and where their money is now. */
export interface WorkerStatement {
  worker: { id: string; name: string };
  from: string;
  to: string;
  jobs: {
    postingId: string;
    milestoneId: string | null;
    bookingId: string | null;
    title: string;
    description: string;
    /** release, or split when a dispute decided part of the milestone. */
    kind: string;
    releasedAt: string;
    currency: CurrencyCode;
    gross: number;
    fee: number;
    net: number;
  }[];
  totals: { currency: CurrencyCode; jobs: number; gross: number; fee: number; net: number; paidOut: number }[];
  balances: { asOf: string; byCurrency: { currency: CurrencyCode; pending: number; available: number; paidOut: number }[] };
}

/** GET /money/payments: a client's payments and refunds in the period. */
export interface ClientPayments {
  from: string;
  to: string;
  payments: {
    postingId: string;
    paidAt: string;
    milestoneId: string | null;
    bookingId: string | null;
    title: string;
    description: string;
    worker: { id: string; name: string } | null;
    currency: CurrencyCode;
    amount: number;
    workerFee: number;
    feeBps: number | null;
    status: MilestoneState | null;
  }[];
  refunds: {
    postingId: string;
    refundedAt: string;
    milestoneId: string | null;
    bookingId: string | null;
    title: string;
    description: string;
    kind: string;
    currency: CurrencyCode;
    amount: number;
  }[];
  totals: { currency: CurrencyCode; paid: number; refunded: number }[];
}

/** GET /money/receipts/:milestoneId */
export interface Receipt {
  milestoneId: string;
  bookingId: string;
  title: string;
  description: string;
  status: MilestoneState;
  client: { id: string; name: string };
  worker: { id: string; name: string };
  currency: CurrencyCode;
  amount: number;
  paidAt: string;
  paymentReference: string | null;
  chargeReference: string | null;
  workerFee: number;
  feeBps: number;
  released: number;
  refunded: number;
  refundReference: string | null;
  lines: { at: string; kind: string; currency: CurrencyCode; paid: number; released: number; refunded: number; memo: string }[];
}

export type PayoutStatus = 'none' | 'pending' | 'active';

/** GET /pay/payouts/account, POST /pay/payouts/refresh */
export interface PayoutAccount {
  status: PayoutStatus;
  /** 'demo' while the demo rail stands in. */
  provider: string;
  detailsSubmitted: boolean;
  transfersActive: boolean;
}

/** POST /pay/payouts/onboarding: the provider's onboarding page to open. */
export interface Onboarding extends PayoutAccount {
  url: string;
}

/** GET /money/settlement: per currency, what came in, went out and stayed in the period. */
export interface SettlementReport {
  from: string;
  to: string;
  balancesAt: string;
  byCurrency: {
    currency: CurrencyCode;
    funded: number;
    released: number;
    refunded: number;
    feesEarned: number;
    transferred: number;
    heldInEscrow: number;
    awaitingTransfer: number;
  }[];
}

/** One broken ledger invariant: its name and the facts that show it (sync-server/src/ledger/invariants.ts). */
export type LedgerViolation = { invariant: string } & Record<string, string | number | null>;

/** GET /money/trial-balance */
export interface TrialBalance {
  accounts: { kind: string; currency: CurrencyCode; accounts: number; balance: number }[];
  totals: { currency: CurrencyCode; total: number }[];
  balanced: boolean;
  invariants: { ok: boolean; postings: number; entries: number; accounts: number; milestones: number; violations: LedgerViolation[] };
}

export interface Person {
  id: string;
  name: string;
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
    openedAt: string;
    respondBy: string;
    responded: boolean;
    respondedAt: string | null;
    evidenceCount: number;
  }[];
  next: string | null;
}

export interface Evidence {
  id: string;
  by: 'client' | 'worker' | 'admin';
  actorId: string;
  text: string;
  messageIds: string[];
  attachmentIds: string[];
  at: string;
}

/** GET /disputes/:id: the dispute beside the milestone's timeline, the booking's chat and each side's evidence. */
export interface DisputeDetail {
  dispute: {
    id: string;
    bookingId: string;
    milestoneId: string;
    clientId: string;
    workerId: string;
    openedBy: 'client' | 'worker';
    openedById: string;
    reason: string;
    refundAmount: number;
    amount: number;
    currency: CurrencyCode;
    status: 'open' | 'resolved';
    respondBy: string;
    respondedAt: string | null;
    outcome: 'release_all' | 'refund_all' | 'split' | null;
    resolvedHow: 'accepted' | 'default' | 'admin' | null;
    resolvedById: string | null;
    releasedAmount: number | null;
    refundedAmount: number | null;
    resolutionReason: string | null;
    openedAt: string;
    resolvedAt: string | null;
  };
  booking: { id: string; title: string; status: string; clientName: string; workerName: string };
  milestone: {
    id: string;
    description: string;
    amount: number;
    currency: CurrencyCode;
    status: MilestoneState;
    timeline: { at: string; event: string; status: MilestoneState; by: string; actorId: string | null; note?: string }[];
  };
  messages: { id: string; senderId: string; body: string; createdAt: string }[];
  evidence: Record<'client' | 'worker' | 'admin', Evidence[]>;
  attachments: { id: string; uploadedBy: string; name: string; contentType: string; size: number; sha256: string; createdAt: string }[];
}

/** GET /disputes/audit: what admins did over the parties, newest first; `next` continues with ?before=. */
export interface AuditLog {
  entries: {
    id: number;
    at: string;
    adminId: string;
    adminName: string;
    action: string;
    subjectType: string;
    subjectId: string;
    reason: string;
    details: Record<string, unknown>;
  }[];
  next: number | null;
}
