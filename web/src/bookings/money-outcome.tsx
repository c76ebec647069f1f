// Where an ended booking's money went, in one sentence from where the reader stands: what the worker was paid (to
// the worker, net of the fee), what went back to the client, and what the client's bank returned to them.
import { bookingEnded, type BookingState } from '@shared/booking-machine';
import { LATE_BANK_DISPUTE_STEPS, SETTLED_STATES } from '@shared/milestone-machine';
import { subtract, sum, type CurrencyCode, type Money } from '@shared/money';
import { formatMoney } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import type { ViewDoc } from '../sync/optimistic';
import { chargedBack } from './bank-dispute';
import { moneyMessages } from './money-messages';

type Part = Pick<ViewDoc<'milestones'>, 'status' | 'amount' | 'releasedAmount' | 'refundedAmount' | 'feeAmount' | 'timeline'>;

export interface MoneyOutcome {
  released: Money;
  fee: Money;
  refunded: Money;
  /** What the client's bank gave back to them of parts a chargeback ended (the rest of such a part is `refunded`). */
  byBank: Money;
  /** Parts whose money moved (released, refunded, split, or taken back by a bank). */
  parts: number;
}

/** A settled part whose payment the client's bank disputed afterwards: what it gave back is not on the device to add up. */
const lateBankStep = (m: Part) => m.timeline.some((e) => (LATE_BANK_DISPUTE_STEPS as readonly string[]).includes(e.event));

/**
 * The settled parts' money added up; null when none moved any (every part dropped or replaced unpaid), or when it
 * cannot all be said: a bank disputed a settled part's payment (its own row says what the bank did).
 */
export function moneyOutcome(parts: readonly Part[], currency: CurrencyCode): MoneyOutcome | null {
  if (parts.some(lateBankStep)) return null;
  const settled = parts.filter((m) => SETTLED_STATES.includes(m.status) && m.status !== 'cancelled');
  if (settled.length === 0) return null;
  const total = (pick: (m: Part) => Money) => sum(settled.map(pick), currency);
  const byBank = total((m) => (chargedBack(m.timeline) ? subtract(m.amount, sum([m.releasedAmount, m.refundedAmount], currency)) : { amount: 0, currency }));
  return { released: total((m) => m.releasedAmount), fee: total((m) => m.feeAmount), refunded: total((m) => m.refundedAmount), byBank, parts: settled.length };
}

/**
 * Said once the booking has ended, when its money did not all go one way on one part (a single part released is said
 * by its own row): a booking cancelled or resolved, or one of several parts.
 */
export function MoneyOutcomeLine({ status, parts, side }: { status: BookingState; parts: readonly ViewDoc<'milestones'>[]; side: 'client' | 'worker' | null }) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const currency = parts[0]?.amount.currency;
  const outcome = currency && bookingEnded(status) ? moneyOutcome(parts, currency) : null;
  if (!outcome || (status === 'completed' && outcome.parts < 2)) return null;
  const m = (x: Money) => formatMoney(x, locale);
  const said: string[] = [];
  if (outcome.released.amount > 0)
    said.push(
      side === 'worker'
        ? t('outcomeReleasedYou', { net: m(subtract(outcome.released, outcome.fee)), fee: m(outcome.fee) })
        : t(side === 'client' ? 'outcomeReleasedByYou' : 'outcomeReleased', { amount: m(outcome.released) }),
    );
  if (outcome.refunded.amount > 0) said.push(t(side === 'client' ? 'outcomeRefundedYou' : 'outcomeRefunded', { amount: m(outcome.refunded) }));
  if (outcome.byBank.amount > 0) said.push(t(side === 'client' ? 'outcomeByBankYou' : 'outcomeByBank', { amount: m(outcome.byBank) }));
  if (said.length === 0) return null;
  return (
    <p className="hint" data-testid="money-outcome">
      {t('outcomeInAll', { parts: new Intl.ListFormat(locale, { type: 'conjunction' }).format(said) })}
    </p>
  );
}
