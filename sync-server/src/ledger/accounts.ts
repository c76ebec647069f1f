// The ledger's accounts: one per purpose and owner, named so that the name says what the account is.
// Escrow is one account per milestone (DESIGN, "Money": a single hot escrow row collapses throughput).
import type { CurrencyCode } from '@shared/money';

export type AccountKind =
  | 'client_funding' | 'escrow' | 'worker_payable' | 'platform_fees' | 'refunds' | 'provider_clearing' | 'payouts' | 'bank_disputes' | 'platform_losses'
  | 'provider_fees' | 'platform_costs';

export interface Account {
  id: string;
  kind: AccountKind;
  currency: CurrencyCode;
  ownerId: string | null;
  /**
   * Contra and clearing accounts run negative by design (money that came in from, or went out to, the world);
   * escrow and what we owe a worker never may (invariant L3 in migration 003).
   */
  mayGoNegative: boolean;
}

const account = (kind: AccountKind, currency: CurrencyCode, ownerId: string | null, mayGoNegative: boolean): Account => ({
  id: ownerId ? `${kind}:${ownerId}:${currency}` : `${kind}:${currency}`,
  kind,
  currency,
  ownerId,
  mayGoNegative,
});

export const accounts = {
  /** What a client has paid in through the provider: negative as money arrives (its counterpart is escrow). */
  clientFunding: (clientId: string, c: CurrencyCode) => account('client_funding', c, clientId, true),
  /** Money held for one milestone until it is released or refunded. */
  escrow: (milestoneId: string, c: CurrencyCode) => account('escrow', c, milestoneId, false),
  /** Released to a worker and not yet paid out. */
  workerPayable: (workerId: string, c: CurrencyCode) => account('worker_payable', c, workerId, false),
  /** The platform's fees: grows with every release. */
  platformFees: (c: CurrencyCode) => account('platform_fees', c, null, false),
  /** Money returned to clients. */
  refunds: (c: CurrencyCode) => account('refunds', c, null, true),
  /** Paid out to workers' connected accounts. */
  payouts: (c: CurrencyCode) => account('payouts', c, null, true),
  /** Money clients' banks took back for chargebacks (less what they gave back when they decided for us). */
  bankDisputes: (c: CurrencyCode) => account('bank_disputes', c, null, true),
  /** What chargebacks cost the platform itself: money a bank took back after it had gone to the worker. */
  platformLosses: (c: CurrencyCode) => account('platform_losses', c, null, true),
  /** What the payment provider kept as its fees: on each charge, and on a bank dispute (less any it gave back). */
  providerFees: (c: CurrencyCode) => account('provider_fees', c, null, true),
  /** What the platform paid from its own money for running payments: the provider's fees (negative as it pays). */
  platformCosts: (c: CurrencyCode) => account('platform_costs', c, null, true),
} as const;
