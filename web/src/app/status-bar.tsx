// The network, always visible: offline (or no connection) / connecting / syncing N / up to date, and refused actions with their reason.
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { formatRelative } from '../i18n/format';
import { useLocale, useT, type Translate } from '../i18n/i18n';
import { rejectionText } from '../i18n/rejections';
import { isCommandType, type CommandType } from '@shared/commands';
import type { RejectionCode } from '@shared/rejections';
import type { RejectedCommand } from '../sync/client';
import { appMessages } from './messages';
import { useSync, useSyncStatus, useView, useViewAll } from './sync-context';
import { useServerReach } from './use-server-reach';

/** The booking steps that act on its milestones' money (cancel refunds what is held; the rest step the current milestone). */
const BOOKING_MONEY_STEPS = new Set(['booking.cancel', 'booking.give_back', 'booking.deliver', 'booking.approve', 'booking.request_changes']);

/** Steps that move money: a refused one is looked at again where it was taken, not sent again from here. */
const isMoneyStep = (type: string) =>
  type.startsWith('milestone.') || type.startsWith('dispute.') || type.startsWith('payout.') || BOOKING_MONEY_STEPS.has(type);

/**
 * Where a refused money step can be looked at again: the booking it was about (from the command, or the
 * milestone or dispute it named), the mediator's dispute page, or the worker's earnings. Null until known.
 */
function useMoneyStepHome(commandId: string, type: string): { href: string; label: 'seeBooking' | 'seeDispute' | 'seeEarnings' } | null {
  const command = useView('commands', commandId);
  const payload = command ? (JSON.parse(command.payload) as { bookingId?: string; milestoneId?: string; disputeId?: string }) : {};
  const dispute = useView('disputes', payload.disputeId);
  const milestone = useView('milestones', payload.milestoneId);
  if (type.startsWith('payout.')) return { href: '/o/earnings', label: 'seeEarnings' };
  if (type === 'dispute.resolve' && payload.disputeId) return { href: `/a/disputes/${payload.disputeId}`, label: 'seeDispute' };
  const bookingId = payload.bookingId ?? dispute?.bookingId ?? milestone?.bookingId;
  return bookingId ? { href: `/b/${bookingId}`, label: 'seeBooking' } : null;
}

function MoneyStepLink({ commandId, type }: { commandId: string; type: string }) {
  const t = useT(appMessages);
  const home = useMoneyStepHome(commandId, type);
  if (!home) return null;
  return (
    <Link href={home.href} className="btn-link">
      {t(home.label)}
    </Link>
  );
}

/**
 * A chat message that was not sent, shown whole: its booking may never have come to be (an accept refused
 * while the worker wrote offline), and the words are the worker's to copy into the next one.
 */
function UnsentMessage({ commandId }: { commandId: string }) {
  const t = useT(appMessages);
  const command = useView('commands', commandId);
  const body = command ? (JSON.parse(command.payload) as { body?: unknown }).body : undefined;
  if (typeof body !== 'string' || !body) return null;
  return (
    <span className="unsent-message" data-testid="unsent-message">
      {' '}
      {t('unsentMessage')} <q>{body}</q>
    </span>
  );
}

/** Re-render every `ms` so "synced 2 minutes ago" stays true. */
function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

/**
 * Refusals that the same action sent again would meet again, whatever the person does first: offering
 * "Try again" there only earns a second refusal ("This gig was just taken by another operator", twice).
 */
const FINAL: ReadonlySet<string> = new Set<RejectionCode>([
  // invalid_state: the object moved on (the booking was cancelled meanwhile); sent again, it meets the same.
  'invalid_state', 'forbidden', 'not_found', 'gig_taken', 'gig_cancelled', 'booking_cancelled', 'cancelled_before_start', 'gig_changed', 'gig_booked', 'gig_expired', 'own_gig', 'duplicate_id', 'last_admin',
  'change_rounds_exhausted', 'dispute_open', 'deadline_passed', 'plan_stale', 'held_changed', 'chat_closed', 'invalid_command', 'unknown_command',
]);

