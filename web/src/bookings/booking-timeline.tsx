// The booking's status history: what happened, who did it and when, oldest first.
import type { BookingEvent } from '@shared/booking-machine';
import { milestoneStateName } from '../i18n/domain-names';
import { formatDateTime } from '../i18n/format';
import { useLocale, useT, type Translate } from '../i18n/i18n';
import type { ViewDoc } from '../sync/optimistic';
import { PendingMark } from '../ui/pending-mark';
import { bankReasonText, bankStepName, isBankStep } from './bank-dispute';
import { bookingMessages } from './messages';
import type { TimelineRow } from './timeline-entries';

type Key = keyof typeof bookingMessages.en;

/** Every event of the shared machine has its words: a new one fails the type check until it has. */
const EVENT_NAMES: Record<BookingEvent | 'created', Key> = {
  created: 'evCreated',
  payment_confirmed: 'evPaymentConfirmed',
  start: 'evStart',
  deliver: 'evDeliver',
  approve: 'evApprove',
  approve_part: 'evApprovePart',
  request_changes: 'evRequestChanges',
  cancel: 'evCancel',
  give_back: 'evGiveBack',
  dispute: 'evDispute',
  resolve: 'evResolve',
  resolve_part: 'evResolvePart',
  resolve_to_review: 'evResolvePart',
  charged_back: 'evBookingChargedBack',
  part_charged_back: 'evPartChargedBack',
  finish: 'evFinish',
};

type Names = Pick<ViewDoc<'bookings'>, 'clientName' | 'workerName'>;
/** The two sides' ids, to name the person behind a step the server records as the system's (a part approved). */
interface Sides {
  clientId: string;
  workerId: string | null;
}

function who(t: Translate<Key>, row: Pick<TimelineRow, 'by' | 'actorId'>, names: Names, meId: string, sides?: Sides): string {
  if (row.actorId === meId) return t('you');
  // A step the machine takes as the system on someone's action (approve_part: the client approved one part of
  // several) still names that person, as it does for the one who acted.
  const by = row.by === 'system' && row.actorId && sides ? (row.actorId === sides.clientId ? 'client' : row.actorId === sides.workerId ? 'worker' : row.by) : row.by;
  if (by === 'client') return names.clientName || t('theClient');
  if (by === 'worker') return names.workerName || t('theWorker');
  if (row.by === 'admin') return t('anAdmin');
  return t('fieldwork');
}

/** An event the app does not know yet (a newer server) still shows, by its code. */
const eventName = (t: Translate<Key>, event: string) => (event in EVENT_NAMES ? t(EVENT_NAMES[event as keyof typeof EVENT_NAMES]) : event);

/** One step of a history: what it came to, who took it (unless its words say so), the part it was about, and when, with any note. */
function Step({ label, whoText, part, at, note, pending = false, event }: { label: string; whoText?: string; part?: string | null; at: string; note?: string; pending?: boolean; event: string }) {
  const t = useT(bookingMessages);
  const { locale } = useLocale();
  return (
    <li data-event={event}>
      <strong>{label}</strong>
      {whoText !== undefined && <> <span className="muted">{t('by', { who: whoText })}</span></>}
      <PendingMark show={pending} />
      {part && (
        <>
          <br />
          <span data-testid="timeline-part">{part}</span>
        </>
      )}
      <br />
      <time dateTime={at} className="muted">
        {formatDateTime(at, locale)}
      </time>
      {note && <p className="timeline-note">{note}</p>}
    </li>
  );
}

/** The steps a client's bank took, in the client's own words to the client; said by their words alone, not by who. */
const BANK_STEPS_TO_CLIENT: Partial<Record<string, Key>> = { charged_back: 'evBookingChargedBackYou', part_charged_back: 'evPartChargedBackYou' };

/** Booking steps a part's step took (its payment, hand-in, review, dispute): in a booking of several parts, named by the part. */
const PART_STEPS: ReadonlySet<string> = new Set<BookingEvent>(['payment_confirmed', 'deliver', 'approve', 'approve_part', 'request_changes', 'dispute', 'resolve', 'resolve_part', 'resolve_to_review', 'part_charged_back', 'finish']);

interface TimelineProps {
  rows: TimelineRow[];
  booking: ViewDoc<'bookings'>;
  meId: string;
  /** The booking's parts as it lists them (listedParts): with several, each step a part took names it. */
  parts?: readonly ViewDoc<'milestones'>[];
}

export function BookingTimeline({ rows, booking, meId, parts = [] }: TimelineProps) {
  const t = useT(bookingMessages);
  return (
    <ol className="timeline" data-testid="timeline">
      {rows.map((row, i) => {
        const toClient = BANK_STEPS_TO_CLIENT[row.event];
        const bank = toClient !== undefined;
        const label = bank && meId === booking.clientId ? t(toClient) : eventName(t, row.event);
        // The part whose step it was: the server writes both histories in one transaction, at one time.
        const n = parts.length > 1 && PART_STEPS.has(row.event) ? parts.findIndex((m) => m.timeline.some((e) => e.at === row.at)) : -1;
        const part = n >= 0 ? t('historyPart', { n: n + 1, part: parts[n]!.description }) : null;
        return <Step key={`${row.at}-${i}`} label={label} whoText={bank ? undefined : who(t, row, booking, meId, booking)} part={part} at={row.at} note={row.note} pending={row.pending} event={row.event} />;
      })}
    </ol>
  );
}

/**
 * One part's own history (a milestone's timeline), named by the state each step left it in. A step that moved
 * no booking status (the second part submitted while the first waits for review, changes asked during a
 * dispute) is only here, with the note that came with it. A chargeback's steps are named by what the bank did:
 * two of them leave the state as it was, and the third is no refund of Fieldwork's.
 */
export function PartHistory({ milestone, names, meId }: { milestone: ViewDoc<'milestones'>; names: Names; meId: string }) {
  const t = useT(bookingMessages);
  const { locale } = useLocale();
  const reader = meId === milestone.clientId ? 'client' : 'other';
  return (
    <details className="part-history" data-testid="part-history">
      <summary>{t('partHistory')}</summary>
      <ol className="timeline">
        {milestone.timeline.map((e, i) =>
          isBankStep(e.event) ? (
            <Step key={`${e.at}-${i}`} label={bankStepName(t, e.event, reader)} at={e.at} note={bankReasonText(t, e.note)} event={e.event} />
          ) : (
            <Step key={`${e.at}-${i}`} label={e.event === 'withdraw' ? t('evWithdraw') : e.event === 'give_back' ? t('evGivenBack') : milestoneStateName(e.status, locale)} whoText={who(t, e, names, meId, milestone)} at={e.at} note={e.note} event={e.event} />
          ),
        )}
      </ol>
    </details>
  );
}
