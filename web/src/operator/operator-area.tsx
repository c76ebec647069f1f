// The operator's area (/o): availability at the top, tabs for Feed / My jobs / Profile, and their screens.
import { Link, Route, Switch } from 'wouter';
import { useT } from '../i18n/i18n';
import { AvailabilitySwitch } from './availability-switch';
import { FeedPage } from './feed-page';
import { GigDetailPage } from './gig-detail-page';
import { JobsPage } from './jobs-page';
import { operatorMessages } from './messages';
import { OperatorTabs } from './operator-tabs';
import { ProfilePage } from './profile-page';
import './operator.css';

export default function OperatorArea() {
  const t = useT(operatorMessages);
  return (
    <div className="operator-area">
      <AvailabilitySwitch />
      <OperatorTabs />
      <Switch>
        <Route path="/">
          <FeedPage />
        </Route>
        <Route path="/gigs/:id">{(params) => <GigDetailPage id={params.id} />}</Route>
        <Route path="/jobs">
          <JobsPage />
        </Route>
        <Route path="/profile">
          <ProfilePage />
        </Route>
        <Route>
          <p>{t('notFound')}</p>
          <Link href="/">{t('backToFeed')}</Link>
        </Route>
      </Switch>
    </div>
  );
}
