// The booking's money: each milestone with where its money is, and the money steps the viewer may take,
// read from the device's replicated milestones and disputes. Money steps need a connection and say so when
// there is none; everything around them keeps working offline.
import { bookingEnded, planOpen } from '@shared/booking-machine';
import { droppedStep } from '@shared/milestone-machine';
import type { Actor } from '@shared/roles';
import { useViewAll } from '../app/sync-context';
import { useServerReach } from '../app/use-server-reach';
import { useT } from '../i18n/i18n';
import type { ViewDoc } from '../sync/optimistic';
import type { BookingMoney } from '@shared/money-api';
import type { StoredDocTypes } from '@shared/rxdb-schemas';
import { stripNulls } from '../sync/replication';
import { useMoneyRead } from '../money/money-api';
import { MoneyReadState, MoneyStaleNotice } from '../money/money-read-state';
import { Loading } from '../ui/page';
import { useQueryOnce } from '../ui/use-query-once';
import { offeredMoneyActions, pendingMoney } from './money-actions';
import { moneyMessages } from './money-messages';
import { MilestoneRow } from './milestone-row';
import { MoneyOutcomeLine } from './money-outcome';
import { PlanPanel } from './plan-panel';
import { useCanReachServer, usePaymentRail } from './use-money-step';

interface Props {
  booking: ViewDoc<'bookings'>;
  actor: Actor;
  side: 'client' | 'worker' | null;
  /** The booking's milestones as the page read them (undefined while loading). */
  milestones: ViewDoc<'milestones'>[] | undefined;
}

/**
 * The parts the booking lists, numbered in this order when there are several. Replaced plans and withdrawn proposals
 * moved no money: they are history, not part of the price. A plan still waiting for the other side is not either:
 * the plan panel shows it, to be accepted or answered. A part one side dropped while the work went on stays, said
 * as dropped: both agreed it, and it will not be done.
 */
export function listedParts<M extends ViewDoc<'milestones'>>(all: readonly M[]): M[] {
  return all.filter((m) => (m.status !== 'cancelled' || droppedStep(m)) && m.status !== 'proposed');
}

export function MoneyPanel({ booking, actor, side, milestones }: Props) {
  const t = useT(moneyMessages);
  const disputes = useViewAll('disputes', { selector: { bookingId: booking.id }, sort: [{ openedAt: 'asc' }] });
  const outbox = useViewAll('commands', { selector: { status: 'pending' } });
  const reachable = useCanReachServer();
  const reach = useServerReach();
  // Only the client pays; nobody else needs to know which rail does.
  const rail = usePaymentRail(side === 'client');
  // The milestone whose checkout just sent the client back here as paid (/b/<booking>?paid=<milestone>): a
  // reload, or a later visit after that checkout lapsed unpaid, must not say a payment was sent.
  const paid = useQueryOnce('paid');
  // An admin who is not a party replicates the milestones of disputed bookings only (mediation weighs them together):
  // any other booking's are read from the server as its page opens, to say where its money is.
  const readForAdmin = side === null && milestones !== undefined && milestones.length === 0;
  // Read again whenever the booking changes (a cancellation refunds what was held), as replication tells.
  const adminRead = useMoneyRead<BookingMoney>(readForAdmin ? `/money/bookings/${encodeURIComponent(booking.id)}?version=${booking.version}` : null);

  if (!milestones) return <Loading label={t('loading')} />;
  if (readForAdmin && adminRead.read.state !== 'ready') return <MoneyReadState read={adminRead.read} onRetry={adminRead.reload} />;
  const all = readForAdmin && adminRead.read.state === 'ready' ? adminRead.read.data.milestones.map(asViewed) : milestones;
  const shown = listedParts(all);
  if (shown.length === 0) {
    // Every part cancelled: the plan is here, and nothing of it was paid for.
    if (all.length > 0) return <p className="muted" data-testid="money-none-cancelled">{t('noneCancelled')}</p>;
    return <p className="muted">{readForAdmin ? t('noneYet') : t('none')}</p>;
  }
  const waiting = pendingMoney(outbox ?? []);
  const planWaiting = (outbox ?? []).some((c) => (c.type === 'milestone.propose' || c.type === 'milestone.accept') && namesBooking(c.payload, booking.id));
  // A plan waits out a dispute (and says so); one left when the booking ended is no offer at all. The panel
  // stays while the booking has not ended, so that a form open when a dispute starts can say what became of it.
  const planShown = side !== null && (planOpen(booking.status) || (booking.status === 'disputed' && milestones.some((m) => m.status === 'proposed')));
  const planPanel = side !== null && !bookingEnded(booking.status);
  const latestDispute = new Map((disputes ?? []).map((d) => [d.milestoneId, d]));
  const rows = shown.map((m) => {
    const dispute = latestDispute.get(m.id);
    return { m, dispute, offered: offeredMoneyActions(m, booking, actor, dispute?.status === 'open') };
  });
  // The sentence about the connection matters only where there is a money step to take.
  const steps = planShown || rows.some((r) => r.offered.length > 0 || r.dispute?.status === 'open');

  // Back from paying a part that a new plan replaced meanwhile (a checkout left open in another tab): that payment
  // is sent back (escrow refunds a payment the part can no longer take), which the page would otherwise not say.
  const paidReplaced = side === 'client' && paid !== null && all.some((m) => m.id === paid && m.status === 'cancelled');

  return (
    <>
      {readForAdmin && <MoneyStaleNotice show={adminRead.offline} />}
      {paidReplaced && (
        <p className="notice" data-testid="paid-replaced">
          {t('paidReplaced')}
        </p>
      )}
      {side && steps && !reachable && (
        <p className="notice" data-testid="money-offline">
          {/* Said as the status line says it: still connecting (its first seconds), or no connection. */}
          {t(reach === 'connecting' ? 'connectingForMoney' : 'offline')}
        </p>
      )}
      <MoneyOutcomeLine status={booking.status} parts={shown} side={side} />
      <ol className="list milestones" data-testid="milestones">
        {rows.map(({ m, dispute, offered }, i) => (
          <MilestoneRow
            key={m.id}
            milestone={m}
            offered={offered}
            side={side}
            dispute={dispute}
            waiting={[...(waiting.get(m.id) ?? []), ...(dispute ? (waiting.get(dispute.id) ?? []) : [])]}
            reachable={reachable}
            rail={rail}
            justPaid={paid === m.id}
            number={rows.length > 1 ? i + 1 : null}
            names={booking}
          />
        ))}
      </ol>
      {side && planPanel && <PlanPanel booking={booking} side={side} milestones={milestones} reachable={reachable} waiting={planWaiting} />}
    </>
  );
}

/** A milestone read from the server, as the device's view of one: nothing of it waits for a command. */
const asViewed = (m: BookingMoney['milestones'][number]): ViewDoc<'milestones'> => ({
  // As replication stores it: an absent field left out rather than null.
  ...(stripNulls(m) as unknown as StoredDocTypes['milestones']),
  pending: false, pendingFields: [], pendingCommands: [], provisional: false,
});

/** Whether a command's payload (JSON, as the outbox keeps it) is about this booking. */
function namesBooking(payload: string, bookingId: string): boolean {
  try {
    return (JSON.parse(payload) as { bookingId?: unknown }).bookingId === bookingId;
  } catch {
    return false;
  }
}
