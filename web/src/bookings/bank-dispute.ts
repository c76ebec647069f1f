// A chargeback as a device reads it from a part's replicated history: the steps the client's bank took, in
// words from the reader's side, and whether the part ended by the bank returning the payment. Whether the bank
// holds the part's money now is the shared rule's to say (heldByBank).
import { BANK_DISPUTE_STEPS, LATE_BANK_DISPUTE_STEPS, type BankDisputeStep, type LateBankDisputeStep } from '@shared/milestone-machine';
import type { Translate } from '../i18n/i18n';
import { bookingMessages } from './messages';

type Key = keyof typeof bookingMessages.en;

/** The timeline-only steps (on a held part, and on one already settled), and the machine's charged_back that ends the part. */
export type BankStep = BankDisputeStep | LateBankDisputeStep | 'charged_back';
const BANK_STEPS: readonly string[] = [...BANK_DISPUTE_STEPS, ...LATE_BANK_DISPUTE_STEPS, 'charged_back'];
export const isBankStep = (event: string): event is BankStep => BANK_STEPS.includes(event);

/** The part ended because the client's bank decided for them: it returned the payment, Fieldwork refunded nothing. */
export const chargedBack = (timeline: readonly { event: string }[]): boolean => timeline.some((e) => e.event === 'charged_back');

/** To the client it is their own bank; to the worker and to admins, the client's. */
const NAMES: Record<BankStep, Record<'client' | 'other', Key>> = {
  bank_dispute_opened: { client: 'evBankOpenedYours', other: 'evBankOpened' },
  bank_dispute_won: { client: 'evBankWonYours', other: 'evBankWon' },
  charged_back: { client: 'evChargedBackYou', other: 'evChargedBack' },
  late_bank_dispute_opened: { client: 'evLateBankOpenedYours', other: 'evLateBankOpened' },
  late_bank_dispute_won: { client: 'evLateBankWonYours', other: 'evLateBankWon' },
  late_bank_dispute_lost: { client: 'evLateBankLostYours', other: 'evLateBankLost' },
};

/** What the bank did, as one step of a part's history. The words name the bank: no "by" goes with them. */
export const bankStepName = (t: Translate<Key>, event: BankStep, reader: 'client' | 'other'): string => t(NAMES[event][reader]);

/** Stripe's dispute reasons, as a person reads them. */
const REASONS: Record<string, Key> = {
  bank_cannot_process: 'bankReasonBankCannotProcess', check_returned: 'bankReasonCheckReturned', credit_not_processed: 'bankReasonCreditNotProcessed',
  customer_initiated: 'bankReasonCustomerInitiated', debit_not_authorized: 'bankReasonDebitNotAuthorized', duplicate: 'bankReasonDuplicate',
  fraudulent: 'bankReasonFraudulent', general: 'bankReasonGeneral', incorrect_account_details: 'bankReasonIncorrectAccountDetails',
  insufficient_funds: 'bankReasonInsufficientFunds', noncompliant: 'bankReasonNoncompliant', product_not_received: 'bankReasonProductNotReceived',
  product_unacceptable: 'bankReasonProductUnacceptable', subscription_canceled: 'bankReasonSubscriptionCanceled', unrecognized: 'bankReasonUnrecognized',
};

/**
 * A bank step's note, the reason the bank gave (a Stripe code such as product_not_received), in words. A reason
 * Stripe adds later has no words here yet: mediators (`withCode`) still see its code; the parties see nothing.
 */
export function bankReasonText(t: Translate<Key>, code: string | null | undefined, withCode = false): string | undefined {
  if (!code) return undefined;
  const key = Object.hasOwn(REASONS, code) ? REASONS[code] : undefined;
  if (!key) return withCode ? t('bankReason', { reason: code }) : undefined;
  return t('bankReason', { reason: withCode ? `${t(key)} (${code})` : t(key) });
}
