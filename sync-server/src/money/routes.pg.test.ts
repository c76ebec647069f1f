// The /money routes over bookings made the real way (commands, the provider's confirmation, the demo rail's
// checkout and transfer): each figure read from the ledger is checked against the milestones' own columns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandInput } from '@shared/commands';
import { HELD_STATES } from '@shared/milestone-machine';
import { createTestDb, type TestDb } from '../../test/db';
import { createTestApp, json, type TestApp } from '../../test/app';
import { applied, confirmPayment, createOperator, createUser, gigInput, openSession, run, setPayoutAccount, uuidv7 } from '../../test/fixtures';
import { signAccessToken } from '../auth/tokens';
import { confirmPayment as confirmMilestonePayment, fireMilestoneEvent } from '../escrow/events';
import { recordProviderRefund, refundAttemptFailed, type ClientRefund } from '../escrow/refunds';
import { escrowTasks } from '../escrow/tasks';
import { beginTransferAttempt, transferRefused } from '../escrow/transfers';
import { transferPosting } from '../escrow/postings';
import { post } from '../ledger/ledger';
import { getMilestone, updateMilestone } from '../store/milestones';
import { createLogger } from '../log';
import { REFUND_GRACE_MS, TRANSFER_GRACE_MS } from '../payouts/reconcile';
import { dayIn } from './period';

let db: TestDb;
let t: TestApp;
let admin: string;

beforeAll(async () => {
  db = await createTestDb();
  t = createTestApp(db.sql);
  admin = await createUser(db.sql, ['admin'], 'Ada Admin');
});
afterAll(() => db.drop());

async function get(path: string, userId?: string) {
  const headers: Record<string, string> = {};
  if (userId) {
    const [u] = await db.sql<{ roles: string[] }[]>`select roles from users where id = ${userId}`;
    headers.authorization = `Bearer ${await signAccessToken(t.deps.secret, { id: userId, roles: u!.roles, sessionId: await openSession(db.sql, userId) }, 900)}`;
  }
  return t.app.request(path, { headers });
}
const ok = async (path: string, userId: string) => {
  const res = await get(path, userId);
  expect(res.status, await res.clone().text()).toBe(200);
  return json(res);
};

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
/** Yesterday to tomorrow: everything this file does, whatever the hour it runs at. */
const NOW = `from=${day(-1)}&to=${day(1)}`;

