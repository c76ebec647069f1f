// The admin area (/a): the section tabs and the routes of the overview, users, gigs and bookings screens.
import { Link, Redirect, Route, Switch } from 'wouter';
import { useT } from '../i18n/i18n';
import { AdminTabs } from './admin-tabs';
import { BookingsPage } from './bookings-page';
import { GigsPage } from './gigs-page';
import { adminMessages } from './messages';
import { OverviewPage } from './overview-page';
import { UsersPage } from './users-page';
import './admin.css';

export default function AdminArea() {
  const t = useT(adminMessages);
  return (
    <div className="admin">
      <AdminTabs />
      <Switch>
        <Route path="/">
          <OverviewPage />
        </Route>
        <Route path="/users">
          <UsersPage />
        </Route>
        <Route path="/gigs">
          <GigsPage />
        </Route>
        <Route path="/bookings">
          <BookingsPage />
        </Route>
        {/* The booking page (shared by every area) shows admins the read-only timeline and messages. */}
        <Route path="/bookings/:id">{(params) => <Redirect to={`~/b/${params.id}`} replace />}</Route>
        <Route>
          <p>{t('notFound')}</p>
          <Link href="/">{t('backToOverview')}</Link>
        </Route>
      </Switch>
    </div>
  );
}
