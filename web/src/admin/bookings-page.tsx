// /a/bookings: every booking by state, newest first; each opens the booking page (read-only timeline and messages for admins).
import { Link, useSearchParams } from 'wouter';
import { BOOKING_STATES } from '@shared/booking-machine';
import { useViewAll } from '../app/sync-context';
import { bookingStateName } from '../i18n/domain-names';
import { formatDateTime } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { MoneyText } from '../ui/money-text';
import { Empty, Loading, Page } from '../ui/page';
import { PendingMark } from '../ui/pending-mark';
import { countByState } from './counts';
import { newestFirst, pickState } from './state-list';
import { adminMessages } from './messages';
import { StateFilter } from './state-filter';

export function BookingsPage() {
  const t = useT(adminMessages);
  const { locale } = useLocale();
  const [params] = useSearchParams();
  const state = pickState(BOOKING_STATES, params.get('state'));
  const bookings = useViewAll('bookings');

  if (!bookings)
    return (
      <Page title={t('bookingsTitle')}>
        <Loading label={t('loading')} />
      </Page>
    );

  const shown = newestFirst(state ? bookings.filter((b) => b.status === state) : bookings);
  return (
    <Page title={t('bookingsTitle')}>
      <StateFilter
        base="/bookings"
        states={BOOKING_STATES}
        counts={countByState(BOOKING_STATES, bookings)}
        total={bookings.length}
        current={state}
        nameOf={(s) => bookingStateName(s, locale)}
      />
      <p className="muted" role="status">
        {t('shownOf', { n: shown.length, total: bookings.length })}
      </p>
      {shown.length === 0 ? (
        <Empty>{t('noBookings')}</Empty>
      ) : (
        <ul className="list" aria-label={t('bookingsTitle')}>
          {shown.map((b) => (
            <li key={b.id} data-testid="admin-booking" data-booking-id={b.id} data-state={b.status}>
              <Link href={`~/b/${b.id}`}>
                <span className="list-item-title">{b.title || t('untitledBooking')}</span>
                <PendingMark show={b.pending} />
                <span className="meta">
                  <span className="badge">{bookingStateName(b.status, locale)}</span>
                  <MoneyText value={b.price} />
                  <span>{t('clientIs', { name: b.clientName })}</span>
                  <span>{t('workerIs', { name: b.workerName })}</span>
                  <span>{t('bookingCreatedAt', { when: formatDateTime(b.createdAt, locale) })}</span>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}