/** A gig posted by the client and accepted by the worker: the booking and its one agreed milestone. */
async function booking(client: string, worker: string, gig: Partial<CommandInput<'gig.post'>> = {}) {
  const input = gigInput(gig);
  applied(await run(db.sql, client, 'gig.post', input));
  const bookingId = uuidv7();
  applied(await run(db.sql, worker, 'gig.accept', { gigId: input.gigId, bookingId }));
  const [m] = await db.sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId}`;
  return { bookingId, milestoneId: m!.id };
}

/** The client funds the milestone and the provider confirms the payment. */
async function fund(client: string, b: { bookingId: string; milestoneId: string }) {
  applied(await run(db.sql, client, 'milestone.fund', { milestoneId: b.milestoneId }));
  expect(await confirmPayment(db.sql, b.bookingId)).toBe('funded');
}

/** The worker starts and submits, the client approves: the milestone is released. */
async function release(client: string, worker: string, b: { bookingId: string; milestoneId: string }) {
  applied(await run(db.sql, worker, 'booking.start', { bookingId: b.bookingId }));
  applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: b.milestoneId }));
  applied(await run(db.sql, client, 'milestone.approve', { milestoneId: b.milestoneId }));
}

/** A worker's money as the milestone columns tell it, for comparison with the ledger's figures. */
async function columnsOf(worker: string) {
  const [row] = await db.sql<{ pending: number; available: number; paidOut: number; gross: number; fee: number }[]>`
    select coalesce(sum(amount) filter (where status = any(${HELD_STATES as string[]})), 0)::int8 as pending,
           coalesce(sum(released_amount - fee_amount) filter (where transfer_id is null), 0)::int8 as available,
           coalesce(sum(released_amount - fee_amount) filter (where transfer_id is not null), 0)::int8 as paid_out,
           sum(released_amount)::int8 as gross, sum(fee_amount)::int8 as fee
    from milestones where worker_id = ${worker} and currency = 'USD'`;
  return row!;
}

describe("a worker's statement", () => {
  it('shows a released milestone as gross, fee and net, and moves its money from pending to available', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const b = await booking(client, worker);
    await fund(client, b);
    const funded = await ok(`/money/statement?${NOW}`, worker);
    expect(funded.jobs).toEqual([]);
    // Pending is what the held money brings the worker released in full: $80.00 less the 10% fee, as available will be.
    expect(funded.balances.byCurrency).toEqual([{ currency: 'USD', pending: 7200, available: 0, paidOut: 0 }]);

    await release(client, worker, b);
    const s = await ok(`/money/statement?${NOW}`, worker);
    expect(s).toMatchObject({ worker: { id: worker, name: 'Test Operator' }, from: day(-1), to: day(1) });
    expect(s.jobs).toEqual([
      expect.objectContaining({ milestoneId: b.milestoneId, bookingId: b.bookingId, title: 'Fix a leaking tap', kind: 'release', releasedBy: 'approved', currency: 'USD', gross: 8000, fee: 800, net: 7200 }),
    ]);
    expect(Date.parse(s.jobs[0].releasedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(s.totals).toEqual([{ currency: 'USD', jobs: 1, gross: 8000, fee: 800, net: 7200, paidOut: 0 }]);
    expect(s.balances.byCurrency).toEqual([{ currency: 'USD', pending: 0, available: 7200, paidOut: 0 }]);
    // The ledger and the milestone's columns agree.
    const c = await columnsOf(worker);
    expect(s.balances.byCurrency[0]).toEqual({ currency: 'USD', pending: c.pending, available: c.available, paidOut: c.paidOut });
    expect([s.totals[0].gross, s.totals[0].fee]).toEqual([c.gross, c.fee]);
  });

  it('shows a split by a dispute as the part released', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const b = await booking(client, worker);
    await fund(client, b);
    applied(await run(db.sql, worker, 'booking.start', { bookingId: b.bookingId }));
    const disputeId = uuidv7();
    applied(await run(db.sql, client, 'dispute.open', { disputeId, milestoneId: b.milestoneId, reason: 'Only half of it was fixed.', refundAmount: 3000 }));
    const pending = await ok(`/money/statement?${NOW}`, worker);
    expect(pending.balances.byCurrency).toEqual([{ currency: 'USD', pending: 7200, available: 0, paidOut: 0 }]);
    applied(await run(db.sql, worker, 'dispute.accept', { disputeId }));

    const s = await ok(`/money/statement?${NOW}`, worker);
    expect(s.jobs).toEqual([expect.objectContaining({ milestoneId: b.milestoneId, kind: 'split', releasedBy: 'dispute_accepted', gross: 5000, fee: 500, net: 4500 })]);
    expect(s.balances.byCurrency).toEqual([{ currency: 'USD', pending: 0, available: 4500, paidOut: 0 }]);
    const c = await columnsOf(worker);
    expect([c.gross, c.fee, c.available]).toEqual([5000, 500, 4500]);
  });

  it('says who let each job\'s money go: the review time running out, a mediator; and so does the CSV', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const admin = await createUser(db.sql, ['consumer', 'admin']);
    const timedOut = await booking(client, worker);
    await fund(client, timedOut);
    applied(await run(db.sql, worker, 'booking.start', { bookingId: timedOut.bookingId }));
    applied(await run(db.sql, worker, 'milestone.submit', { milestoneId: timedOut.milestoneId }));
    expect(await fireMilestoneEvent(db.sql, timedOut.milestoneId, 'auto_approve', `test:${uuidv7()}`)).toMatchObject({ status: 'released', moved: true });
    const decided = await booking(client, worker);
    await fund(client, decided);
    applied(await run(db.sql, worker, 'booking.start', { bookingId: decided.bookingId }));
    const disputeId = uuidv7();
    applied(await run(db.sql, client, 'dispute.open', { disputeId, milestoneId: decided.milestoneId, reason: 'Not done.', refundAmount: 8000 }));
    applied(await run(db.sql, admin, 'dispute.resolve', { disputeId, outcome: 'release_all', reason: 'The photos show the work done.' }));

    const s = await ok(`/money/statement?${NOW}`, worker);
    expect(s.jobs).toEqual([
      expect.objectContaining({ milestoneId: timedOut.milestoneId, kind: 'release', releasedBy: 'auto_approved' }),
      expect.objectContaining({ milestoneId: decided.milestoneId, kind: 'release', releasedBy: 'mediator' }),
    ]);
    const csv = await (await get(`/money/statement.csv?${NOW}`, worker)).text();
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('"Date","Title","Description","Type","Released by","Currency","Gross","Fee","Net","Paid out","Reference","Booking","Milestone"');
    expect(lines.slice(1).map((l) => l.split(',')[4])).toEqual(['"Review time ran out"', '"Mediator"']);

    // A Spanish worker's file is in Spanish, header and words; amounts keep their decimal point, as a CSV needs.
    await db.sql`update users set locale = 'es' where id = ${worker}`;
    const es = (await (await get(`/money/statement.csv?${NOW}`, worker)).text()).trim().split('\r\n');
    expect(es[0]).toBe('"Fecha","Título","Descripción","Tipo","Liberado por","Moneda","Bruto","Comisión","Neto","Pagado","Referencia","Reserva","Parte del trabajo"');
    expect(es.slice(1).map((l) => l.split(',').slice(3, 5).join(','))).toEqual(['"Liberación","Terminó el plazo de revisión"', '"Liberación","Mediador"']);
    expect(es[1]).toMatch(/,"80\.00","8\.00","72\.00",/);
  });

  it('counts a transfer to the worker as paid out, from the transfer posting', async () => {
    const rail = t.deps.payments;
    if (rail.name !== 'demo') throw new Error('the test app runs on the demo rail');
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const { id: accountId } = await rail.createConnectedAccount({ userId: worker, country: 'US', idempotencyKey: `account:${worker}` });
    await rail.activateAccount(accountId);
    await setPayoutAccount(db.sql, worker, { provider: 'demo', accountId, transfersActive: true });
    const b = await booking(client, worker);
    // Funded through the demo checkout, so that the transfer has a real (demo) charge to come from.
    const [u] = await db.sql<{ roles: string[] }[]>`select roles from users where id = ${client}`;
    const checkout = await t.app.request('/pay/checkout', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await signAccessToken(t.deps.secret, { id: client, roles: u!.roles, sessionId: await openSession(db.sql, client) }, 900)}` },
      body: JSON.stringify({ milestoneId: b.milestoneId, commandId: uuidv7() }),
    });
    expect(checkout.status).toBe(200);
    expect((await t.app.request(`${new URL((await json(checkout)).url).pathname}/pay`, { method: 'POST' })).status).toBe(303);
    await release(client, worker, b);
    const transfer = escrowTasks(rail)['escrow.transfer'];
    await transfer.run({ milestoneId: b.milestoneId }, { sql: db.sql, log: createLogger('silent'), jobId: '1', key: null, attempt: 1, maxAttempts: 1, signal: undefined });

    const s = await ok(`/money/statement?${NOW}`, worker);
    expect(s.totals).toEqual([{ currency: 'USD', jobs: 1, gross: 8000, fee: 800, net: 7200, paidOut: 7200 }]);
    expect(s.balances.byCurrency).toEqual([{ currency: 'USD', pending: 0, available: 0, paidOut: 7200 }]);
    const c = await columnsOf(worker);
    expect([c.available, c.paidOut]).toEqual([0, 7200]);
    // The transfer itself, with the provider's reference the worker can quote; nothing is left to send.
    const [m] = await db.sql<{ transferId: string }[]>`select transfer_id from milestones where id = ${b.milestoneId}`;
    expect(m!.transferId).toMatch(/^tr_/);
    expect(s.payouts).toEqual([
      expect.objectContaining({ milestoneId: b.milestoneId, bookingId: b.bookingId, title: 'Fix a leaking tap', currency: 'USD', amount: 7200, reference: m!.transferId }),
    ]);
    expect(s.unsent.items).toEqual([]);
    // The file has it too, after the job it paid: what reached the account, and the reference to find it by.
    const csv = (await (await get(`/money/statement.csv?${NOW}`, worker)).text()).trim().split('\r\n');
    expect(csv.slice(1).map((l) => l.split(',').slice(3).join(','))).toEqual([
      `"Release","Client approved","USD","80.00","8.00","72.00","","","${b.bookingId}","${b.milestoneId}"`,
      `"Payout","","USD","","","","72.00","${m!.transferId}","${b.bookingId}","${b.milestoneId}"`,
    ]);
    // A month without it lists no payout, and counts none.
    const before = await ok('/money/statement?from=2020-01-01&to=2020-01-31', worker);
    expect([before.payouts, before.totals]).toEqual([[], []]);
  });

  it('says of each released job not yet sent why: no payout account, the next run, on its way, or turned down', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const b = await booking(client, worker, { title: 'Paint a fence' });
    await fund(client, b);
    await release(client, worker, b);
    const reasons = async () => {
      const s = await ok(`/money/statement?${NOW}`, worker);
      return { reasons: s.unsent.items.map((u: { reason: string }) => u.reason), s };
    };

    // The account cannot receive transfers (the provider asks for more details, say).
    await setPayoutAccount(db.sql, worker, { transfersActive: false });
    const first = await reasons();
    expect(first.reasons).toEqual(['account_needed']);
    expect(first.s.unsent.items[0]).toEqual(
      expect.objectContaining({ milestoneId: b.milestoneId, bookingId: b.bookingId, title: 'Paint a fence', currency: 'USD', amount: 7200 }),
    );
    // What is waiting is what is available.
    expect(first.s.balances.byCurrency[0].available).toBe(7200);
    // The hourly run's next start: minute 17, within the hour after the figures were read.
    const next = Date.parse(first.s.unsent.nextRunAt);
    const asOf = Date.parse(first.s.balances.asOf);
    expect(new Date(next).getUTCMinutes()).toBe(17);
    expect(next - asOf).toBeGreaterThan(0);
    expect(next - asOf).toBeLessThanOrEqual(3_600_000);

    await setPayoutAccount(db.sql, worker, { transfersActive: true });
    expect((await reasons()).reasons).toEqual(['next_run']);

    // The provider turned the transfer down while the account could receive: held until the account changes, or the worker asks.
    await beginTransferAttempt(db.sql, b.milestoneId);
    await transferRefused(db.sql, b.milestoneId, 'The destination account cannot receive this transfer.', true);
    expect((await reasons()).reasons).toEqual(['held']);

    // The worker asks again: the transfer is queued, on its way.
    applied(await run(db.sql, worker, 'payout.request', {}));
    expect((await reasons()).reasons).toEqual(['sending']);
    // Nothing of this is any other worker's.
    expect((await ok(`/money/statement?${NOW}`, await createOperator(db.sql))).unsent.items).toEqual([]);
  });

  it('counts the days of the period, and writes the CSV\'s dates, in the time zone the reader gives', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const b = await booking(client, worker);
    await fund(client, b);
    await release(client, worker, b);
    // Kiritimati (UTC+14) and Pago Pago (UTC−11) are never on the same calendar day.
    const [east, west] = ['Pacific/Kiritimati', 'Pacific/Pago_Pago'];
    const today = dayIn(new Date(), east);
    const inEast = await ok(`/money/statement?from=${today}&to=${today}&tz=${encodeURIComponent(east)}`, worker);
    expect(inEast.jobs.map((j: { milestoneId: string }) => j.milestoneId)).toEqual([b.milestoneId]);
    const inWest = await ok(`/money/statement?from=${today}&to=${today}&tz=${encodeURIComponent(west)}`, worker);
    expect(inWest.jobs).toEqual([]);
    const csv = await (await get(`/money/statement.csv?from=${today}&to=${today}&tz=${encodeURIComponent(east)}`, worker)).text();
    expect(csv.split('\r\n')[1]).toMatch(new RegExp(`^"${today}","Fix a leaking tap"`));
    expect((await get(`/money/statement?${NOW}&tz=Mars%2FOlympus`, worker)).status).toBe(400);
  });

  it('lists only the jobs of the period asked for, and balances as they are now', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const b = await booking(client, worker);
    await fund(client, b);
    await release(client, worker, b);
    const s = await ok('/money/statement?from=2020-01-01&to=2020-12-31', worker);
    expect(s).toMatchObject({ from: '2020-01-01', to: '2020-12-31', jobs: [], totals: [] });
    expect(s.balances.byCurrency).toEqual([{ currency: 'USD', pending: 0, available: 7200, paidOut: 0 }]);
    // Without dates: the current month, which holds the job (unless the month turned just now).
    const month = await ok('/money/statement', worker);
    expect(month.from).toBe(`${new Date().toISOString().slice(0, 7)}-01`);
    if (month.from <= day(0)) expect(month.jobs.map((j: { milestoneId: string }) => j.milestoneId)).toContain(b.milestoneId);
  });

  it('exports the jobs as CSV: quoted, formula-guarded, in each currency\'s own decimals', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const evil = await booking(client, worker, { title: '=HYPERLINK("http://x.test","Fix")', budget: { amount: 12_345, currency: 'USD' } });
    await fund(client, evil);
    await release(client, worker, evil);
    const kwd = await booking(client, worker, { title: 'Tiles, "grout" and -sealant', budget: { amount: 12_350, currency: 'KWD' } });
    await fund(client, kwd);
    await release(client, worker, kwd);

    const res = await get(`/money/statement.csv?${NOW}`, worker);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="fieldwork-statement-${day(-1)}-${day(1)}.csv"`);
    // UTF-8 with its byte-order mark, which Excel needs to read accents; text() drops it, as Encoding says.
    expect([...new Uint8Array(await res.clone().arrayBuffer()).slice(0, 4)]).toEqual([0xef, 0xbb, 0xbf, 0x22]);
    const s = await ok(`/money/statement?${NOW}`, worker);
    const [d1, d2] = s.jobs.map((j: { releasedAt: string }) => j.releasedAt.slice(0, 10));
    // 10% of 123.45 is 12.345: 12.34, half to even. KWD is charged in steps of 0.010: 10% of 12.350 is 1.235.
    expect(await res.text()).toBe(
      '"Date","Title","Description","Type","Released by","Currency","Gross","Fee","Net","Paid out","Reference","Booking","Milestone"\r\n' +
        `"${d1}","'=HYPERLINK(""http://x.test"",""Fix"")","'=HYPERLINK(""http://x.test"",""Fix"")","Release","Client approved","USD","123.45","12.34","111.11","","","${evil.bookingId}","${evil.milestoneId}"\r\n` +
        `"${d2}","Tiles, ""grout"" and -sealant","Tiles, ""grout"" and -sealant","Release","Client approved","KWD","12.350","1.235","11.115","","","${kwd.bookingId}","${kwd.milestoneId}"\r\n`,
    );
  });
});

describe("a client's payments", () => {
  let client: string;
  let worker: string;
  let paid: { bookingId: string; milestoneId: string };
  let cancelled: { bookingId: string; milestoneId: string };

  beforeAll(async () => {
    client = await createUser(db.sql, ['consumer'], 'Carla Client');
    worker = await createOperator(db.sql);
    paid = await booking(client, worker);
    await fund(client, paid);
    await release(client, worker, paid);
    cancelled = await booking(client, worker, { title: 'Paint the fence' });
    await fund(client, cancelled);
    applied(await run(db.sql, client, 'booking.cancel', { bookingId: cancelled.bookingId, reason: 'Sold the house' }));
  });

  it('lists the payments made, with the fee the worker pays, and the refunds received', async () => {
    const p = await ok(`/money/payments?${NOW}`, client);
    expect(p.payments).toEqual([
      expect.objectContaining({ milestoneId: paid.milestoneId, title: 'Fix a leaking tap', worker: { id: worker, name: 'Test Operator' }, currency: 'USD', amount: 8000, workerFee: 800, feeBps: 1000, status: 'released' }),
      // Refunded in full: no fee was taken, and none is shown.
      expect.objectContaining({ milestoneId: cancelled.milestoneId, title: 'Paint the fence', amount: 8000, workerFee: 0, status: 'refunded' }),
    ]);
    expect(p.refunds).toEqual([expect.objectContaining({ milestoneId: cancelled.milestoneId, kind: 'refund', currency: 'USD', amount: 8000, for: 'settlement', status: 'pending', reference: null })]);
    expect(p.totals).toEqual([{ currency: 'USD', paid: 16_000, refunded: 8000, byBank: 0 }]);
    // The milestones' columns tell the same.
    const [c] = await db.sql<{ paid: number; refunded: number }[]>`
      select sum(amount) filter (where funded_at is not null)::int8 as paid, sum(refunded_amount)::int8 as refunded from milestones where client_id = ${client}`;
    expect(p.totals[0]).toEqual({ currency: 'USD', byBank: 0, ...c });
    expect((await ok('/money/payments?from=2020-01-01&to=2020-01-31', client)).payments).toEqual([]);
  });

  it('gives the client a receipt for a paid milestone, with what was refunded', async () => {
    const r = await ok(`/money/receipts/${paid.milestoneId}`, client);
    expect(r).toMatchObject({
      milestoneId: paid.milestoneId, bookingId: paid.bookingId, title: 'Fix a leaking tap', status: 'released',
      client: { id: client, name: 'Carla Client' }, worker: { id: worker, name: 'Test Operator' },
      currency: 'USD', amount: 8000, paymentReference: `pi_test_${paid.milestoneId}`, chargeReference: `ch_test_${paid.milestoneId}`,
      workerFee: 800, feeBps: 1000, released: 8000, refunded: 0,
    });
    expect(r.lines.map((l: { kind: string }) => l.kind)).toEqual(['funding', 'release']);
    const back = await ok(`/money/receipts/${cancelled.milestoneId}`, client);
    expect(back).toMatchObject({ status: 'refunded', amount: 8000, released: 0, refunded: 8000 });
  });

  it('refuses a receipt to anyone else, and for a milestone never paid', async () => {
    for (const other of [worker, admin, await createUser(db.sql)]) expect((await get(`/money/receipts/${paid.milestoneId}`, other)).status).toBe(404);
    const unpaid = await booking(client, worker);
    const res = await get(`/money/receipts/${unpaid.milestoneId}`, client);
    expect(res.status).toBe(404);
    expect((await json(res)).error.message).toMatch(/not a milestone you have paid for/);
    expect((await get('/money/receipts/not-a-uuid', client)).status).toBe(400);
  });
});

describe('who may see what', () => {
  it('asks for a token, the right role, and real dates', async () => {
    const consumer = await createUser(db.sql, ['consumer']);
    const operatorOnly = await createUser(db.sql, ['operator']);
    const operator = await createOperator(db.sql);
    expect((await get('/money/statement')).status).toBe(401);
    for (const path of ['/money/statement', '/money/statement.csv']) expect((await get(path, consumer)).status).toBe(403);
    expect((await get('/money/payments', operatorOnly)).status).toBe(403);
    for (const path of ['/money/settlement', '/money/trial-balance']) {
      expect((await get(path, operator)).status).toBe(403);
      expect((await get(path, consumer)).status).toBe(403);
    }
    for (const [path, who] of [['/money/statement', operator], ['/money/statement.csv', operator], ['/money/payments', consumer], ['/money/settlement', admin]] as const) {
      for (const q of ['from=2024-02-30&to=2024-03-31', 'from=2024-03-01', 'from=2024-03-02&to=2024-03-01', 'from=2023-01-01&to=2024-12-31']) {
        const res = await get(`${path}?${q}`, who);
        expect(res.status, `${path}?${q}`).toBe(400);
        expect((await json(res)).error.code).toBe('invalid_request');
      }
    }
  });
});

describe("a booking's money, for admins", () => {
  it('reads every part of any booking, disputed or not, with where its money is; only for admins', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    const paid = await booking(client, worker);
    await fund(client, paid);
    await release(client, worker, paid);
    const cancelled = await booking(client, worker);
    await fund(client, cancelled);
    applied(await run(db.sql, client, 'booking.cancel', { bookingId: cancelled.bookingId, reason: 'Found someone closer' }));

    const released = await ok(`/money/bookings/${paid.bookingId}`, admin);
    expect(released.bookingId).toBe(paid.bookingId);
    expect(released.milestones).toEqual([
      expect.objectContaining({
        id: paid.milestoneId, status: 'released', amount: { amount: 8000, currency: 'USD' }, releasedAmount: { amount: 8000, currency: 'USD' },
        feeAmount: { amount: 800, currency: 'USD' }, refundedAmount: { amount: 0, currency: 'USD' }, checkoutUrl: null, deleted: false,
      }),
    ]);
    const refunded = await ok(`/money/bookings/${cancelled.bookingId}`, admin);
    expect(refunded.milestones).toEqual([expect.objectContaining({ id: cancelled.milestoneId, status: 'refunded', refundedAmount: { amount: 8000, currency: 'USD' } })]);
    // The parties read their own through replication; nobody else reads it here.
    for (const who of [client, worker]) expect((await get(`/money/bookings/${paid.bookingId}`, who)).status).toBe(403);
    expect((await get(`/money/bookings/${uuidv7()}`, admin)).status).toBe(404);
    expect((await get('/money/bookings/nope', admin)).status).toBe(400);
  });
});

describe('refunds, as the provider has made them', () => {
  type Owed = { bookingId: string; milestoneId: string; refundId: string };
  let client: string;
  const owed = {} as Record<'made' | 'refused' | 'overdue' | 'fresh', Owed>;
  let late: { bookingId: string; milestoneId: string; paymentIntentId: string };

  /** A funded booking the client cancels: its whole amount is owed back, one refund row (pending) with the posting. */
  async function cancelledBooking(worker: string, title: string): Promise<Owed> {
    const b = await booking(client, worker, { title });
    await fund(client, b);
    applied(await run(db.sql, client, 'booking.cancel', { bookingId: b.bookingId, reason: 'Not needed any more' }));
    const [row] = await db.sql<{ id: string }[]>`select id from client_refunds where cause = ${`settle:${b.milestoneId}`} and status = 'pending'`;
    return { ...b, refundId: row!.id };
  }

  /** What the refund job records when the provider answers with the refund made. */
  const refundMade = async (id: string, refundId: string) =>
    recordProviderRefund(db.sql, (await db.sql<ClientRefund[]>`select * from client_refunds where id = ${id}`)[0]!, { id: refundId, status: 'succeeded' });

  beforeAll(async () => {
    client = await createUser(db.sql, ['consumer'], 'Rita Refunded');
    const worker = await createOperator(db.sql);
    for (const name of ['made', 'refused', 'overdue', 'fresh'] as const) owed[name] = await cancelledBooking(worker, `Refund ${name}`);
    // What the refund jobs record (escrow/refunds.ts): the provider's refund made, and refused with no retry left.
    expect(await refundMade(owed.made.refundId, 're_test_made')).toBe('succeeded');
    await refundAttemptFailed(db.sql, owed.refused.refundId, 'card_declined: the card was closed', true);
    // Owed since before the grace reconciliation gives (now() cannot be moved: the row is moved back instead).
    await db.sql`update client_refunds set created_at = now() - ${REFUND_GRACE_MS / 1000 + 60} * interval '1 second' where id = ${owed.overdue.refundId}`;
    // A second payment for a milestone already funded: sent back whole, a refund of its own.
    const paid = await booking(client, worker, { title: 'Paid twice' });
    await fund(client, paid);
    late = { ...paid, paymentIntentId: `pi_test_again_${paid.milestoneId}` };
    expect(
      await confirmMilestonePayment(db.sql, { milestoneId: paid.milestoneId, paymentIntentId: late.paymentIntentId, chargeId: null, amount: 8000, currency: 'USD' }, `again-${paid.milestoneId}`),
    ).toBe('refunded_late');
    await release(client, worker, paid);
  });

  it("shows each refund on the client's payments as the provider has it: made with its reference, on its way, or refused", async () => {
    const p = await ok(`/money/payments?${NOW}`, client);
    const refund = (milestoneId: string) => p.refunds.filter((r: { milestoneId: string }) => r.milestoneId === milestoneId);
    expect(refund(owed.made.milestoneId)).toEqual([expect.objectContaining({ for: 'settlement', kind: 'refund', status: 'succeeded', reference: 're_test_made', amount: 8000, currency: 'USD' })]);
    expect(refund(owed.refused.milestoneId)).toEqual([expect.objectContaining({ for: 'settlement', status: 'failed', reference: null, amount: 8000 })]);
    for (const pending of [owed.overdue, owed.fresh]) expect(refund(pending.milestoneId)).toEqual([expect.objectContaining({ for: 'settlement', status: 'pending', reference: null })]);
    // The payment that arrived too late is listed as paid and as sent back, its refund on its way.
    expect(refund(late.milestoneId)).toEqual([expect.objectContaining({ for: 'late_payment', kind: 'refund', status: 'pending', reference: null, amount: 8000 })]);
    expect(p.payments.filter((x: { milestoneId: string }) => x.milestoneId === late.milestoneId)).toHaveLength(2);
    expect(p.refunds).toHaveLength(5);
    expect(p.totals).toEqual([{ currency: 'USD', paid: 6 * 8000, refunded: 5 * 8000, byBank: 0 }]);
  });

  it("shows the same on each receipt", async () => {
    const refunds = async (milestoneId: string) => (await ok(`/money/receipts/${milestoneId}`, client)).refunds;
    expect(await refunds(owed.made.milestoneId)).toEqual([expect.objectContaining({ for: 'settlement', status: 'succeeded', reference: 're_test_made', currency: 'USD', amount: 8000 })]);
    expect(await refunds(owed.refused.milestoneId)).toEqual([expect.objectContaining({ for: 'settlement', status: 'failed', reference: null, amount: 8000 })]);
    expect(await refunds(owed.fresh.milestoneId)).toEqual([expect.objectContaining({ status: 'pending', reference: null })]);
    const twice = await ok(`/money/receipts/${late.milestoneId}`, client);
    expect(twice.refunds).toEqual([expect.objectContaining({ for: 'late_payment', status: 'pending', amount: 8000 })]);
    expect(twice).toMatchObject({ status: 'released', amount: 16_000, released: 8000, refunded: 8000 });
  });

  it('lists for the admins the refunds that need a person, whatever the period: the refused and the overdue, not the fresh or the made', async () => {
    const stuck = async (q: string) => (await ok(`/money/settlement?${q}`, admin)) as { refundGraceMs: number; stuckRefunds: Record<string, unknown>[] };
    const r = await stuck(NOW);
    expect(r.refundGraceMs).toBe(REFUND_GRACE_MS);
    // Oldest owed first: the overdue one was owed before the grace.
    expect(r.stuckRefunds).toEqual([
      expect.objectContaining({ id: owed.overdue.refundId, status: 'pending', for: 'settlement', milestoneId: owed.overdue.milestoneId, bookingId: owed.overdue.bookingId, title: 'Refund overdue', currency: 'USD', amount: 8000, lastError: null }),
      expect.objectContaining({ id: owed.refused.refundId, status: 'failed', for: 'settlement', milestoneId: owed.refused.milestoneId, bookingId: owed.refused.bookingId, title: 'Refund refused', lastError: 'card_declined: the card was closed' }),
    ]);
    expect(Date.parse(r.stuckRefunds[0]!.owedSince as string)).toBeLessThan(Date.now() - REFUND_GRACE_MS);
    expect((await stuck('from=2020-01-01&to=2020-01-31')).stuckRefunds.map((x) => x.id)).toEqual([owed.overdue.refundId, owed.refused.refundId]);
    // Once the provider has made it, it needs no one.
    expect(await refundMade(owed.overdue.refundId, 're_test_late_but_made')).toBe('succeeded');
    expect((await stuck(NOW)).stuckRefunds.map((x) => x.id)).toEqual([owed.refused.refundId]);
  });
});

describe('payouts that need a person', () => {
  it('lists for the admins the transfers turned down for good and those overdue, with whose they are; not the fresh or the made', async () => {
    const client = await createUser(db.sql);
    const worker = await createOperator(db.sql);
    await db.sql`update users set display_name = 'Wanda Worker' where id = ${worker}`;
    await setPayoutAccount(db.sql, worker, { accountId: 'acct_wanda' });
    const [refused, overdue, fresh] = [await booking(client, worker, { title: 'Turned down' }), await booking(client, worker, { title: 'Overdue' }), await booking(client, worker)];
    for (const b of [refused, overdue, fresh]) {
      await fund(client, b);
      await release(client, worker, b);
    }
    await beginTransferAttempt(db.sql, refused.milestoneId);
    await transferRefused(db.sql, refused.milestoneId, 'account_invalid: the bank account was closed', true);
    // Released, to an account that could receive it, longer ago than reconciliation's grace.
    await db.sql`update milestones set settled_at = now() - ${TRANSFER_GRACE_MS / 1000 + 60} * interval '1 second' where id = ${overdue.milestoneId}`;
    await db.sql`update payout_accounts set updated_at = now() - ${TRANSFER_GRACE_MS / 1000 + 60} * interval '1 second' where user_id = ${worker}`;

    const mine = async (q = NOW) => {
      const r = (await ok(`/money/settlement?${q}`, admin)) as { transferGraceMs: number; stuckPayouts: { milestoneId: string }[] };
      expect(r.transferGraceMs).toBe(TRANSFER_GRACE_MS);
      return r.stuckPayouts.filter((p) => [refused, overdue, fresh].some((b) => b.milestoneId === p.milestoneId));
    };
    expect(await mine()).toEqual([
      {
        milestoneId: refused.milestoneId, bookingId: refused.bookingId, title: 'Turned down', description: 'Turned down', worker: { id: worker, name: 'Wanda Worker' },
        currency: 'USD', amount: 7200, status: 'refused', lastError: 'account_invalid: the bank account was closed', accountId: 'acct_wanda',
      },
      expect.objectContaining({ milestoneId: overdue.milestoneId, title: 'Overdue', status: 'overdue', lastError: null, amount: 7200, accountId: 'acct_wanda' }),
    ]);
    // Whatever the period; and once made, it needs no one.
    expect((await mine('from=2020-01-01&to=2020-01-31')).map((p) => p.milestoneId)).toEqual([refused.milestoneId, overdue.milestoneId]);
    // Made as the transfer job makes it: the payout posting, and the provider's id on the milestone.
    const m = (await getMilestone(db.sql, overdue.milestoneId))!;
    await db.sql.begin(async (tx) => {
      await post(tx, transferPosting(m, 7200, 'tr_test_made'));
      await updateMilestone(tx, m.id, { transferId: 'tr_test_made', transferredAt: new Date() });
    });
    expect((await mine()).map((p) => p.milestoneId)).toEqual([refused.milestoneId]);
  });
});

// Last: these sum over everything the tests above did.
describe("the admins' reports", () => {
  it('settles each currency as the milestones say: in, out, held and owed', async () => {
    const r = await ok(`/money/settlement?${NOW}`, admin);
    const c = await db.sql<Record<string, number | string>[]>`
      select currency,
             sum(amount) filter (where funded_at is not null)::int8 as funded,
             sum(released_amount)::int8 as released, sum(refunded_amount)::int8 as refunded, sum(fee_amount)::int8 as fees_earned,
             sum(released_amount - fee_amount) filter (where transfer_id is not null)::int8 as transferred,
             sum(amount) filter (where status = any(${HELD_STATES as string[]}))::int8 as held_in_escrow,
             sum(released_amount - fee_amount) filter (where transfer_id is null)::int8 as awaiting_transfer,
             -- No payment here is disputed by a bank (chargebacks.pg.test.ts covers those figures).
             0::int8 as taken_by_banks, 0::int8 as chargeback_losses,
             -- The demo rail keeps no fee (payments with Stripe's: escrow/fees.pg.test.ts).
             0::int8 as provider_fees
      from milestones group by currency order by currency`;
    // A payment a milestone could not take is in the ledger, not in its columns: in and straight back out.
    const late = new Map((await db.sql<{ currency: string; amount: number }[]>`
      select currency, sum(amount)::int8 as amount from client_refunds where cause like 'late-refund:%' group by currency`).map((l) => [l.currency, l.amount]));
    for (const row of c) for (const k of ['funded', 'refunded']) row[k] = Number(row[k] ?? 0) + (late.get(row.currency as string) ?? 0);
    expect(r.byCurrency).toEqual(c.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v ?? 0]))));
    expect(r.byCurrency.map((x: { currency: string }) => x.currency)).toEqual(['KWD', 'USD']);
    expect(r.byCurrency[1].funded).toBeGreaterThan(0);

    const before = await ok('/money/settlement?from=2020-01-01&to=2020-12-31', admin);
    expect(before).toMatchObject({ from: '2020-01-01', to: '2020-12-31', byCurrency: [], balancesAt: '2021-01-01T00:00:00.000Z' });
  });

  it('shows a trial balance at zero with every invariant holding', async () => {
    const tb = await ok('/money/trial-balance', admin);
    expect(tb.balanced).toBe(true);
    expect(tb.totals).toEqual([{ currency: 'KWD', total: 0 }, { currency: 'USD', total: 0 }]);
    expect(new Set(tb.accounts.map((a: { kind: string }) => a.kind))).toEqual(new Set(['client_funding', 'escrow', 'worker_payable', 'platform_fees', 'refunds', 'payouts']));
    const usd = Object.fromEntries(tb.accounts.filter((a: { currency: string }) => a.currency === 'USD').map((a: { kind: string; balance: number }) => [a.kind, a.balance]));
    // Nothing is held any more; the two transfers made have left.
    expect(usd.escrow).toBe(0);
    const [made] = await db.sql<{ n: number; net: number }[]>`
      select count(*)::int as n, sum(released_amount - fee_amount)::int8 as net from milestones where transfer_id is not null and currency = 'USD'`;
    expect(made).toEqual({ n: 2, net: 2 * 7200 });
    expect(usd.payouts).toBe(made!.net);
    expect(tb.invariants).toMatchObject({ ok: true, violations: [] });
    expect(tb.invariants.postings).toBeGreaterThan(10);
  });
});
