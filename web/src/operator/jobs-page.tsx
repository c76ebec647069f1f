// /o/jobs: my bookings as the worker, grouped Today / Upcoming / Delivered / Finished, with Start and Mark delivered.
import { useMemo, useRef, useState } from 'react';
import { Link } from 'wouter';
import type { CommandType } from '@shared/commands';
import type { Actor } from '@shared/roles';
import { useMe, useSync, useViewAll } from '../app/sync-context';
import { useStatusName } from '../bookings/status-words';
import { useCanReachServer } from '../bookings/use-money-step';
import { useT } from '../i18n/i18n';
import type { ViewDoc } from '../sync/optimistic';
import { MoneyText } from '../ui/money-text';
import { Empty, Loading, Page } from '../ui/page';
import { PendingMark } from '../ui/pending-mark';
import { GigWhen } from './gig-facts-text';
import { endOfDay, groupJobs, JOB_GROUPS, quickActions, type Job, type JobGroup, type QuickAction } from './jobs';
import { operatorMessages } from './messages';

type Booking = ViewDoc<'bookings'>;
type Milestone = ViewDoc<'milestones'>;

const GROUP_TITLES = { today: 'groupToday', upcoming: 'groupUpcoming', delivered: 'groupDelivered', finished: 'groupFinished' } as const;
const ACTION_LABELS = { start: 'actionStart', deliver: 'actionDeliver' } as const;
const ACTION_COMMANDS: Record<QuickAction, CommandType & ('booking.start' | 'booking.deliver')> = { start: 'booking.start', deliver: 'booking.deliver' };

export function JobsPage() {
  const t = useT(operatorMessages);
  const client = useSync();
  const me = useMe();
  const bookings = useViewAll('bookings', { selector: { workerId: client.userId } });
  const gigIds = useMemo(() => [...new Set((bookings ?? []).flatMap((b) => (b.gigId ? [b.gigId] : [])))].sort(), [bookings]);
  const gigs = useViewAll('gigs', { selector: { id: { $in: gigIds } } });
  // Each booking's parts: Mark delivered is offered only when one of them is paid for.
  const milestones = useViewAll('milestones', { selector: { workerId: client.userId } });
  const partsByBooking = useMemo(() => {
    const out = new Map<string, Milestone[]>();
    for (const m of milestones ?? []) out.set(m.bookingId, [...(out.get(m.bookingId) ?? []), m]);
    return out;
  }, [milestones]);

  const groups = useMemo(() => {
    if (!bookings || !gigs) return undefined;
    const startsAt = new Map(gigs.map((g) => [g.id, g.startsAt ?? null]));
    const jobs: Job<Booking>[] = bookings.map((b) => ({ booking: b, startsAt: (b.gigId && startsAt.get(b.gigId)) || null }));
    return groupJobs(jobs, endOfDay(Date.now()));
  }, [bookings, gigs]);

  return (
    <Page title={t('jobsTitle')}>
      {!groups || !me ? (
        <Loading label={t('loading')} />
      ) : JOB_GROUPS.every((g) => groups[g].length === 0) ? (
        <Empty>
          {t('jobsEmpty')} <Link href="/">{t('backToFeed')}</Link>
        </Empty>
      ) : (
        JOB_GROUPS.filter((g) => groups[g].length > 0).map((g) => (
          <JobGroupList key={g} group={g} jobs={groups[g]} parts={partsByBooking} me={{ id: client.userId, roles: me.roles }} />
        ))
      )}
    </Page>
  );
}

function JobGroupList({ group, jobs, parts, me }: { group: JobGroup; jobs: Job<Booking>[]; parts: ReadonlyMap<string, Milestone[]>; me: Actor }) {
  const t = useT(operatorMessages);
  const headingId = `jobs-${group}`;
  return (
    <section aria-labelledby={headingId} data-testid={`jobs-${group}`}>
      <h2 id={headingId}>
        {t(GROUP_TITLES[group])} <span className="muted">({jobs.length})</span>
      </h2>
      <ul className="list">
        {jobs.map((job) => (
          <JobItem key={job.booking.id} job={job} parts={parts.get(job.booking.id) ?? []} me={me} />
        ))}
      </ul>
    </section>
  );
}

/**
 * The button pressed is gone once its step is taken (Start gives way to Mark delivered; the job may move to
 * another group): focus goes to the job's next action, or to the job itself, not to the top of the page.
 */
function keepFocusOn(bookingId: string): void {
  requestAnimationFrame(() => {
    const focused = document.activeElement;
    if (focused && focused !== document.body && document.contains(focused)) return;
    // Booking ids are UUIDs: nothing in them needs escaping in a selector.
    const job = document.querySelector(`[data-testid="job"][data-booking-id="${bookingId}"]`);
    (job?.querySelector<HTMLElement>('.op-quick-actions button:not([disabled])') ?? job?.querySelector<HTMLElement>('.op-card-link'))?.focus();
  });
}

function JobItem({ job: { booking, startsAt }, parts, me }: { job: Job<Booking>; parts: readonly Milestone[]; me: Actor }) {
  const t = useT(operatorMessages);
  const client = useSync();
  const reachable = useCanReachServer();
  const [busy, setBusy] = useState(false);
  // Set in the click itself: a double click must not issue the step twice.
  const running = useRef(false);
  const actions = quickActions(booking, me, Date.now(), parts);
  const statusName = useStatusName();
  // Delivering submits the booking's current milestone for approval (its money and its approval clock), a
  // money step the server takes now, as on the booking page; starting works offline.
  const deliverOffline = actions.includes('deliver') && !reachable;

  async function run(action: QuickAction) {
    if (running.current) return;
    running.current = true;
    setBusy(true);
    try {
      await client.issue(ACTION_COMMANDS[action], { bookingId: booking.id });
    } finally {
      running.current = false;
      setBusy(false);
      keepFocusOn(booking.id);
    }
  }

  return (
    <li data-testid="job" data-booking-id={booking.id} data-status={booking.status}>
      <Link href={`~/b/${booking.id}`} className="op-card-link">
        <span className="op-line">
          <span className="list-item-title">{booking.title || t('untitledJob')}</span>
          <PendingMark show={booking.pending} />
        </span>
        <span className="meta">
          <span className="badge">{statusName(booking, parts)}</span>
          <MoneyText value={booking.price} />
          {startsAt && <GigWhen startsAt={startsAt} />}
          {booking.clientName && <span>{t('forClient', { name: booking.clientName })}</span>}
        </span>
        {booking.status === 'awaiting_payment' && <span className="meta">{t('waitingForPayment')}</span>}
      </Link>
      {actions.length > 0 && (
        <div className="actions op-quick-actions">
          {actions.map((a) => (
            <button key={a} type="button" className="btn" disabled={busy || (a === 'deliver' && !reachable)} onClick={() => void run(a)}>
              {t(ACTION_LABELS[a])}
              <span className="visually-hidden"> {booking.title}</span>
            </button>
          ))}
          {deliverOffline && (
            <p className="hint" data-testid="deliver-offline">
              {t('deliverOffline')}
            </p>
          )}
        </div>
      )}
    </li>
  );
}
