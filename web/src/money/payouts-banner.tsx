// On the operator's gig screen: why a worker without active payouts cannot accept paid work, and where to fix it.
// Its words are the Work area's (operator/messages.ts): it is part of a field screen, whose chunk should not
// carry the money screens' catalog.
import { Link } from 'wouter';
import { useSyncStatus } from '../app/sync-context';
import { useT } from '../i18n/i18n';
import { operatorMessages } from '../operator/messages';
import { usePayoutAccount } from './use-payout-account';

/**
 * Asks only while the sync says the server answers, and says nothing until it has: offline, the accept
 * refusal (payouts_not_set_up) tells the same.
 */
export function PayoutsBanner() {
  const t = useT(operatorMessages);
  const { connected } = useSyncStatus();
  const { read } = usePayoutAccount(connected);
  if (read.state !== 'ready' || read.data.status === 'active') return null;
  return (
    <p className="notice" data-testid="payouts-banner" data-status={read.data.status}>
      {t(read.data.status === 'pending' ? 'payoutsBannerPending' : 'payoutsBannerNone')} <Link href="~/o/payouts">{t('payoutsBannerLink')}</Link>
    </p>
  );
}
