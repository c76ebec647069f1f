// /o: open gigs that fit my skills within my service radius, nearest first, read from the device.
import { useMemo } from 'react';
import { Link } from 'wouter';
import { useMe, useViewAll } from '../app/sync-context';
import { useLocale, useT } from '../i18n/i18n';
import { MoneyText } from '../ui/money-text';
import { Empty, Loading, Page } from '../ui/page';
import { PendingMark } from '../ui/pending-mark';
import { formatKm } from '../i18n/format';
import { PayoutsBanner, usePayoutsMissing } from '../money/payouts-banner';
import { buildFeed } from './feed';
import { distanceText, GigWhen, SkillsNeeded } from './gig-facts-text';
import { operatorMessages } from './messages';

const OPEN = { selector: { status: 'open' } } as const;

export function FeedPage() {
  const t = useT(operatorMessages);
  const { locale } = useLocale();
  const me = useMe();
  const gigs = useViewAll('gigs', OPEN);
  const feed = useMemo(() => (me && gigs ? buildFeed(gigs, me, Date.now()) : undefined), [me, gigs]);
  // Said here, where a new worker starts, not first on a gig they hoped to take.
  const payoutsMissing = usePayoutsMissing();

  return (
    <Page title={t('feedTitle')}>
      {!feed || !me ? (
        <Loading label={t('loading')} />
      ) : (
        <>
          <PayoutsBanner missing={payoutsMissing} />
          {feed.needsHome && (
            <p className="notice" data-testid="feed-needs-home">
              {t('feedNeedsHome')} <Link href="/profile">{t('completeProfile')}</Link>
            </p>
          )}
          {!feed.needsHome && Object.keys(me.skills).length === 0 && (
            <p className="notice">
              {t('feedNeedsSkills')} <Link href="/profile">{t('completeProfile')}</Link>
            </p>
          )}
          {feed.items.length === 0 ? (
            // With no home or no skills there is no radius or skill to speak of: the notice above says what to do.
            !feed.needsHome &&
            Object.keys(me.skills).length > 0 && (
              <Empty>
                <span data-testid="feed-empty">{t('feedEmpty', { radius: formatKm(me.serviceRadiusKm ?? 0, locale) })}</span>
              </Empty>
            )
          ) : (
            <ul className="list" data-testid="feed" aria-label={t('feedListLabel')}>
              {feed.items.map(({ gig, distanceKm }) => (
                <li key={gig.id} data-testid="feed-item" data-gig-id={gig.id}>
                  <Link href={`/gigs/${gig.id}`} className="op-card-link">
                    <span className="op-line">
                      <span className="list-item-title">{gig.title}</span>
                      <PendingMark show={gig.pending} />
                    </span>
                    <span className="meta">
                      <span>{distanceText(distanceKm, gig.exactLocation, locale, t)}</span>
                      <MoneyText value={gig.budget} />
                      {gig.areaLabel && <span>{gig.areaLabel}</span>}
                      <GigWhen startsAt={gig.startsAt} />
                    </span>
                    <span className="meta">
                      <SkillsNeeded skills={gig.skills} />
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
          <HiddenLine skills={feed.hiddenForSkills} range={feed.needsHome ? 0 : feed.hiddenForRange} radiusKm={me.serviceRadiusKm ?? 0} />
        </>
      )}
    </Page>
  );
}

/** One small line about what the feed leaves out, so an empty feed is not a mystery. */
function HiddenLine({ skills, range, radiusKm }: { skills: number; range: number; radiusKm: number }) {
  const t = useT(operatorMessages);
  const { locale } = useLocale();
  if (skills === 0 && range === 0) return null;
  const parts: string[] = [];
  if (skills > 0) parts.push(t(skills === 1 ? 'hiddenSkillsOne' : 'hiddenSkillsOther', { n: skills }));
  if (range > 0) parts.push(t(range === 1 ? 'hiddenRangeOne' : 'hiddenRangeOther', { n: range, radius: formatKm(radiusKm, locale) }));
  return (
    <p className="hint" data-testid="feed-hidden">
      {t('hiddenPrefix')} {parts.join('; ')}.
    </p>
  );
}
