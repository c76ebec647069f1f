// /money: statements, receipts, CSV export, the settlement report and the trial balance. Reads only.
//
// GET /money/statement?from&to       a worker's jobs (gross, fee, net), payouts, totals,       operator
//                                    balances, and released money not yet sent (with why)
// GET /money/statement.csv?from&to   the same jobs and payouts as CSV                          operator
// GET /money/payments?from&to        a client's payments and refunds                           consumer
// GET /money/receipts/:milestoneId   the receipt for one paid milestone                        its client
// GET /money/settlement?from&to      per currency: in, out, held and owed; refunds stuck       admin
// GET /money/trial-balance           account kinds' balances and the ledger's invariants       admin
// GET /money/bookings/:bookingId      a booking's milestones: where each part's money is         admin
//
// from and to are calendar days in UTC (YYYY-MM-DD), both included; without them, the current month.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { hasRole, type Role } from '@shared/roles';
import type { Deps } from '../deps';
import { DEMO_BASE_PATH } from '../payments/demo';
import { requireActor, type AuthEnv } from '../auth/middleware';
import { HttpError } from '../errors';
import { deviceLocale } from '../http/device-locale';
import { getUserLocale } from '../store/users';
import { statementCsv } from './csv';
import { clientPayments, receipt } from './payments';
import { parsePeriod } from './period';
import { settlementReport, trialBalanceReport } from './settlement';
import { workerStatement } from './statements';
import { bookingMilestonesForAdmin } from '../sync/pull';
import type { BookingMoney } from '@shared/money-api';

const WHO: Record<Role, string> = {
  operator: 'Statements are for workers: this account does not take on work.',
  consumer: 'Payments are listed for clients: this account does not book work.',
  admin: 'Only admins see the settlement report, the trial balance and any booking’s money.',
};

function actorWith(c: Context<AuthEnv>, role: Role) {
  const actor = c.get('actor');
  if (!hasRole(actor, role)) throw new HttpError('forbidden', WHO[role]);
  return actor;
}

export function moneyRoutes(deps: Deps) {
  const auth = requireActor(deps);
  const period = (c: Context<AuthEnv>) => parsePeriod(c.req.query(), deps.now());
  return new Hono<AuthEnv>()
    .get('/statement', auth, async (c) => {
      const actor = actorWith(c, 'operator');
      return c.json(await workerStatement(deps.sql, actor.id, period(c)));
    })
    .get('/statement.csv', auth, async (c) => {
      const actor = actorWith(c, 'operator');
      const p = period(c);
      // In the language the worker reads the app in (the account's), as every text and page for them.
      const locale = (await getUserLocale(deps.sql, actor.id)) ?? deviceLocale(c);
      const csv = statementCsv(await workerStatement(deps.sql, actor.id, p), p.timeZone, locale);
      // With a byte-order mark: Excel reads a CSV without one in the machine's legacy code page, garbling every
      // accented title ("Reparación" → "ReparaciÃ³n"). Decoders that follow the Encoding standard drop it.
      return c.body(`\uFEFF${csv}`, 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="fieldwork-statement-${p.from}-${p.to}.csv"`,
      });
    })
    .get('/payments', auth, async (c) => {
      const actor = actorWith(c, 'consumer');
      return c.json(await clientPayments(deps.sql, actor.id, period(c)));
    })
    .get('/receipts/:milestoneId', auth, async (c) => {
      const id = z.uuid().safeParse(c.req.param('milestoneId'));
      if (!id.success) throw new HttpError('invalid_request', 'A receipt is named by its milestone id, a UUID.');
      // Someone else's milestone is not told to exist, as the commands do.
      const found = await receipt(deps.sql, c.get('actor').id, id.data);
      if (!found) throw new HttpError('not_found', 'No receipt: this is not a milestone you have paid for.');
      // On the demo rail, the payer's demo bank, where the payment can be disputed as a chargeback and the dispute
      // decided: not once the bank has decided, either way (one dispute per payment, as Stripe has one per charge).
      const rail = deps.payments.name === 'demo' ? deps.payments : null;
      const decided = found.bankReturns.some((b) => b.outcome !== 'deciding');
      const demoBankUrl =
        rail && found.paymentReference && !decided ? `${rail.publicBaseUrl}${DEMO_BASE_PATH}/bank/${encodeURIComponent(found.paymentReference)}` : null;
      return c.json({ ...found, demoBankUrl });
    })
    .get('/settlement', auth, async (c) => {
      actorWith(c, 'admin');
      return c.json(await settlementReport(deps.sql, period(c)));
    })
    .get('/trial-balance', auth, async (c) => {
      actorWith(c, 'admin');
      return c.json(await trialBalanceReport(deps.sql));
    })
    .get('/bookings/:bookingId', auth, async (c) => {
      const actor = actorWith(c, 'admin');
      const id = z.uuid().safeParse(c.req.param('bookingId'));
      if (!id.success) throw new HttpError('invalid_request', 'A booking is named by its id, a UUID.');
      const milestones = await bookingMilestonesForAdmin(deps.sql, { id: actor.id, roles: [...actor.roles], operator: null, scope: '' }, id.data);
      if (!milestones) throw new HttpError('not_found', 'No such booking.');
      return c.json({ bookingId: id.data, milestones } satisfies BookingMoney);
    });
}
