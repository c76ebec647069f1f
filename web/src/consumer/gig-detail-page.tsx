// A gig's page for its client: every field, its state and booking, and the actions the gig machine allows.
import { useRef, useState, type ReactNode } from 'react';
import { Link } from 'wouter';
import type { GigState } from '@shared/gig-machine';
import type { Skill, SkillLevel } from '@shared/skills';
import { useMe, useSync, useView, useViewAll } from '../app/sync-context';
import { offeredActions } from '../bookings/booking-actions';
import { CommandNotice, type Notice } from '../bookings/command-notice';
import { useAbsent } from '../bookings/use-absent';
import { useStatusName } from '../bookings/status-words';
import { gigStateName, skillName } from '../i18n/domain-names';
import { formatCoordinates, formatDateTime } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { MoneyText } from '../ui/money-text';
import { Empty, Loading, Page } from '../ui/page';
import { PendingMark } from '../ui/pending-mark';
import { GigCancel } from './gig-cancel';
import { gigActions } from './gig-actions';
import { GigEditForm } from './gig-edit-form';
import { consumerMessages } from './messages';
import './consumer.css';

const ENDED: readonly GigState[] = ['expired', 'cancelled', 'closed'];

export function GigDetailPage({ id }: { id: string }) {
  const t = useT(consumerMessages);
  const { locale } = useLocale();
  const statusName = useStatusName();
  const client = useSync();
  const me = useMe();
  const gig = useView('gigs', id);
  const booking = useView('bookings', gig?.bookingId ?? undefined);
  // A cancelled booking puts its gig back on offer and the gig forgets it: its history, chat and refund are
  // still the client's to see, so the page keeps a way to them.
  const gigBookings = useViewAll('bookings', { selector: { gigId: id } });
  const absent = useAbsent(gig);
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const [publishing, setPublishing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);

  if (!gig) {
    return (
      <Page title={t('gigTitle')}>
        {absent ? <Empty>{t('gigNotFound')}</Empty> : <Loading label={t('loadingGig')} />}
        <Link href="/" className="back-link">
          {t('backToGigs')}
        </Link>
      </Page>
    );
  }

  const actor = { id: client.userId, roles: me?.roles ?? [] };
  const actions = gigActions(gig, actor);
  const earlier = (gigBookings ?? []).filter((b) => b.id !== gig.bookingId).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  // An assigned gig is called off through its booking, when the booking machine still allows that.
  const cancelViaBooking = !actions.cancel && booking !== undefined && offeredActions(booking, actor).some((a) => a.event === 'cancel');
  // Per-field marks only make sense against a confirmed gig; a provisional one is pending as a whole.
  const mark = (field: string) => <PendingMark show={!gig.provisional && gig.pendingFields.includes(field)} />;
  // The work may be wanted again (a regular clean, an offer nobody took in time): a new gig from this one.
  const ended = gig.clientId === actor.id && ENDED.includes(gig.status);
  const when = (iso: string | undefined) => (iso ? formatDateTime(iso, locale) : t('notSet'));

  async function publish() {
    setPublishing(true);
    try {
      const sent = await client.issue('gig.publish', { gigId: id });
      setNotice({ commandId: sent.id });
    } finally {
      setPublishing(false);
    }
  }

  const rows: [string, ReactNode][] = [
    [t('budget'), <><MoneyText value={gig.budget} />{mark('budget')}</>],
    [
      t('skills'),
      <ul className="plain-list">
        {(Object.entries(gig.skills) as [Skill, SkillLevel][]).map(([skill, level]) => (
          <li key={skill}>{t('skillAtLevel', { skill: skillName(skill, locale), level })}</li>
        ))}
      </ul>,
    ],
    [t('area'), <>{gig.areaLabel || t('notSet')}{mark('areaLabel')}</>],
    [t('address'), <>{gig.address || t('notSet')}<p className="hint">{t('addressPrivate')}</p></>],
    [t('location'), <>{formatCoordinates(gig.location.lat, gig.location.lng, locale)}{mark('location')}</>],
    [t('startsAt'), <>{when(gig.startsAt)}{mark('startsAt')}</>],
    [t('expiresAt'), <>{when(gig.expiresAt)}{mark('expiresAt')}</>],
    [t('postedAt'), when(gig.createdAt)],
  ];
  // The booking's price is what was agreed, a payment plan included; the budget stays what the gig offered.
  if (booking && booking.price.amount !== gig.budget.amount) rows.splice(1, 0, [t('bookedPrice'), <span data-testid="gig-booked-price"><MoneyText value={booking.price} /></span>]);
  if (gig.cancelReason) rows.push([t('cancelReason'), gig.cancelReason]);

  return (
    <Page title={gig.title}>
      <p className="gig-status" data-testid="gig-status" data-status={gig.status} role="status">
        <span className="visually-hidden">{t('status')}: </span>
        <span className={`badge badge-${gig.status}`}>{gigStateName(gig.status, locale)}</span>
        <PendingMark show={gig.pending} />
      </p>
      {gig.provisional && <p className="notice">{t('provisional')}</p>}

      {gig.description && (
        <p className="gig-description">
          {gig.description}
          {mark('description')}
        </p>
      )}

      <dl className="facts">
        {rows.map(([label, value]) => (
          <div key={label} className="fact">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>

      <section aria-labelledby="gig-booking-heading">
        <h2 id="gig-booking-heading">{t('booking')}</h2>
        {gig.bookingId ? (
          <div className="card" data-testid="gig-booking">
            <p>
              {t('worker')}: <strong>{booking?.workerName || t('aWorker')}</strong>
            </p>
            {booking && (
              <p>
                {t('bookingStatus')}: {statusName(booking)}
                <PendingMark show={booking.pending} />
              </p>
            )}
            <Link href={`~/b/${gig.bookingId}`} className="btn">
              {t('openBooking')}
            </Link>
          </div>
        ) : (
          earlier.length === 0 ? (
            <p className="muted">{t('noBookingYet')}</p>
          ) : (
            gig.status === 'open' && <p className="muted" data-testid="gig-back-on-offer">{t('backOnOffer')}</p>
          )
        )}
        {earlier.length > 0 && (
          <>
            <h3>{t('earlierBookings')}</h3>
            <ul className="plain-list" data-testid="gig-earlier-bookings">
              {earlier.map((b) => (
                <li key={b.id}>
                  <Link href={`~/b/${b.id}`}>{b.workerName || t('aWorker')}</Link> · {statusName(b)}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>

      <section aria-labelledby="gig-actions-heading">
        <h2 id="gig-actions-heading">{t('actions')}</h2>
        <CommandNotice notice={notice} pendingText={t('sentPending')} appliedText={t('applied')} testId="gig-notice" />
        {editing ? (
          <GigEditForm
            gig={gig}
            onDone={(next) => {
              setEditing(false);
              setNotice(next);
              // Back on the Edit button (saved or discarded), not lost to the page.
              setTimeout(() => editButton.current?.focus(), 0);
            }}
          />
        ) : (
          <div className="actions">
            {actions.publish && (
              <button type="button" className="btn btn-primary" disabled={publishing} onClick={() => void publish()}>
                {t('publish')}
              </button>
            )}
            {actions.update && (
              <button ref={editButton} type="button" className="btn" onClick={() => setEditing(true)}>
                {t('edit')}
              </button>
            )}
            {actions.cancel && <GigCancel gigId={gig.id} onDone={setNotice} />}
            {ended && (
              <Link href={`/new?from=${gig.id}`} className="btn" data-testid="post-again">
                {t('postAgain')}
              </Link>
            )}
          </div>
        )}
        {ended && !editing && <p className="hint">{t('postAgainHint')}</p>}
        {cancelViaBooking && <p className="hint">{t('cancelViaBooking')}</p>}
        <p>
          <Link href="/" className="back-link">
            {t('backToGigs')}
          </Link>
        </p>
      </section>
    </Page>
  );
}
