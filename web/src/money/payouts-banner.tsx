// On the operator's gig screen: why a worker without active payouts cannot accept paid work, and where to fix it.
// Its words are the Work area's (operator/messages.ts): it is part of a field screen, whose chunk should not
// carry the money screens' catalog.
import { Link } from 'wouter';
import { useSyncStatus } from '../app/sync-context';
import { useT } from '../i18n/i18n';
import { operatorMessages } from '../operator/messages';
import { usePayoutAccount } from './use-payout-account';

/**
 * The worker's payouts when they are known not to be active ('none' or 'pending'), else null. Asks only while
 * the sync says the server answers (and `ask`), and says nothing until it has: offline, the accept refusal
 * (payouts_not_set_up) tells the same.
 */
export function usePayoutsMissing(ask = true): 'none' | 'pending' | null {
  const { connected } = useSyncStatus();
  const { read } = usePayoutAccount(connected && ask);
  return read.state === 'ready' && read.data.status !== 'active' ? read.data.status : null;
}

/** Why Accept is off while payouts are not active (`missing` from usePayoutsMissing), and where to fix it. */
export function PayoutsBanner({ missing, id }: { missing: 'none' | 'pending' | null; id?: string }) {
  const t = useT(operatorMessages);
  if (!missing) return null;
  return (
    <p className="notice" id={id} data-testid="payouts-banner" data-status={missing}>
      {t(missing === 'pending' ? 'payoutsBannerPending' : 'payoutsBannerNone')} <Link href="~/o/payouts">{t('payoutsBannerLink')}</Link>
    </p>
  );
}
