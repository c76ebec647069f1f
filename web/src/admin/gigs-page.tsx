// /a/gigs: every gig on the marketplace by state, newest first, with a way into its booking when it has one.
import { Link, useSearchParams } from 'wouter';
import { GIG_STATES } from '@shared/gig-machine';
import { useViewAll } from '../app/sync-context';
import { gigStateName } from '../i18n/domain-names';
import { formatDateTime } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { MoneyText } from '../ui/money-text';
import { Empty, Loading, Page } from '../ui/page';
import { PendingMark } from '../ui/pending-mark';
import { countByState } from './counts';
import { newestFirst, pickState } from './state-list';
import { adminMessages } from './messages';
import { StateFilter } from './state-filter';

export function GigsPage() {
  const t = useT(adminMessages);
  const { locale } = useLocale();
  const [params] = useSearchParams();
  const state = pickState(GIG_STATES, params.get('state'));
  const gigs = useViewAll('gigs');

  if (!gigs)
    return (
      <Page title={t('gigsTitle')}>
        <Loading label={t('loading')} />
      </Page>
    );

  const shown = newestFirst(state ? gigs.filter((g) => g.status === state) : gigs);
  return (
    <Page title={t('gigsTitle')}>
      <StateFilter base="/gigs" states={GIG_STATES} counts={countByState(GIG_STATES, gigs)} total={gigs.length} current={state} nameOf={(s) => gigStateName(s, locale)} />
      <p className="muted" role="status">
        {t('shownOf', { n: shown.length, total: gigs.length })}
      </p>
      {shown.length === 0 ? (
        <Empty>{t('noGigs')}</Empty>
      ) : (
        <ul className="list" aria-label={t('gigsTitle')}>
          {shown.map((g) => (
            <li key={g.id} className="list-item" data-testid="admin-gig" data-gig-id={g.id} data-state={g.status}>
              <span className="list-item-title">{g.title}</span>
              <PendingMark show={g.pending} />
              <p className="meta">
                <span className="badge">{gigStateName(g.status, locale)}</span>
                <MoneyText value={g.budget} />
                <span>{t('clientIs', { name: g.clientName })}</span>
                <span>{t('gigCreatedAt', { when: formatDateTime(g.createdAt, locale) })}</span>
              </p>
              {g.bookingId && (
                <Link href={`~/b/${g.bookingId}`} className="admin-row-link" aria-label={t('openBookingOf', { title: g.title })}>
                  {t('openBooking')}
                </Link>
              )}
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}
