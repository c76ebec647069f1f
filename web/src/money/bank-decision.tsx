// A payment the client disputed with their bank, in plain words: what kind of line it is, how the bank has decided,
// and what its amount says. Decided for Fieldwork, none of the money is the client's: no amount is shown.
import type { BankDecision } from '@shared/money-api';
import { money, type CurrencyCode } from '@shared/money';
import { useT } from '../i18n/i18n';
import { MoneyText } from '../ui/money-text';
import { moneyMessages } from './messages';

const SAYS = { deciding: 'bankDeciding', for_client: 'bankReturned', for_fieldwork: 'bankStands' } as const satisfies Record<BankDecision, string>;

/** The line's kind: money taken back by the bank, or (decided for Fieldwork) only a dispute. */
export const bankKind = (outcome: BankDecision) => (outcome === 'for_fieldwork' ? 'kindBankStands' : 'kindBank');

export function BankDecisionText({ outcome, testId }: { outcome: BankDecision; testId: string }) {
  const t = useT(moneyMessages);
  return (
    <span className="money-job-detail" data-testid={testId} data-outcome={outcome}>
      {t(SAYS[outcome])}
    </span>
  );
}

/** The payments table's amount cell: what the bank took back, as money back to the client; none once decided for Fieldwork. */
export function BankAmount({ outcome, amount, currency }: { outcome: BankDecision; amount: number; currency: CurrencyCode }) {
  const t = useT(moneyMessages);
  if (outcome === 'for_fieldwork')
    return (
      <>
        <span aria-hidden="true">—</span>
        <span className="visually-hidden">{t('bankStandsAmount')}</span>
      </>
    );
  return <MoneyText value={money(-amount, currency)} />;
}
