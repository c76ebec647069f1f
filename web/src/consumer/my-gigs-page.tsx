// "My gigs": the client's gigs, newest first, filterable by state, with who accepted each one.
import { useMemo, useState } from 'react';
import { Link } from 'wouter';
import { useSync, useViewAll } from '../app/sync-context';
import { useStatusName } from '../bookings/status-words';
import { gigStateName } from '../i18n/domain-names';
import { formatRelative } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { MoneyText } from '../ui/money-text';
import { Empty, Loading, Page } from '../ui/page';
import { PendingMark } from '../ui/pending-mark';
import { PushPanel } from '../push/push-panel';
import { filterGigs, newestFirst, stateCounts, type GigFilter } from './gig-list';
import { consumerMessages } from './messages';
import './consumer.css';

export function MyGigsPage() {
  const t = useT(consumerMessages);
  const { locale } = useLocale();
  const statusName = useStatusName();
  const client = useSync();
  const gigs = useViewAll('gigs', { selector: { clientId: client.userId } });
  const bookings = useViewAll('bookings', { selector: { clientId: client.userId } });
  const [filter, setFilter] = useState<GigFilter>('all');

  const sorted = useMemo(() => (gigs ? newestFirst(gigs) : undefined), [gigs]);
  const bookingById = useMemo(() => new Map((bookings ?? []).map((b) => [b.id, b])), [bookings]);
  const counts = sorted ? stateCounts(sorted) : [];
  // A filter whose last gig moved on falls back to everything rather than showing an empty tab.
  const active: GigFilter = filter === 'all' || counts.some((c) => c.state === filter) ? filter : 'all';
  const shown = sorted ? filterGigs(sorted, active) : [];
  const now = Date.now();

  const actions = (
    <div className="actions">
      <Link href="/payments" className="btn">
        {t('payments')}
      </Link>
      <Link href="/new" className="btn btn-primary" data-testid="post-gig">
        {t('postGig')}
      </Link>
    </div>
  );

  return (
    <Page title={t('myGigs')} actions={actions}>
      <PushPanel place="home" />
      {!sorted ? (
        <Loading label={t('loadingGigs')} />
      ) : sorted.length === 0 ? (
        <Empty>{t('noGigs')}</Empty>
      ) : (
        <>
          {counts.length > 1 && (
            <div className="filter-chips" role="group" aria-label={t('filterLabel')}>
              <button type="button" className="chip" aria-pressed={active === 'all'} onClick={() => setFilter('all')}>
                {t('filterAll', { n: sorted.length })}
              </button>
              {counts.map(({ state, count }) => (
                <button key={state} type="button" className="chip" aria-pressed={active === state} onClick={() => setFilter(state)} data-state={state}>
                  {t('filterState', { state: gigStateName(state, locale), n: count })}
                </button>
              ))}
            </div>
          )}
          {shown.length === 0 ? (
            <Empty>{t('noGigsInState')}</Empty>
          ) : (
            <ul className="list" data-testid="my-gigs">
              {shown.map((gig) => {
                const booking = gig.bookingId ? bookingById.get(gig.bookingId) : undefined;
                return (
                  <li key={gig.id} className="gig-item" data-testid="gig-item" data-gig-id={gig.id} data-status={gig.status}>
                    <h2 className="gig-item-title">
                      <Link href={`/gigs/${gig.id}`}>{gig.title}</Link>
                    </h2>
                    <p className="meta">
                      <MoneyText value={gig.budget} />
                      <span className={`badge badge-${gig.status}`}>{gigStateName(gig.status, locale)}</span>
                      <PendingMark show={gig.pending} />
                      <span>{t('postedWhen', { when: formatRelative(gig.createdAt, locale, now) })}</span>
                    </p>
                    {gig.bookingId && (
                      <p className="meta">
                        <span>
                          {t('acceptedBy')}{' '}
                          <Link href={`~/b/${gig.bookingId}`} data-testid="gig-booking-link">
                            {booking?.workerName || t('aWorker')}
                          </Link>
                        </span>
                        {booking && <span>{statusName(booking)}</span>}
                        {booking && <PendingMark show={booking.pending} />}
                        {/* A payment plan agreed on the booking sets its price; the gig keeps the budget it was posted with. */}
                        {booking && booking.price.amount !== gig.budget.amount && (
                          <span data-testid="gig-booked-price">
                            {t('bookedFor')} <MoneyText value={booking.price} />
                          </span>
                        )}
                      </p>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </>
      )}
    </Page>
  );
}
