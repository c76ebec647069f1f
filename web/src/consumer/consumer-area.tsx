// The client's area (/c): my gigs, posting a gig, and each gig's page.
import { Link, Route, Switch } from 'wouter';
import { useT } from '../i18n/i18n';
import { GigDetailPage } from './gig-detail-page';
import { consumerMessages } from './messages';
import { MyGigsPage } from './my-gigs-page';
import { PostGigPage } from './post-gig-page';

export default function ConsumerArea() {
  const t = useT(consumerMessages);
  return (
    <Switch>
      <Route path="/">
        <MyGigsPage />
      </Route>
      <Route path="/new">
        <PostGigPage />
      </Route>
      <Route path="/gigs/:id">{(params) => <GigDetailPage key={params.id} id={params.id} />}</Route>
      <Route>
        <p>{t('pageNotFound')}</p>
        <Link href="/">{t('backToGigs')}</Link>
      </Route>
    </Switch>
  );
}
