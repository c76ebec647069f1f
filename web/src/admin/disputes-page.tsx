// /a/disputes: the mediators' queue, open disputes oldest first (read from the server), each opening its decision page.
import { Link } from 'wouter';
import { money } from '@shared/money';
import { formatDateTime, formatMoney, formatRelative } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import type { DisputeQueue } from '../money/api-types';
import { MoneyReadState, MoneyStaleNotice } from '../money/money-read-state';
import { MoneyText } from '../ui/money-text';
import { Empty, Page } from '../ui/page';
import { adminMoneyMessages } from './money-messages';
import { ShowMore } from './show-more';
import { usePagedRead } from './use-paged-read';

export function DisputesPage() {
  const t = useT(adminMoneyMessages);
  const { locale } = useLocale();
  const { read, reload, offline, pages, next, loadMore, loadingMore, moreFailed } = usePagedRead<DisputeQueue>('/disputes/queue', 'after');
  const disputes = pages.flatMap((p) => p.disputes);
  const now = Date.now();

  return (
    <Page title={t('disputesTitle')}>
      <p className="hint">{t('disputesHint')}</p>
      <MoneyStaleNotice show={offline} />
      {read.state !== 'ready' ? (
        <MoneyReadState read={read} onRetry={reload} />
      ) : disputes.length === 0 ? (
        <Empty>{t('noDisputes')}</Empty>
      ) : (
        <>
          <ul className="list" aria-label={t('queueLabel')} data-testid="dispute-queue">
            {disputes.map((d) => {
              const amount = money(d.milestone.amount, d.milestone.currency);
              const title = d.bookingTitle || d.milestone.description;
              return (
                <li key={d.id} data-testid="queued-dispute" data-dispute-id={d.id}>
                  <Link href={`/disputes/${d.id}`}>
                    <span className="list-item-title">{title}</span>
                    {d.milestone.description !== title && <span className="money-job-detail">{d.milestone.description}</span>}
                    <span className="meta">
                      <MoneyText value={amount} />
                      <span>
                        {t('claimOf', {
                          refund: formatMoney(money(d.claim.refundAmount, d.milestone.currency), locale),
                          amount: formatMoney(amount, locale),
                        })}
                      </span>
                    </span>
                    <span className="meta">
                      <span>{t(d.openedBy === 'client' ? 'openedByClient' : 'openedByWorker', { name: d.openedBy === 'client' ? d.client.name : d.worker.name })}</span>
                      <span>{t('openedAt', { when: formatRelative(d.openedAt, locale, now) })}</span>
                      <span>
                        {d.responded
                          ? d.openedBy === 'client'
                            ? t('answeredBy', { name: d.worker.name, side: t('sideWorker') })
                            : t('answeredBy', { name: d.client.name, side: t('sideClient') })
                          : t('answerDue', { when: formatDateTime(d.respondBy, locale) })}
                      </span>
                      <span>{d.evidenceCount === 1 ? t('evidenceOne') : t('evidenceOther', { n: d.evidenceCount })}</span>
                    </span>
                  </Link>
                </li>
              );
            })}
          </ul>
          <ShowMore next={next} loadMore={loadMore} loadingMore={loadingMore} moreFailed={moreFailed} />
        </>
      )}
    </Page>
  );
}