/** Refusals listed at once, the newest; earlier ones wait behind a button. */
const REFUSALS_SHOWN = 2;

/** What each refused action was, so that two refusals side by side can be told apart. */
const COMMAND_LABELS: Record<CommandType, keyof typeof appMessages.en> = {
  'gig.post': 'cmdGigPost', 'gig.publish': 'cmdGigPublish', 'gig.update': 'cmdGigUpdate', 'gig.cancel': 'cmdGigCancel', 'gig.accept': 'cmdGigAccept',
  'booking.start': 'cmdBookingStart', 'booking.deliver': 'cmdBookingDeliver', 'booking.approve': 'cmdBookingApprove',
  'booking.request_changes': 'cmdBookingRequestChanges', 'booking.cancel': 'cmdBookingCancel', 'booking.give_back': 'cmdBookingGiveBack', 'milestone.propose': 'cmdMilestonePropose',
  'milestone.accept': 'cmdMilestoneAccept', 'milestone.fund': 'cmdMilestoneFund', 'milestone.submit': 'cmdMilestoneSubmit',
  'milestone.approve': 'cmdMilestoneApprove', 'milestone.request_changes': 'cmdMilestoneRequestChanges', 'milestone.withdraw': 'cmdMilestoneWithdraw', 'dispute.open': 'cmdDisputeOpen',
  'dispute.add_evidence': 'cmdDisputeAddEvidence', 'dispute.accept': 'cmdDisputeAccept', 'dispute.resolve': 'cmdDisputeResolve',
  'payout.request': 'cmdPayoutRequest', 'message.send': 'cmdMessageSend', 'profile.update': 'cmdProfileUpdate',
  'availability.set': 'cmdAvailabilitySet', 'user.set_roles': 'cmdUserSetRoles',
};

/**
 * A refused accept of a gig that this device has accepted since (the worker went back to the gig, changed
 * meanwhile, and took it as it is now) is old news: dismissed by itself rather than following the worker onto
 * the booking it was about.
 */
function useDismissSupersededAccepts(): void {
  const client = useSync();
  const accepts = useViewAll('commands', { selector: { type: 'gig.accept' } });
  useEffect(() => {
    const gigOf = (c: { payload: string }) => (JSON.parse(c.payload) as { gigId?: string }).gigId;
    const acceptedAt = new Map<string | undefined, string>();
    for (const c of accepts ?? []) if (c.status === 'applied' && c.issuedAt > (acceptedAt.get(gigOf(c)) ?? '')) acceptedAt.set(gigOf(c), c.issuedAt);
    for (const c of accepts ?? []) if (c.status === 'rejected' && c.issuedAt < (acceptedAt.get(gigOf(c)) ?? '')) void client.dismiss(c.id);
  }, [accepts, client]);
}

/** Titles longer than this are cut in a refusal's heading: the booking or gig has the rest. */
const MAX_SUBJECT = 48;

/** The refused action, and what it was about when the device knew: "Accepting a gig “Mount a TV”". */
function refusedWhat(t: Translate<keyof typeof appMessages.en>, r: RejectedCommand): string {
  const action = isCommandType(r.type) ? t(COMMAND_LABELS[r.type]) : r.type;
  if (!r.subject) return action;
  const subject = r.subject.length > MAX_SUBJECT ? `${r.subject.slice(0, MAX_SUBJECT - 1).trimEnd()}…` : r.subject;
  return t('rejectedAbout', { action, subject });
}

