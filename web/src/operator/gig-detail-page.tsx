// /o/gigs/:id: one gig as an operator sees it, why it cannot be accepted (if so), and the Accept button.
import { useId } from 'react';
import { Link } from 'wouter';
import { categoryOf, policyOf } from '@shared/categories';
import { distanceKm } from '@shared/geo';
import { splitFee } from '@shared/money';
import { gigTermsDigest } from '@shared/gig-terms';
import { useMe, useSync } from '../app/sync-context';
import { gigStateName } from '../i18n/domain-names';
import { formatBps, formatDateTime, formatMoney } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { rejectionText } from '../i18n/rejections';
import { PayoutsBanner, usePayoutsMissing } from '../money/payouts-banner';
import { MoneyText } from '../ui/money-text';
import { Loading, Page } from '../ui/page';
import { PendingMark } from '../ui/pending-mark';
import type { RejectedCommand } from '../sync/client';
import { acceptEligibility } from './accept-eligibility';
import { AcceptReason } from './accept-reason';
import { distanceText, GigWhen, SkillsNeeded } from './gig-facts-text';
import { operatorMessages } from './messages';
import { useAcceptGig } from './use-accept-gig';
import { useAcceptRejection } from './use-accept-rejection';
import { useLoadedView } from './use-loaded-view';

export function GigDetailPage({ id }: { id: string }) {
  const t = useT(operatorMessages);
  const { locale } = useLocale();
  const client = useSync();
  const me = useMe();
  const { loaded, doc: gig } = useLoadedView('gigs', id);
  const rejection = useAcceptRejection(id);
  const { accept, accepting } = useAcceptGig(id, gig ? gigTermsDigest(gig) : undefined);
  const reasonId = useId();
  const payoutsId = useId();
  const mineNow = !!gig && gig.workerId === client.userId && !!gig.bookingId;
  // Every gig is paid work: without active payouts the server refuses the accept (payouts_not_set_up).
  const payoutsMissing = usePayoutsMissing(!mineNow);

  if (!loaded || !me) {
    return (
      <Page title={t('gigLoadingTitle')}>
        <Loading label={t('loading')} />
      </Page>
    );
  }

  if (!gig) {
    // Taken by someone else, cancelled, or moved out of my area: the server stops sending it.
    return (
      <Page title={t('gigGoneTitle')}>
        {rejection && <Refusal rejection={rejection} />}
        <p>{t('gigGone')}</p>
        <Link href="/">{t('backToFeed')}</Link>
      </Page>
    );
  }

  const verdict = acceptEligibility(gig, { id: client.userId, roles: me.roles }, me, Date.now());
  const { feeBps } = policyOf(categoryOf(gig.skills));
  const take = splitFee(gig.budget, feeBps);
  const mine = gig.workerId === client.userId && gig.bookingId;

  return (
    <Page title={gig.title}>
      <p className="op-line">
        <span className={`badge${gig.status === 'open' ? ' badge-open' : ''}`}>{gigStateName(gig.status, locale)}</span>
        <PendingMark show={gig.pending} />
      </p>
      {rejection && <Refusal rejection={rejection} />}
      {!mine && <PayoutsBanner missing={payoutsMissing} id={payoutsId} />}
      <dl className="op-facts" data-testid="gig-facts">
        <dt>{t('pay')}</dt>
        <dd>
          <MoneyText value={gig.budget} />
          {/* What reaches the worker, before they commit: the fee is the gig's category's, as the booking will keep it. */}
          <span className="hint" data-testid="gig-net">
            {' '}
            {t('netOfFee', { net: formatMoney(take.net, locale), fee: formatMoney(take.fee, locale), rate: formatBps(feeBps, locale) })}
          </span>
        </dd>
        {me.home && (
          <>
            <dt>{t('distance')}</dt>
            <dd>{distanceText(distanceKm(me.home, gig.location), gig.exactLocation, locale, t)}</dd>
          </>
        )}
        {gig.areaLabel && (
          <>
            <dt>{t('area')}</dt>
            <dd>{gig.areaLabel}</dd>
          </>
        )}
        {gig.address && (
          <>
            <dt>{t('address')}</dt>
            <dd>{gig.address}</dd>
          </>
        )}
        <dt>{t('when')}</dt>
        <dd>
          <GigWhen startsAt={gig.startsAt} />
        </dd>
        <dt>{t('skillsNeeded')}</dt>
        <dd>
          <SkillsNeeded skills={gig.skills} bare />
        </dd>
        <dt>{t('client')}</dt>
        <dd>{gig.clientName}</dd>
        {gig.expiresAt && (
          <>
            <dt>{t('openUntil')}</dt>
            <dd>{formatDateTime(gig.expiresAt, locale)}</dd>
          </>
        )}
      </dl>
      {gig.description && (
        <>
          <h2>{t('description')}</h2>
          <p className="op-description">{gig.description}</p>
        </>
      )}

      {accepting ? (
        <p className="notice" role="status" data-testid="accepting">
          {t('accepting')}
        </p>
      ) : mine ? (
        <div className="actions">
          <p className="op-line">
            {t('youAccepted')} <PendingMark show={gig.pending} />
          </p>
          <Link href={`~/b/${gig.bookingId}`} className="btn btn-primary">
            {t('openJob')}
          </Link>
        </div>
      ) : (
        !verdict.ok && (
          <AcceptReason id={reasonId} code={verdict.code} missing={verdict.missing} gig={gig} home={me.home} radiusKm={me.serviceRadiusKm ?? 0} />
        )
      )}
      {!mine && (
        <div className="actions">
          <button
            type="button"
            className="btn btn-primary op-wide"
            disabled={!verdict.ok || payoutsMissing !== null || accepting !== null}
            aria-describedby={!verdict.ok ? reasonId : payoutsMissing ? payoutsId : undefined}
            onClick={() => void accept()}
            data-testid="accept-gig"
          >
            {t('acceptGig')}
          </button>
        </div>
      )}
      <p>
        <Link href="/">{t('backToFeed')}</Link>
      </p>
    </Page>
  );
}

/** My accept command was refused: the reason, here where it happened, until dismissed. */
function Refusal({ rejection }: { rejection: RejectedCommand }) {
  const t = useT(operatorMessages);
  const { locale } = useLocale();
  const client = useSync();
  return (
    <div className="error op-refusal" role="alert" data-testid="command-rejected" data-code={rejection.code}>
      <p>
        <strong>{t('acceptRefused')}</strong> {rejectionText(rejection.code, rejection.message, locale)}
      </p>
      <button type="button" className="btn-link" onClick={() => void client.dismiss(rejection.id)}>
        {t('dismiss')}
      </button>
    </div>
  );
}
