// /a: the state of the marketplace from local data, each count a link to the filtered list.
import { BOOKING_STATES } from '@shared/booking-machine';
import { GIG_STATES } from '@shared/gig-machine';
import { useViewAll } from '../app/sync-context';
import { bookingStateName, gigStateName } from '../i18n/domain-names';
import { useLocale, useT } from '../i18n/i18n';
import { Loading, Page } from '../ui/page';
import { CountLinks, type CountLink } from './count-links';
import { countByRole, countByState, isAvailableOperator } from './counts';
import { adminMessages } from './messages';
import { userFilterSearch } from './user-filter';

export function OverviewPage() {
  const t = useT(adminMessages);
  const { locale } = useLocale();
  const gigs = useViewAll('gigs');
  const bookings = useViewAll('bookings');
  const profiles = useViewAll('profiles');

  if (!gigs || !bookings || !profiles)
    return (
      <Page title={t('overviewTitle')}>
        <Loading label={t('loading')} />
      </Page>
    );

  const gigCounts = countByState(GIG_STATES, gigs);
  const gigItems: CountLink[] = [
    { label: t('allGigs'), count: gigs.length, href: '/gigs', testId: 'overview-gigs-all' },
    ...GIG_STATES.map((s) => ({ label: gigStateName(s, locale), count: gigCounts[s], href: `/gigs?state=${s}`, testId: `overview-gigs-${s}` })),
  ];

  const bookingCounts = countByState(BOOKING_STATES, bookings);
  const bookingItems: CountLink[] = [
    { label: t('allBookings'), count: bookings.length, href: '/bookings', testId: 'overview-bookings-all' },
    ...BOOKING_STATES.map((s) => ({
      label: bookingStateName(s, locale),
      count: bookingCounts[s],
      href: `/bookings?state=${s}`,
      testId: `overview-bookings-${s}`,
    })),
  ];

  const roleCounts = countByRole(profiles);
  const usersHref = (search: string) => (search ? `/users?${search}` : '/users');
  const userItems: CountLink[] = [
    { label: t('allUsers'), count: profiles.length, href: '/users', testId: 'overview-users-all' },
    { label: t('clients'), count: roleCounts.consumer, href: usersHref(userFilterSearch({ role: 'consumer' })), testId: 'overview-users-consumer' },
    { label: t('operators'), count: roleCounts.operator, href: usersHref(userFilterSearch({ role: 'operator' })), testId: 'overview-users-operator' },
    { label: t('admins'), count: roleCounts.admin, href: usersHref(userFilterSearch({ role: 'admin' })), testId: 'overview-users-admin' },
    {
      label: t('availableNow'),
      count: profiles.filter(isAvailableOperator).length,
      href: usersHref(userFilterSearch({ available: true })),
      testId: 'overview-operators-available',
    },
  ];

  return (
    <Page title={t('overviewTitle')}>
      <p className="hint">{t('overviewHint')}</p>
      <h2>{t('gigsHeading')}</h2>
      <CountLinks items={gigItems} label={t('gigsHeading')} />
      <h2>{t('bookingsHeading')}</h2>
      <CountLinks items={bookingItems} label={t('bookingsHeading')} />
      <h2>{t('usersHeading')}</h2>
      <CountLinks items={userItems} label={t('usersHeading')} />
    </Page>
  );
}