export function StatusBar() {
  const t = useT(appMessages);
  const { locale } = useLocale();
  const client = useSync();
  const status = useSyncStatus();
  const reach = useServerReach();
  const now = useNow(30_000);
  const [showAll, setShowAll] = useState(false);
  useDismissSupersededAccepts();

  let state: 'offline' | 'connecting' | 'syncing' | 'ok';
  let label: string;
  const waiting = (words: string) => (status.pending > 0 ? `${words} · ${t('statusWaiting', { n: status.pending })}` : words);
  if (reach === 'offline' || reach === 'unreachable') {
    // No server for now, said as offline (the money steps say so too); with a network the phone shows but no data
    // through it, in words that do not contradict the bars on the phone.
    state = 'offline';
    label = waiting(t(reach === 'offline' ? 'statusOffline' : 'statusNoConnection'));
  } else if (reach === 'connecting') {
    state = 'connecting';
    label = waiting(t('statusConnecting'));
  } else if (status.pending > 0) {
    state = 'syncing';
    label = t('statusSyncing', { n: status.pending });
  } else {
    state = 'ok';
    label = t('statusUpToDate');
  }
  const synced = status.lastSyncedAt ? t('lastSynced', { when: formatRelative(status.lastSyncedAt, locale, now) }) : t('neverSynced');
  // On a phone a stack of old refusals would fill the screen: the newest few show, the earlier ones on request.
  const hidden = showAll ? 0 : Math.max(0, status.rejected.length - REFUSALS_SHOWN);
  const shown = status.rejected.slice(hidden);

  async function retry(r: RejectedCommand) {
    const doc = await client.db.commands.findOne(r.id).exec();
    if (!doc) return;
    // A new command with the same intent, about the same thing (which may have left the device meanwhile); the
    // refused one stays refused.
    await client.issue(doc.type as CommandType, JSON.parse(doc.payload) as never, r.subject ? { subject: r.subject } : undefined);
    await client.dismiss(r.id);
  }

  return (
    // A landmark of its own, between the header and main: refusals listed here are found by landmark navigation.
    <section className="status" aria-label={t('statusRegion')}>
      <p className={`status-line status-${state}`} role="status" aria-live="polite" data-testid="sync-status" data-state={state} data-pending={status.pending}>
        <span className="status-dot" aria-hidden="true" />
        <span>{label}</span>
        <span className="muted"> · {synced}</span>
      </p>
      {status.rejected.length > 1 && (
        <p className="rejections-more">
          {hidden > 0 && (
            <>
              <button type="button" className="btn-link" onClick={() => setShowAll(true)} data-testid="rejections-more">
                {t(hidden === 1 ? 'rejectedEarlierOne' : 'rejectedEarlier', { n: hidden })}
              </button>{' '}
            </>
          )}
          <button type="button" className="btn-link" onClick={() => void Promise.all(status.rejected.map((r) => client.dismiss(r.id)))}>
            {t('dismissAll')}
          </button>
        </p>
      )}
      {shown.length > 0 && (
        <ul className="rejections" aria-label={t('rejectedTitle')}>
          {shown.map((r) => (
            <li key={r.id} className="rejection" data-testid="rejection" data-code={r.code}>
              {/* The alert is the sentence, inside the item: a list's items keep their role, and the buttons are not read out. */}
              <span role="alert">
                <strong>
                  {t('rejectedTitle')} ({refusedWhat(t, r)}):
                </strong>{' '}
                {rejectionText(r.code, r.message, locale)}
                {r.type === 'message.send' && <UnsentMessage commandId={r.id} />}
              </span>
              <span className="rejection-actions">
                {isMoneyStep(r.type) ? (
                  <MoneyStepLink commandId={r.id} type={r.type} />
                ) : r.code === 'payouts_not_set_up' ? (
                  // Sent again as it was, it would meet the same refusal: what helps is where payouts are set up.
                  <Link href="~/o/payouts" className="btn-link" data-testid="set-up-payouts">
                    {t('setUpPayouts')}
                  </Link>
                ) : r.type === 'gig.post' ? (
                  // Sent again as it was, a post meets the same refusal (an expiry now past): edit it first, keeping
                  // everything typed.
                  <Link href={`/c/new?again=${r.id}`} className="btn-link" data-testid="post-again">
                    {t('postAgain')}
                  </Link>
                ) : (
                  !FINAL.has(r.code) && (
                    <button type="button" className="btn-link" onClick={() => void retry(r)}>
                      {t('tryAgain')}
                    </button>
                  )
                )}
                <button type="button" className="btn-link" onClick={() => void client.dismiss(r.id)}>
                  {t('dismiss')}
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
