// The admin area's section tabs: Overview, Users, Gigs, Bookings, Disputes, Audit log, Settlement; the current one is marked for screen readers.
import { Link, useLocation } from 'wouter';
import { useT } from '../i18n/i18n';
import { adminMessages } from './messages';

const TABS = [
  { path: '/', label: 'tabOverview' },
  { path: '/users', label: 'tabUsers' },
  { path: '/gigs', label: 'tabGigs' },
  { path: '/bookings', label: 'tabBookings' },
  { path: '/disputes', label: 'tabDisputes' },
  { path: '/audit', label: 'tabAudit' },
  { path: '/settlement', label: 'tabSettlement' },
] as const;

/** Whether a tab is the section being shown; inside the /a nest the location is relative ("/gigs"). */
export const isCurrentTab = (tab: string, location: string) => (tab === '/' ? location === '/' || location === '' : location === tab || location.startsWith(`${tab}/`));

export function AdminTabs() {
  const t = useT(adminMessages);
  const [location] = useLocation();
  return (
    <nav className="tabs" aria-label={t('sections')} data-testid="admin-tabs">
      {TABS.map((tab) => {
        const current = isCurrentTab(tab.path, location);
        return (
          <Link key={tab.path} href={tab.path} aria-current={current ? 'page' : undefined}>
            {t(tab.label)}
          </Link>
        );
      })}
    </nav>
  );
}
