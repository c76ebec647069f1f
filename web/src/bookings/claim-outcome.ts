// Where a dispute's money goes if its claim applies, said to the client or the worker who reads it: the client
// hears what comes back to them, the worker what they receive after the platform fee.
import { outcomeOf, type DisputeOutcome } from '@shared/milestone-machine';
import { splitFee, subtract, type Money } from '@shared/money';
import type { Locale } from '@shared/locales';
import { formatMoney } from '../i18n/format';
import type { Translate } from '../i18n/i18n';
import type { MoneyKey } from './money-messages';

interface Claim {
  /** The disputed milestone's amount. */
  amount: Money;
  /** What the claim gives back to the client; the rest is released to the worker. */
  refundAmount: Money;
}

/**
 * The claim's money as the server settles it (disputes/settle.ts): the fee is taken from what is released to the
 * worker, not from the whole, so the worker's net under a claim is less than the release by that fee alone.
 */
export function claimMoney(claim: Claim, feeBps: number): { refund: Money; release: Money; fee: Money; net: Money } {
  const release = subtract(claim.amount, claim.refundAmount);
  return { refund: claim.refundAmount, release, ...splitFee(release, feeBps) };
}

/** One clause per outcome and reader, each beginning with an amount so it can open a sentence in either language. */
const APPLIES: Record<DisputeOutcome, Record<'client' | 'worker', MoneyKey>> = {
  refund_all: { client: 'appliesRefundAllYou', worker: 'appliesRefundAll' },
  split: { client: 'appliesSplitClient', worker: 'appliesSplitWorker' },
  release_all: { client: 'appliesReleaseAll', worker: 'appliesReleaseAllYou' },
};

/** "$12.50 goes back to the client and you receive $123.75 after the $13.75 platform fee", for `reader`. */
export function claimApplies(claim: Claim, feeBps: number, reader: 'client' | 'worker', t: Translate<MoneyKey>, locale: Locale): string {
  const m = claimMoney(claim, feeBps);
  const key = APPLIES[outcomeOf(claim.amount.amount, claim.refundAmount.amount)][reader];
  return t(key, { refund: formatMoney(m.refund, locale), release: formatMoney(m.release, locale), net: formatMoney(m.net, locale), fee: formatMoney(m.fee, locale) });
}
