// /o/payouts: the worker's payout account (none, pending, active) and the way into the provider's onboarding,
// which returns here.
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { useSync, useSyncStatus } from '../app/sync-context';
import { useLocale, useT } from '../i18n/i18n';
import { Page } from '../ui/page';
import { useQueryOnce } from '../ui/use-query-once';
import type { Onboarding, PayoutAccount } from './api-types';
import { ActionNote } from './action-note';
import { MoneyHttpError, moneyPost, refusalText } from './money-api';
import { MoneyReadState, MoneyStaleNotice } from './money-read-state';
import { moneyMessages } from './messages';
import { usePayoutAccount } from './use-payout-account';

const STATUS_TEXT = { none: 'payoutsNone', pending: 'payoutsPending', active: 'payoutsActive' } as const;

export function PayoutsPage() {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const { read, reload, offline } = usePayoutAccount();
  const client = useSync();
  const { online } = useSyncStatus();
  const [opening, setOpening] = useState(false);
  const [problem, setProblem] = useState('');
  // The provider sends the worker back with ?onboarding=return (done, or left) or =refresh (the link expired).
  const back = useQueryOnce('onboarding');

  // Back from the provider: have the server read the account again, so the status is the provider's own.
  useEffect(() => {
    if (back !== 'return' || !online) return;
    let live = true;
    moneyPost<PayoutAccount>(client, '/pay/payouts/refresh').then(
      () => live && reload(),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [back, client, online, reload]);

  /** The provider's onboarding is a page of its own; it sends the worker back here when done. */
  async function onboard() {
    setOpening(true);
    setProblem('');
    try {
      const { url } = await moneyPost<Onboarding>(client, '/pay/payouts/onboarding');
      window.location.assign(url);
    } catch (err) {
      setOpening(false);
      setProblem(err instanceof MoneyHttpError ? t('onboardingFailed', { reason: refusalText(err, locale) }) : t('noConnectionForAction'));
    }
  }

  return (
    <Page title={t('payoutsTitle')}>
      <MoneyStaleNotice show={offline} />
      {read.state !== 'ready' ? (
        <MoneyReadState read={read} onRetry={reload} />
      ) : (
        <>
          <p>{t('payoutsIntro')}</p>
          {back === 'refresh' && read.data.status !== 'active' && <p className="notice">{t('onboardingExpired')}</p>}
          {read.data.provider === 'demo' && <p className="badge money-demo">{t('demoPayouts')}</p>}
          <p className={read.data.status === 'active' ? 'money-ok' : 'notice'} data-testid="payout-status" data-status={read.data.status}>
            {t(STATUS_TEXT[read.data.status])}
          </p>
          {read.data.status === 'active' ? (
            <p>
              <Link href="/earnings">{t('seeEarnings')}</Link>
            </p>
          ) : (
            <div className="actions">
              <button type="button" className="btn btn-primary" disabled={opening} onClick={() => void onboard()} data-testid="start-onboarding">
                {t(read.data.status === 'none' ? 'startOnboarding' : 'continueOnboarding')}
              </button>
            </div>
          )}
          <ActionNote doing={opening ? t('openingOnboarding') : ''} problem={problem} />
        </>
      )}
    </Page>
  );
}
