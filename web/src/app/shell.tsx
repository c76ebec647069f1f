// The signed-in shell: header with area switcher, language and sign-out; the status bar; the areas' routes.
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import type { Role } from '@shared/roles';
import { LOCALES, type Locale } from '@shared/locales';
import { useAccountLocale, useLocale, useT } from '../i18n/i18n';
import { Loading } from '../ui/page';
import { areasFor, homeArea } from './areas';
import { ErrorBoundary } from './error-boundary';
import { appMessages } from './messages';
import { StatusBar } from './status-bar';
import { useMe, useSync } from './sync-context';

const ConsumerArea = lazy(() => import('../consumer/consumer-area'));
const OperatorArea = lazy(() => import('../operator/operator-area'));
const AdminArea = lazy(() => import('../admin/admin-area'));
const BookingPage = lazy(() => import('../bookings/booking-page'));
// Money screens sit in their areas' URLs but load as chunks of their own: they read the server, not the device.
const OperatorMoneyArea = lazy(() => import('../money/operator-money-area'));
const ConsumerMoneyArea = lazy(() => import('../money/consumer-money-area'));
const AdminMoneyArea = lazy(() => import('../admin/admin-money-area'));
const CONSUMER_MONEY_PATHS = ['/payments', '/receipts/:milestoneId'];
const OPERATOR_MONEY_PATHS = ['/earnings', '/payouts'];
const ADMIN_MONEY_PATHS = ['/disputes', '/disputes/:id', '/audit', '/settlement'];

const LAST_AREA = 'fw.area';

/** Inside an area's nest: its money screens at their paths, the area's own routes everywhere else. */
function AreaRoutes({ moneyPaths, money, area }: { moneyPaths: readonly string[]; money: ReactNode; area: ReactNode }) {
  return (
    <Switch>
      {moneyPaths.map((path) => (
        <Route key={path} path={path}>
          {money}
        </Route>
      ))}
      <Route>{area}</Route>
    </Switch>
  );
}

const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', es: 'Español' };

export function Shell({ roles: sessionRoles, onSignOut }: { roles: readonly Role[]; onSignOut(): void }) {
  const t = useT(appMessages);
  const { locale } = useLocale();
  const me = useMe();
  const client = useSync();
  // Texts and notifications from the server follow the language the person chose here.
  const chooseLocale = useAccountLocale(me?.locale, (next) => void client.issue('profile.update', { locale: next }));
  const roles = me?.roles ?? sessionRoles;
  const areas = areasFor(roles);
  const [location] = useLocation();

  useEffect(() => {
    const area = areas.find((a) => location === a.path || location.startsWith(`${a.path}/`));
    if (area) localStorage.setItem(LAST_AREA, area.path);
  }, [location, areas]);

  const home = homeArea(roles, localStorage.getItem(LAST_AREA));
  const allowed = (role: Role) => roles.includes(role);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('skipToContent')}
      </a>
      <header className="topbar">
        <Link href="/" className="brand">
          {t('appName')}
        </Link>
        {areas.length > 1 && (
          <nav aria-label={t('switchArea')} className="area-switch">
            {areas.map((a) => {
              const current = location === a.path || location.startsWith(`${a.path}/`);
              return (
                <Link key={a.path} href={a.path} className={current ? 'active' : ''} aria-current={current ? 'page' : undefined}>
                  {t(a.label)}
                </Link>
              );
            })}
          </nav>
        )}
        <label className="lang">
          <span className="visually-hidden">{t('language')}</span>
          <select
            value={locale}
            onChange={(e) => {
              chooseLocale(e.target.value as Locale);
            }}
            data-testid="language"
          >
            {LOCALES.map((l) => (
              <option key={l} value={l}>
                {LANGUAGE_NAMES[l]}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="btn-link signout" onClick={onSignOut}>
          {t('signOut')}
        </button>
      </header>
      <StatusBar />
      <main id="main" tabIndex={-1}>
        <ErrorBoundary resetKey={location}>
          <Suspense fallback={<Loading label={t('loading')} />}>
            <Switch>
              <Route path="/">{home ? <Redirect to={home.path} replace /> : <p>{t('noRoles')}</p>}</Route>
              {allowed('consumer') && (
                <Route path="/c" nest>
                  <AreaRoutes moneyPaths={CONSUMER_MONEY_PATHS} money={<ConsumerMoneyArea />} area={<ConsumerArea />} />
                </Route>
              )}
              {allowed('operator') && (
                <Route path="/o" nest>
                  <AreaRoutes moneyPaths={OPERATOR_MONEY_PATHS} money={<OperatorMoneyArea />} area={<OperatorArea />} />
                </Route>
              )}
              {allowed('admin') && (
                <Route path="/a" nest>
                  <AreaRoutes moneyPaths={ADMIN_MONEY_PATHS} money={<AdminMoneyArea />} area={<AdminArea />} />
                </Route>
              )}
              <Route path="/b/:id">{(params) => <BookingPage id={params.id} />}</Route>
              <Route>
                <p>{t('notFound')}</p>
                <Link href="/">{t('goHome')}</Link>
              </Route>
            </Switch>
          </Suspense>
        </ErrorBoundary>
      </main>
    </div>
  );
}
