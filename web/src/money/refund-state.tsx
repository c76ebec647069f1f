// What the payment provider has made of a refund owed to the client, in plain words: on its way, made (with
// the provider's reference, to quote to their bank), refused and in our hands, or given by their bank instead.
import type { RefundProgress } from '@shared/money-api';
import { useT } from '../i18n/i18n';
import { moneyMessages } from './messages';

export function RefundState({ refund }: { refund: RefundProgress }) {
  const t = useT(moneyMessages);
  const text =
    refund.status === 'succeeded'
      ? refund.reference
        ? t('refundMadeReference', { reference: refund.reference })
        : t('refundMade')
      : refund.status === 'failed'
        ? t('refundFailed')
        : refund.status === 'returned_by_bank'
          ? t('refundByBank')
          : t('refundOnItsWay');
  return (
    <span className={`money-refund money-refund-${refund.status}`} data-testid="refund-state" data-status={refund.status}>
      {text}
    </span>
  );
}
