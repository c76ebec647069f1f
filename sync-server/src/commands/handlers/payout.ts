// payout.request: a worker asks for what is released to them and not yet transferred to be paid out now
// rather than at the next scheduled payout run. The transfers are escrow.transfer jobs queued in this
// command's transaction (keyed per milestone, so a request while one is queued or running adds nothing);
// the jobs call the provider and post each transfer to the ledger once.
import { hasRole } from '@shared/roles';
import { money, sum, type CurrencyCode } from '@shared/money';
import { reject, type Handler } from '../context';
import { getPayoutAccount, payoutStatus, type PayoutAccountRow } from '../../payouts/accounts';
import { awaitingTransfer, type Transferable } from '../../store/milestones';
import { timer } from '../../escrow/timers';

export const request: Handler<'payout.request', [PayoutAccountRow | undefined, Transferable[]]> = {
  queuesWrites: true,
  // The payout run's own test of what is owed, for this worker.
  load: (db, _p, actorId) => Promise.all([getPayoutAccount(db, actorId), awaitingTransfer(db, actorId)]),
  decide(ctx, p, [account, owed]) {
    if (!hasRole(ctx.actor, 'operator')) reject('forbidden', 'Only operator accounts are paid out.');
    if (payoutStatus(account) !== 'active') reject('payouts_not_set_up');
    const currencies = [...new Set(owed.map((m) => m.currency))];
    if (!p.currency && currencies.length > 1)
      reject('invalid_command', `You have money available in ${currencies.join(' and ')}: ask for one currency at a time.`);
    const currency = (p.currency ?? currencies[0]) as CurrencyCode | undefined;
    const due = owed.filter((m) => m.currency === currency);
    if (!currency || due.length === 0) return reject('nothing_to_pay_out');
    for (const m of due) ctx.write(timer(ctx.tx, 'escrow.transfer', m.id, ctx.now));
    return { milestones: due.map((m) => m.id), amount: sum(due.map((m) => money(m.net, m.currency)), currency).amount, currency };
  },
};
