// What an open dispute asks of each side, for the booking page's status line and "What you can do". The side that
// did not open it answers (evidence, or accepting the claim) by the dispute's deadline; if it stays silent, the
// claim applies by itself (the dispute.window job, sync-server/src/disputes/tasks.ts); once it has answered, a
// mediator decides. While the client's bank holds the part's money, neither moves it until the bank gives it back.
import { heldByBank } from '@shared/milestone-machine';
import type { Locale } from '@shared/locales';
import { formatDateTime } from '../i18n/format';
import type { Translate } from '../i18n/i18n';
import type { ViewDoc } from '../sync/optimistic';
import { claimApplies } from './claim-outcome';
import type { bookingMessages } from './messages';
import type { MoneyKey } from './money-messages';

type Side = 'client' | 'worker';

/** The open disputes, those waiting for the viewer's own answer first, then the soonest deadline first. */
export function openDisputes(disputes: readonly ViewDoc<'disputes'>[], side: Side | null): ViewDoc<'disputes'>[] {
  const waitsOnViewer = (d: ViewDoc<'disputes'>) => side !== null && d.openedBy !== side && !d.respondedAt;
  return disputes
    .filter((d) => d.status === 'open')
    .sort((a, b) => Number(waitsOnViewer(b)) - Number(waitsOnViewer(a)) || Date.parse(a.respondBy) - Date.parse(b.respondBy));
}

/**
 * The status line of a disputed booking, the same for every reader: while an answer is awaited (or the dispute
 * is not on this device yet) the rule of the deadline; once every open dispute is answered, the mediator.
 */
export const disputeHint = (open: readonly ViewDoc<'disputes'>[]): keyof typeof bookingMessages.en =>
  open.length > 0 && open.every((d) => d.respondedAt) ? 'hintDisputeAnswered' : 'hintDisputed';

/**
 * The time to answer ran out with no answer on this device: the claim applies (the server's window job settles it
 * within a minute, or once the bank gives the money back), and the server takes no more evidence from either side.
 */
export const answerWindowClosed = (d: { status: string; respondedAt?: string | null; respondBy: string }, now: number): boolean =>
  d.status === 'open' && !d.respondedAt && Date.parse(d.respondBy) <= now;

/** The opener waits for the other side: whole sentences per side, since Spanish names the other side by its article. */
const WAIT: Record<Side, { open: MoneyKey; held: MoneyKey }> = {
  client: { open: 'stepWaitClient', held: 'stepWaitHeldClient' },
  worker: { open: 'stepWaitWorker', held: 'stepWaitHeldWorker' },
};

/**
 * What one open dispute on `milestone` asks of `side` at `now`, with its deadline and where the money goes if the
 * claim applies. Accepting is not offered while the bank holds the money (claimAcceptable), so then it is not said.
 */
export function disputeStep(dispute: ViewDoc<'disputes'>, milestone: ViewDoc<'milestones'>, side: Side, t: Translate<MoneyKey>, locale: Locale, now: number): string {
  const held = heldByBank(milestone.timeline);
  const vars = { date: formatDateTime(dispute.respondBy, locale), outcome: claimApplies(dispute, milestone.feeBps, side, t, locale) };
  if (answerWindowClosed(dispute, now)) {
    if (dispute.openedBy !== side) return t(held ? 'stepAnswerClosedHeld' : 'stepAnswerClosed', vars);
    return t(held ? 'stepWaitClosedHeld' : 'stepWaitClosed', vars);
  }
  if (dispute.openedBy !== side) {
    if (dispute.respondedAt) return t(held ? 'stepAnsweredHeld' : 'stepAnswered');
    return t(held ? 'stepAnswerHeld' : 'stepAnswer', vars);
  }
  if (dispute.respondedAt) return t('stepTheyAnswered', { who: t(side === 'client' ? 'theWorker' : 'theClient') });
  return t(held ? WAIT[side].held : WAIT[side].open, vars);
}
