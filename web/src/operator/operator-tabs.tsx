// The operator area's tabs: Feed, My jobs, Profile, Earnings; the current one is marked for screen readers too.
import { Link, useLocation } from 'wouter';
import { useT } from '../i18n/i18n';
import { operatorMessages } from './messages';

const TABS = [
  // A gig's detail page belongs to the feed it was opened from.
  { href: '/', label: 'tabFeed', current: (path: string) => path === '/' || path.startsWith('/gigs/') },
  { href: '/jobs', label: 'tabJobs', current: (path: string) => path.startsWith('/jobs') },
  { href: '/profile', label: 'tabProfile', current: (path: string) => path.startsWith('/profile') },
  // Payout setup is part of getting paid.
  { href: '/earnings', label: 'tabEarnings', current: (path: string) => path.startsWith('/earnings') || path.startsWith('/payouts') },
] as const;

export function OperatorTabs() {
  const t = useT(operatorMessages);
  const [path] = useLocation();
  return (
    <nav className="tabs" aria-label={t('tabsLabel')}>
      {TABS.map((tab) => {
        const current = tab.current(path);
        return (
          <Link key={tab.href} href={tab.href} aria-current={current ? 'page' : undefined} data-testid={`tab-${tab.label}`}>
            {t(tab.label)}
          </Link>
        );
      })}
    </nav>
  );
}
