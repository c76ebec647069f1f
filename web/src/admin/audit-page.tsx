// /a/audit: the admins' audit log, newest first, read from the server: who overrode the parties, on what, and why.
import { Link } from 'wouter';
import { isCurrency, money, type CurrencyCode } from '@shared/money';
import type { Locale } from '@shared/locales';
import { formatDateTime, formatMoney } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import type { AuditLog } from '../money/api-types';
import { MoneyReadState, MoneyStaleNotice } from '../money/money-read-state';
import { Empty, Page } from '../ui/page';
import { adminMoneyMessages } from './money-messages';

type AdminMoneyKey = keyof typeof adminMoneyMessages.en;
import { ShowMore } from './show-more';
import { usePagedRead } from './use-paged-read';

const ACTIONS = { 'dispute.resolve': 'actionDisputeResolve', 'user.set_roles': 'actionSetRoles', 'booking.cancel': 'actionBookingCancel' } as const;
/** What an entry is about, in words; a kind a newer server writes and this list lacks shows by its name. */
const SUBJECTS = { dispute: 'subjectDispute', booking: 'subjectBooking', user: 'subjectUser' } as const;

/** Details that are amounts in minor units, shown as money in the currency beside them. */
const MONEY_KEYS: ReadonlySet<string> = new Set(['amount', 'refunded', 'released', 'refundAmount']);

/** The details' fields in words; a field a newer server writes and this list lacks shows by its name. */
const DETAIL_LABELS = {
  outcome: 'detailOutcome', amount: 'detailAmount', refunded: 'detailRefunded', released: 'detailReleased', claim: 'detailClaim',
  openedBy: 'detailOpenedBy', refundAmount: 'detailRefundAmount', from: 'detailFrom', to: 'detailTo', bookingId: 'detailBooking',
  milestoneId: 'detailMilestone', commandId: 'detailCommand',
} as const satisfies Record<string, AdminMoneyKey>;

/** Values said in words: a dispute's outcome, and which side opened it. */
const VALUE_WORDS: Record<string, Record<string, AdminMoneyKey>> = {
  outcome: { release_all: 'outcomeReleaseAll', refund_all: 'outcomeRefundAll', split: 'outcomeSplit' },
  openedBy: { client: 'sideClient', worker: 'sideWorker' },
};

type Words = (key: AdminMoneyKey) => string;

/**
 * A detail as a person reads it: an amount as money (in the currency given beside it, or above it), a known
 * value in words, a list joined, an object as its fields in brackets; the currency itself is said by the
 * amounts. Whole integers only: anything else a newer server writes still shows, as it is.
 */
function detailText(key: string, v: unknown, currency: CurrencyCode | undefined, locale: Locale, t: Words): string {
  if (typeof v === 'number' && currency && MONEY_KEYS.has(key) && Number.isSafeInteger(v)) return formatMoney(money(v, currency), locale);
  if (typeof v === 'string' && VALUE_WORDS[key]?.[v]) return t(VALUE_WORDS[key][v]);
  if (Array.isArray(v)) return v.map((x) => detailText(key, x, currency, locale, t)).join(', ');
  if (v && typeof v === 'object') return `(${detailsText(v as Record<string, unknown>, currency, locale, t)})`;
  return String(v);
}

function detailsText(details: Record<string, unknown>, currency: CurrencyCode | undefined, locale: Locale, t: Words): string {
  const own = isCurrency(details.currency) ? details.currency : currency;
  return Object.entries(details)
    .filter(([k]) => k !== 'currency' || !own)
    .map(([k, v]) => `${k in DETAIL_LABELS ? t(DETAIL_LABELS[k as keyof typeof DETAIL_LABELS]) : k}: ${detailText(k, v, own, locale, t)}`)
    .join(' · ');
}

export function AuditPage() {
  const t = useT(adminMoneyMessages);
  const { locale } = useLocale();
  const { read, reload, offline, pages, next, loadMore, loadingMore, moreFailed } = usePagedRead<AuditLog>('/disputes/audit', 'before');
  const entries = pages.flatMap((p) => p.entries);

  return (
    <Page title={t('auditTitle')}>
      <p className="hint">{t('auditHint')}</p>
      <MoneyStaleNotice show={offline} />
      {read.state !== 'ready' ? (
        <MoneyReadState read={read} onRetry={reload} />
      ) : entries.length === 0 ? (
        <Empty>{t('noAudit')}</Empty>
      ) : (
        <>
          <ul className="list" aria-label={t('auditLabel')} data-testid="audit-log">
            {entries.map((e) => {
              const kind = (type: string) => (Object.hasOwn(SUBJECTS, type) ? t(SUBJECTS[type as keyof typeof SUBJECTS]) : type);
              // By its name where it has one ("person Carla Client (+1…)", "booking “Fix the tap”"); by its id otherwise.
              const subjectLine = (x: typeof e) =>
                x.subjectName ? `${kind(x.subjectType)} ${x.subjectType === 'user' ? x.subjectName : `“${x.subjectName}”`}` : `${kind(x.subjectType)} ${x.subjectId}`;
              const action = Object.hasOwn(ACTIONS, e.action) ? t(ACTIONS[e.action as keyof typeof ACTIONS]) : e.action;
              const details = Object.entries(e.details);
              return (
                <li key={e.id} className="list-item" data-testid="audit-entry" data-action={e.action}>
                  <span className="list-item-title">{t('actionBy', { action, admin: e.adminName })}</span>
                  <span className="money-job-detail">{formatDateTime(e.at, locale)}</span>
                  <span className="dispute-text">{e.reason}</span>
                  <dl className="audit-details">
                    <dt>{t('subject')}</dt>
                    <dd>
                      {e.subjectType === 'dispute' ? (
                        <Link href={`/disputes/${e.subjectId}`}>{subjectLine(e)}</Link>
                      ) : e.subjectType === 'booking' ? (
                        <Link href={`~/b/${e.subjectId}`}>{subjectLine(e)}</Link>
                      ) : (
                        subjectLine(e)
                      )}
                    </dd>
                    {details.length > 0 && (
                      <>
                        <dt>{t('details')}</dt>
                        <dd>{detailsText(e.details, undefined, locale, t)}</dd>
                      </>
                    )}
                  </dl>
                </li>
              );
            })}
          </ul>
          <ShowMore next={next} loadMore={loadMore} loadingMore={loadingMore} moreFailed={moreFailed} />
        </>
      )}
    </Page>
  );
}
