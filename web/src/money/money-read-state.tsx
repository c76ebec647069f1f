// What a money screen shows until its figures arrive: loading, offline, no answer while online, or the server's refusal.
import { useSyncStatus } from '../app/sync-context';
import { formatDateTime } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { refusalText, type MoneyRead } from './money-api';
import { moneyMessages } from './messages';

export function MoneyReadState({ read, onRetry }: { read: Exclude<MoneyRead<unknown>, { state: 'ready' }>; onRetry(): void }) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  if (read.state === 'loading')
    return (
      <p className="muted" role="status" data-testid="money-loading">
        {t('loading')}
      </p>
    );
  if (read.state === 'offline' || read.state === 'unreachable')
    return (
      <div className="notice money-state" role="status" data-testid={`money-${read.state}`}>
        <p>
          <strong>{t(read.state)}</strong>
        </p>
        <p>{t(read.state === 'offline' ? 'offlineHint' : 'unreachableHint')}</p>
        <button type="button" className="btn" onClick={onRetry}>
          {t('retry')}
        </button>
      </div>
    );
  return (
    <div className="error money-state" role="alert" data-testid="money-failed" data-code={read.error.code}>
      <p>{t('failed', { reason: refusalText(read.error, locale) })}</p>
      <button type="button" className="btn" onClick={onRetry}>
        {t('retry')}
      </button>
    </div>
  );
}

/**
 * Over figures read earlier, while the server cannot be reached (offline, or no answer): they may be out of date.
 * `asOf`: they are the figures kept on the device, read then (useMoneyRead's `keep`), said with their time, and
 * said as being brought up to date while the server is asked.
 */
export function MoneyStaleNotice({ show, asOf = null }: { show: boolean; asOf?: string | null }) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const { online } = useSyncStatus();
  if (!show && asOf === null) return null;
  const when = asOf === null ? '' : formatDateTime(asOf, locale);
  return (
    <p className={show ? 'notice' : 'muted'} role="status" data-testid="money-stale">
      {!show ? t('keptUpdating', { when }) : asOf === null ? t(online ? 'staleUnanswered' : 'staleFigures') : t(online ? 'staleUnansweredKept' : 'staleFiguresKept', { when })}
    </p>
  );
}
