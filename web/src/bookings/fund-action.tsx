// Paying for a milestone: what it costs and who pays the fee, then the provider's checkout. POST /pay/checkout
// applies milestone.fund under a command id made here and answers with the checkout to open; the page the
// checkout returns to shows the milestone becoming paid as replication brings it.
import { useState } from 'react';
import { useSync } from '../app/sync-context';
import { formatBps, formatMoney, formatTime } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { ActionNote } from '../money/action-note';
import { MoneyHttpError, moneyPost, refusalText } from '../money/money-api';
import { newId } from '../sync/ids';
import type { ViewDoc } from '../sync/optimistic';
import { moneyMessages } from './money-messages';
import type { PaymentRail } from './use-money-step';

interface Props {
  milestone: ViewDoc<'milestones'>;
  /** The server can be reached: paying needs it. */
  reachable: boolean;
  rail: PaymentRail | null;
  /** The client is back from a checkout that said it was paid: going back to it is the exception. */
  returned?: boolean;
}

export function FundAction({ milestone, reachable, rail, returned = false }: Props) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const client = useSync();
  const [opening, setOpening] = useState(false);
  const [error, setError] = useState('');
  const amount = formatMoney(milestone.amount, locale);
  const again = milestone.status === 'payment_pending';
  // Back from a payment the provider has not confirmed yet: the way back to the checkout stays, for a payment
  // that did not go through after all, but it no longer looks like the next step.
  const settling = again && returned;

  async function pay() {
    setOpening(true);
    setError('');
    try {
      const { url } = await moneyPost<{ url: string }>(client, '/pay/checkout', { milestoneId: milestone.id, commandId: newId() });
      // The checkout is the provider's page (or the demo rail's); it sends the client back here.
      window.location.assign(url);
    } catch (err) {
      setError(err instanceof MoneyHttpError ? t('fundFailed', { reason: refusalText(err, locale) }) : t('noServer'));
      setOpening(false);
    }
  }

  return (
    <div className="fund" data-testid="fund">
      {!settling && <p className="hint">{t('feeFromWorker', { rate: formatBps(milestone.feeBps, locale), fee: formatMoney(milestone.fee, locale) })}</p>}
      {rail === 'demo' && (
        <p className="demo-rail" data-testid="demo-rail">
          <strong>{t('demo')}</strong>
        </p>
      )}
      <p className="hint">{settling ? t('continueOnlyIf') : t('fundHint')}</p>
      {again && milestone.paymentExpiresAt && <p className="hint">{t('checkoutUntil', { time: formatTime(milestone.paymentExpiresAt, locale) })}</p>}
      <div className="actions">
        <button type="button" className={settling ? 'btn' : 'btn btn-primary'} disabled={!reachable || opening} aria-busy={opening || undefined} onClick={() => void pay()}>
          {again ? t('continuePayment') : t('fund', { amount })}
        </button>
      </div>
      <ActionNote doing={opening ? t('opening') : ''} problem={error} />
    </div>
  );
}
