// Escrow in Chromium on the demo rail, against the real server: a client pays through the demo checkout, the
// worker starts and submits (a money step that waits, said plainly, while the phone has no signal), the client
// approves, and the worker's statement shows the net, then the payout with its reference; and a dispute
// with a claim and evidence (a chat message and a file) that a mediator splits, after which both parties'
// booking pages show the split amounts.
import { describe, expect, it } from 'vitest';
import { money, splitFee } from '@shared/money';
import { acceptedBooking, applied, run, uuidv7 } from '../../sync-server/test/fixtures';
import { signIn as signInApi } from '../../sync-server/test/stream-client';
import { PEOPLE, bookingIdOf, expectBookingStatus, expectEscrowStatus, payOnDemoRail, signIn, usd, userIdOf, waitUpToDate } from './app';
import { createLogger } from '../../sync-server/src/log';
import { createDemoRail } from '../../sync-server/src/payments';
import { escrowTasks } from '../../sync-server/src/escrow/tasks';
import { timerKey } from '../../sync-server/src/escrow/timers';
import { runQueuedJob } from '../../sync-server/test/jobs';
import { useE2e } from './fixture';
import { setNetwork } from './network';

const e2e = useE2e();

async function milestoneOf(bookingId: string): Promise<{ id: string; status: string; feeBps: number }> {
  const [m] = await e2e.server().db.sql<{ id: string; status: string; feeBps: number }[]>`
    select id, status, fee_bps from milestones where booking_id = ${bookingId}`;
  return m!;
}

/** A request to the server's HTTP API as `user`, with an access token of a fresh session. */
async function api(user: string, path: string, init: RequestInit = {}): Promise<Response> {
  const { token } = await signInApi(e2e.server().db.sql, user);
  return fetch(`${e2e.server().baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
}

describe('escrow on the demo rail', () => {
  it('fund, start, submit, approve: the money is released and the worker’s statement shows the net', async () => {
    const { baseUrl, db } = e2e.server();
    const [carla, olga] = [await userIdOf(db.sql, PEOPLE.carla), await userIdOf(db.sql, PEOPLE.olga)];
    const title = 'Swap a ceiling light';
    const gigId = uuidv7();
    applied(
      await run(db.sql, carla, 'gig.post', {
        gigId, title, description: 'Old fitting out, new one in.', skills: { electrical: 2 }, budget: { amount: 6500, currency: 'USD' },
        location: { lat: 37.7793, lng: -122.3993 }, address: '1 Market St', areaLabel: 'SoMa',
      }),
    );
    const clientCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    const workerCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    try {
      // The operator accepts the gig on their phone.
      const worker = await signIn(workerCtx, baseUrl, PEOPLE.olga, `/o/gigs/${gigId}`);
      await worker.getByTestId('accept-gig').click();
      await worker.waitForURL(/\/b\/[0-9a-f-]{36}$/, { timeout: 20_000 });
      const bookingId = bookingIdOf(worker);
      await expectBookingStatus(worker, 'awaiting_payment');
      const milestone = await milestoneOf(bookingId);
      const { fee, net } = splitFee(money(6500, 'USD'), milestone.feeBps);
      // The worker is told what they will get before anyone pays.
      await expectEscrowStatus(worker, 'agreed');
      expect(await worker.getByTestId('escrow-status').innerText()).toBe('Waiting for payment');
      expect(await worker.getByTestId('worker-net').innerText()).toBe(`You receive ${usd(net.amount)} after the ${usd(fee.amount)} platform fee (10%).`);

      // The client sees the fee the worker pays and that this is the demo rail, then pays on its checkout page.
      const client = await signIn(clientCtx, baseUrl, PEOPLE.carla, `/b/${bookingId}`);
      await expectEscrowStatus(client, 'agreed');
      expect(await client.getByTestId('fund').innerText()).toContain(`Platform fee (10%), paid from the worker’s share: ${usd(fee.amount)}`);
      await payOnDemoRail(client, usd(6500));
      // Back on the booking: the payment becomes visible as replication brings the funded milestone.
      await expectEscrowStatus(client, 'funded');
      expect(await client.getByTestId('escrow-status').innerText()).toBe('Paid — held in escrow');
      await expectBookingStatus(client, 'funded');
      const [funded] = await db.sql<{ status: string; paymentIntentId: string }[]>`select status, payment_intent_id from milestones where id = ${milestone.id}`;
      expect(funded).toMatchObject({ status: 'funded', paymentIntentId: expect.stringMatching(/^pi_/) });

      // The worker starts (a booking step) and submits the work (a money step, sent when the server answers).
      await expectEscrowStatus(worker, 'funded');
      await worker.getByRole('button', { name: 'Start', exact: true }).click();
      await expectBookingStatus(worker, 'in_progress');
      await waitUpToDate(worker);
      // Without a signal the money step waits for one, said plainly; the chat still takes a message.
      await setNetwork(workerCtx, true);
      await worker.getByTestId('money-offline').waitFor({ timeout: 20_000 });
      expect(await worker.getByRole('button', { name: 'Submit for approval' }).isDisabled()).toBe(true);
      await worker.getByLabel('Message').fill('Fitting done, submitting once I have signal.');
      await worker.getByRole('button', { name: 'Send' }).click();
      await worker.locator('[data-testid="sync-status"][data-pending="1"]').waitFor();
      await setNetwork(workerCtx, false);
      await waitUpToDate(worker);
      await worker.getByTestId('money-offline').waitFor({ state: 'detached' });
      await worker.getByLabel('Note for the client (optional)').fill('New fitting in and tested.');
      await worker.getByRole('button', { name: 'Submit for approval' }).click();
      await expectEscrowStatus(worker, 'submitted');
      await worker.getByTestId('money-notice').getByText('Done: the server confirmed it.').waitFor({ timeout: 20_000 });

      // The client approves: released to the worker.
      await expectEscrowStatus(client, 'submitted');
      expect(await client.getByTestId('escrow-status').innerText()).toMatch(/^Submitted — auto-approves on /);
      await client.getByRole('button', { name: `Approve and release ${usd(6500)}` }).click();
      await client.getByRole('button', { name: `Release ${usd(6500)} now` }).click();
      await expectEscrowStatus(client, 'released');
      await expectBookingStatus(client, 'completed');
      expect(await client.getByTestId('escrow-status').innerText()).toBe('Released to the worker');

      // The worker's Released row and statement show the net, and so does the statement endpoint.
      await expectEscrowStatus(worker, 'released');
      expect(await worker.getByTestId('worker-net').innerText()).toBe(`Released to you: ${usd(net.amount)} (${usd(fee.amount)} platform fee).`);
      await worker.goto(`${baseUrl}/o/earnings`);
      const job = worker.locator(`[data-testid="job"][data-milestone-id="${milestone.id}"]`);
      await job.waitFor({ timeout: 20_000 });
      expect(await job.innerText()).toContain(usd(net.amount));
      const statement = (await (await api(olga, '/money/statement')).json()) as { jobs: { milestoneId: string | null; gross: number; fee: number; net: number }[] };
      expect(statement.jobs.find((j) => j.milestoneId === milestone.id)).toMatchObject({ gross: 6500, fee: fee.amount, net: net.amount });

      // Not paid out yet: it goes with the next hourly run, unless the worker asks now. Asked, it is sent, and it
      // shows as paid out with the provider's reference.
      const waiting = worker.locator(`[data-testid="unsent"][data-milestone-id="${milestone.id}"]`);
      expect(await waiting.getAttribute('data-reason')).toBe('next_run');
      expect(await waiting.innerText()).toContain(usd(net.amount));
      await worker.getByTestId('get-paid-now').click();
      // Queued, it is on its way; the server's job runner (not started here) then makes the transfer on the demo rail.
      await expect.poll(() => waiting.getAttribute('data-reason'), { timeout: 20_000 }).toBe('sending');
      const rail = createDemoRail({ sql: db.sql, publicBaseUrl: baseUrl });
      await runQueuedJob(db.sql, escrowTasks(rail), createLogger('silent'), timerKey('escrow.transfer', milestone.id));
      const paid = worker.locator(`[data-testid="payout"][data-milestone-id="${milestone.id}"]`);
      await paid.waitFor({ timeout: 30_000 });
      expect(await paid.innerText()).toContain(usd(net.amount));
      expect(await paid.innerText()).toMatch(/Reference tr_/);
      await waiting.waitFor({ state: 'detached' });
    } finally {
      await clientCtx.close();
      await workerCtx.close();
    }
  });

  it('a plan of two parts proposed on the worker’s phone and accepted on the client’s, then paid part by part', async () => {
    const { baseUrl, db } = e2e.server();
    const [carla, omar] = [await userIdOf(db.sql, PEOPLE.carla), await userIdOf(db.sql, PEOPLE.omar)];
    const { bookingId } = await acceptedBooking(db.sql, carla, omar);
    const single = await milestoneOf(bookingId);
    const clientCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    const workerCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    try {
      // The worker splits the single price into two parts, the second bigger than agreed.
      const worker = await signIn(workerCtx, baseUrl, PEOPLE.omar, `/b/${bookingId}`);
      await expectEscrowStatus(worker, 'agreed');
      await worker.getByRole('button', { name: 'Change the payment plan' }).click();
      const form = worker.getByTestId('plan-form');
      await form.getByLabel('What this part covers').fill('Parts and the old washer out');
      await form.getByLabel('Amount (USD)').fill('25');
      await form.getByRole('button', { name: 'Add a part' }).click();
      const second = form.getByTestId('plan-part').nth(1);
      await second.getByLabel('What this part covers').fill('New tap fitted and tested');
      await second.getByLabel('Amount (USD)').fill('70.50');
      expect(await form.getByTestId('plan-summary').innerText()).toContain(`New total for the booking: ${usd(9550)}`);
      await form.getByRole('button', { name: 'Propose this plan' }).click();
      const proposed = worker.getByTestId('plan-proposal');
      await proposed.getByText('Waiting for the client to accept it.', { exact: false }).waitFor({ timeout: 20_000 });
      expect(await proposed.getByTestId('proposal-parts').innerText()).toContain(`New tap fitted and tested: ${usd(7050)}`);

      // The client sees the plan beside the price that stands, and accepts it.
      const client = await signIn(clientCtx, baseUrl, PEOPLE.carla, `/b/${bookingId}`);
      const plan = client.getByTestId('plan-proposal');
      await plan.waitFor({ timeout: 20_000 });
      expect(await plan.getByTestId('proposal-total').innerText()).toBe(`Accepted, it replaces the parts not paid for yet, and the booking comes to ${usd(9550)}.`);
      expect(await client.getByTestId('milestone').count()).toBe(1);
      await plan.getByRole('button', { name: 'Accept this plan' }).click();
      await plan.getByRole('button', { name: 'Accept the plan' }).click();
      await plan.waitFor({ state: 'detached', timeout: 20_000 });
      await client.getByTestId('milestone').nth(1).waitFor({ timeout: 20_000 });
      expect(await client.getByTestId('milestone').locator('h3').allInnerTexts()).toEqual(['Part 1: Parts and the old washer out', 'Part 2: New tap fitted and tested']);

      // Paid part by part: the first part's checkout takes the first part's amount.
      await payOnDemoRail(client, usd(2500));
      await client.locator('[data-testid="milestone"]').first().locator('[data-testid="escrow-status"][data-status="funded"]').waitFor({ timeout: 20_000 });
      const rows = await db.sql<{ id: string; status: string; amount: number }[]>`select id, status, amount from milestones where booking_id = ${bookingId} order by position`;
      expect(rows.map((r) => [r.status, r.amount])).toEqual([['cancelled', 8000], ['funded', 2500], ['agreed', 7050]]);
      expect(rows[0]!.id).toBe(single.id);
      expect((await db.sql<{ amount: number }[]>`select amount from bookings where id = ${bookingId}`)[0]!.amount).toBe(9550);
    } finally {
      await clientCtx.close();
      await workerCtx.close();
    }
  });

  it('a worker who cannot finish stops and gives back what is held: the client is refunded on the demo rail and told why', async () => {
    const { baseUrl, db } = e2e.server();
    // Ada is the client here (an admin who also hires): the other scenarios sign Carla in as often as a number may ask for codes.
    const [ada, omar] = [await userIdOf(db.sql, PEOPLE.ada), await userIdOf(db.sql, PEOPLE.omar)];
    // A plumbing job for Omar, paid through the demo rail's checkout over HTTP, and started.
    const { gigId, bookingId } = await acceptedBooking(db.sql, ada, omar);
    const milestone = await milestoneOf(bookingId);
    const checkout = await api(ada, '/pay/checkout', { method: 'POST', body: JSON.stringify({ milestoneId: milestone.id, commandId: uuidv7() }) });
    const { url } = (await checkout.json()) as { url: string };
    expect((await fetch(`${url}/pay`, { method: 'POST', redirect: 'manual' })).status).toBe(303);
    applied(await run(db.sql, omar, 'booking.start', { bookingId }));

    const workerCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    const clientCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    try {
      const worker = await signIn(workerCtx, baseUrl, PEOPLE.omar, `/b/${bookingId}`);
      await expectBookingStatus(worker, 'in_progress');
      await expectEscrowStatus(worker, 'funded');
      await worker.getByRole('button', { name: 'Stop and give the money back' }).click();
      expect(await worker.getByTestId('booking-actions').innerText()).toContain(`The ${usd(8000)} still held for it goes back to the client, and the booking ends.`);
      await worker.getByLabel('Why are you stopping? The client reads it.').fill('Hurt my back; cannot finish this week.');
      await worker.getByRole('button', { name: 'Yes, stop work' }).click();
      await expectEscrowStatus(worker, 'refunded');
      await expectBookingStatus(worker, 'cancelled');
      expect(await worker.getByTestId('booking-status').textContent()).toBe('Status: Stopped by the worker');

      // The server refunded all of it, with no fee, and told the client why, in one text.
      expect((await milestoneOf(bookingId)).status).toBe('refunded');
      const told = await db.sql<{ template: string; data: { refunded: number; reason: string } }[]>`
        select template, data from outbox where user_id = ${ada} and data->>'bookingId' = ${bookingId} and template like 'booking.given_back%'`;
      expect(told).toEqual([{ template: 'booking.given_back.reopened', data: expect.objectContaining({ refunded: 8000, reason: 'Hurt my back; cannot finish this week.' }) }]);

      // The client sees it said as what happened, the part refunded, and the gig back on offer.
      const client = await signIn(clientCtx, baseUrl, PEOPLE.ada, `/b/${bookingId}`);
      await expectBookingStatus(client, 'cancelled');
      await expectEscrowStatus(client, 'refunded');
      expect(await client.getByTestId('booking-status').textContent()).toBe('Status: Stopped by the worker');
      expect(await client.getByTestId('timeline').innerText()).toContain('Work stopped by Omar');
      await client.goto(`${baseUrl}/c/gigs/${gigId}`);
      await client.getByTestId('gig-back-on-offer').waitFor({ timeout: 20_000 });
      expect(await client.getByTestId('gig-earlier-bookings').innerText()).toContain('Stopped by the worker');

      // The demo rail makes the refund, and the client's payments say it is made.
      const rail = createDemoRail({ sql: db.sql, publicBaseUrl: baseUrl });
      await runQueuedJob(db.sql, escrowTasks(rail), createLogger('silent'), timerKey('escrow.refund', milestone.id));
      await client.goto(`${baseUrl}/c/payments`);
      const refund = client.locator('[data-testid="payment"][data-kind="refund"]');
      await refund.waitFor({ timeout: 20_000 });
      expect(await refund.innerText()).toContain(usd(8000));
      await refund.locator('[data-testid="refund-state"][data-status="succeeded"]').waitFor({ timeout: 20_000 });
    } finally {
      await workerCtx.close();
      await clientCtx.close();
    }
  });

  it('a dispute with a claim and evidence, split by a mediator: both parties see the split amounts', async () => {
    const { baseUrl, db } = e2e.server();
    const [carla, omar] = [await userIdOf(db.sql, PEOPLE.carla), await userIdOf(db.sql, PEOPLE.omar)];
    // A plumbing job for Omar, paid through the demo rail's checkout over HTTP this time, started and submitted.
    const { bookingId } = await acceptedBooking(db.sql, carla, omar);
    const milestone = await milestoneOf(bookingId);
    const checkout = await api(carla, '/pay/checkout', { method: 'POST', body: JSON.stringify({ milestoneId: milestone.id, commandId: uuidv7() }) });
    const { url, provider } = (await checkout.json()) as { url: string; provider: string };
    expect(provider).toBe('demo');
    // What the booking page asks before showing "Demo payment — no real money moves".
    expect(await (await fetch(`${baseUrl}/pay/rail`)).json()).toEqual({ provider: 'demo' });
    const paid = await fetch(`${url}/pay`, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    expect((await milestoneOf(bookingId)).status).toBe('funded');
    applied(await run(db.sql, omar, 'booking.start', { bookingId }));
    const messageId = uuidv7();
    applied(await run(db.sql, omar, 'message.send', { messageId, bookingId, body: 'All done: the tap is dry now.' }));
    applied(await run(db.sql, omar, 'milestone.submit', { milestoneId: milestone.id, note: 'Washer replaced.' }));
    const amount = (await db.sql<{ amount: number }[]>`select amount from milestones where id = ${milestone.id}`)[0]!.amount;

    const clientCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    const workerCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    const adminCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 1024, height: 768 } });
    try {
      // The client disputes the submitted work, asking for 60% back.
      const client = await signIn(clientCtx, baseUrl, PEOPLE.carla, `/b/${bookingId}`);
      await expectEscrowStatus(client, 'submitted');
      await waitUpToDate(client);
      await client.getByRole('button', { name: 'Open a dispute' }).click();
      await client.getByLabel('What went wrong?').fill('The tap still drips at night.');
      expect(await client.getByLabel('How much should be refunded to you?').inputValue()).toBe((amount / 100).toFixed(2));
      const refund = Math.round(amount * 0.6);
      await client.getByLabel('How much should be refunded to you?').fill((refund / 100).toFixed(2));
      await client.getByRole('button', { name: 'Open dispute', exact: true }).click();
      await client.getByTestId('dispute-question').getByText(`If the claim applies, ${usd(refund)} comes back to you`, { exact: false }).waitFor();
      await client.getByRole('button', { name: 'Yes, open the dispute' }).click();
      await expectEscrowStatus(client, 'disputed');
      const [dispute] = await db.sql<{ id: string; refundAmount: number }[]>`select id, refund_amount from disputes where milestone_id = ${milestone.id}`;
      expect(dispute!.refundAmount).toBe(refund);
      // Said to the client as their own money, to the worker as the client's.
      await client.getByTestId('dispute-claim').getByText(`Claim: ${usd(refund)} back to you, ${usd(amount - refund)} to the worker.`).waitFor({ timeout: 20_000 });
      // To the worker: what they would receive after the fee.
      const ifApplies = splitFee(money(amount - refund, 'USD'), milestone.feeBps);
      const claim = `Claim: ${usd(refund)} back to the client; you would receive ${usd(ifApplies.net.amount)} after the ${usd(ifApplies.fee.amount)} platform fee.`;

      // The worker answers with words, the chat message and a file.
      const worker = await signIn(workerCtx, baseUrl, PEOPLE.omar, `/b/${bookingId}`);
      await expectEscrowStatus(worker, 'disputed');
      await waitUpToDate(worker);
      expect(await worker.getByTestId('dispute-claim').innerText()).toBe(claim);
      const box = worker.getByTestId('dispute');
      await box.getByLabel('What should the mediator know?').fill('It was dry when I left; see the chat and my receipt.');
      await box.getByRole('checkbox', { name: /All done: the tap is dry now\./ }).check();
      await box.getByLabel(/Attach a file/).setInputFiles({ name: 'washer-receipt.txt', mimeType: 'text/plain', buffer: Buffer.from('1 washer, 1/2 inch: $2.40\n') });
      await box.getByRole('button', { name: 'Send evidence' }).click();
      const evidence = worker.getByTestId('evidence').locator('li').first();
      await evidence.waitFor({ timeout: 20_000 });
      expect(await evidence.innerText()).toContain('washer-receipt.txt');
      await client.getByTestId('evidence').getByText('Chat message: “All done: the tap is dry now.”').waitFor({ timeout: 20_000 });
      expect(await client.getByTestId('evidence').innerText()).toContain('washer-receipt.txt');

      // A mediator splits it from the dispute screen: 30% back to the client.
      const split = Math.round(amount * 0.3);
      const admin = await signIn(adminCtx, baseUrl, PEOPLE.ada, `/a/disputes/${dispute!.id}`);
      await admin.getByTestId('decision-form').waitFor({ timeout: 20_000 });
      await admin.locator('input[name="outcome"][value="split"]').check();
      await admin.getByTestId('split-refund').fill((split / 100).toFixed(2));
      await admin.getByLabel(/Written reason/).fill('The tap drips less than before: most of the work was done.');
      await admin.getByTestId('decide').click();
      await admin.getByRole('button', { name: 'Confirm the decision' }).click();
      await admin.getByTestId('dispute-resolution').waitFor({ timeout: 20_000 });
      const [settled] = await db.sql<{ status: string; refundedAmount: number; releasedAmount: number; feeAmount: number }[]>`
        select status, refunded_amount, released_amount, fee_amount from milestones where id = ${milestone.id}`;
      const released = amount - split;
      const { fee, net } = splitFee(money(released, 'USD'), milestone.feeBps);
      expect(settled).toEqual({ status: 'split', refundedAmount: split, releasedAmount: released, feeAmount: fee.amount });

      // Both parties' pages show the split, each from where they stand.
      const amounts = {
        client: `${usd(split)} back to you, ${usd(released)} to the worker.`,
        worker: `${usd(split)} back to the client, ${usd(released)} to you (before the platform fee).`,
      };
      // The dispute's outcome is said to its reader: what came back to the client, what the worker received after the fee.
      const outcome = {
        client: `${usd(split)} came back to you, and the worker received ${usd(net.amount)} after the ${usd(fee.amount)} platform fee.`,
        worker: `${usd(split)} went back to the client, and you received ${usd(net.amount)} after the ${usd(fee.amount)} platform fee.`,
      };
      for (const [side, page] of [['client', client], ['worker', worker]] as const) {
        await expectEscrowStatus(page, 'split');
        expect(await page.getByTestId('escrow-status').innerText()).toBe('Split');
        expect(await page.getByTestId('settled-amounts').innerText()).toBe(amounts[side]);
        await page.getByTestId('dispute-outcome').getByText(`: ${outcome[side]}`, { exact: false }).waitFor({ timeout: 20_000 });
      }
      expect(await worker.getByTestId('worker-net').innerText()).toBe(`Released to you: ${usd(net.amount)} (${usd(fee.amount)} platform fee).`);
      expect(await client.getByTestId('dispute').innerText()).toContain('Decided by a mediator: The tap drips less than before');
    } finally {
      await clientCtx.close();
      await workerCtx.close();
      await adminCtx.close();
    }
  });

  it('a chargeback at the demo bank: the client disputes the payment from its receipt, the part is held, and the bank decides for the client', async () => {
    const { baseUrl, db } = e2e.server();
    // Ada (a client as well as an admin): Carla has had her share of sign-in codes in this file (their rate limit).
    const [ada, omar] = [await userIdOf(db.sql, PEOPLE.ada), await userIdOf(db.sql, PEOPLE.omar)];
    const { bookingId } = await acceptedBooking(db.sql, ada, omar);
    const milestone = await milestoneOf(bookingId);
    const checkout = await api(ada, '/pay/checkout', { method: 'POST', body: JSON.stringify({ milestoneId: milestone.id, commandId: uuidv7() }) });
    const { url } = (await checkout.json()) as { url: string };
    expect((await fetch(`${url}/pay`, { method: 'POST', redirect: 'manual' })).status).toBe(303);
    applied(await run(db.sql, omar, 'booking.start', { bookingId }));
    applied(await run(db.sql, omar, 'milestone.submit', { milestoneId: milestone.id }));
    const amount = usd((await db.sql<{ amount: number }[]>`select amount from milestones where id = ${milestone.id}`)[0]!.amount);

    const clientCtx = await e2e.chromium().newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
    try {
      const client = await signIn(clientCtx, baseUrl, PEOPLE.ada, `/c/receipts/${milestone.id}`);
      await client.getByTestId('demo-bank').click();
      await client.waitForURL(/\/pay\/demo\/bank\/pi_demo_/, { timeout: 20_000 });
      expect(await client.locator('.banner').innerText()).toContain('Demo payment — no real money moves');
      await client.getByRole('button', { name: 'Dispute this payment (demo)' }).click();
      await client.getByText(`Disputed: your bank holds ${amount} while it decides.`).waitFor({ timeout: 20_000 });
      expect((await milestoneOf(bookingId)).status).toBe('submitted');

      // Back in the app: the payment is listed as with the bank, and the part is held, with nothing to approve.
      await client.getByRole('link', { name: 'Back to Fieldwork' }).click();
      const row = client.locator('[data-testid="payment"][data-kind="bank"]');
      await row.waitFor({ timeout: 20_000 });
      expect(await row.innerText()).toContain('You disputed this payment with your bank; it holds the money while it decides.');
      await client.goto(`${baseUrl}/b/${bookingId}`);
      await client.getByTestId('bank-hold').waitFor({ timeout: 20_000 });
      expect(await client.getByTestId('escrow-status').innerText()).toBe('Held by your bank until it decides');
      expect(await client.getByRole('button', { name: /^Approve/ }).count()).toBe(0);

      // The bank decides for the client: the part ends unpaid and the booking with it.
      await client.goto(`${baseUrl}/pay/demo/bank/${(await db.sql<{ paymentIntentId: string }[]>`select payment_intent_id from milestones where id = ${milestone.id}`)[0]!.paymentIntentId}`);
      await client.getByRole('button', { name: 'Decide for me, the payer (demo)' }).click();
      await client.getByText(`Decided for you: your bank returned ${amount} to you.`).waitFor({ timeout: 20_000 });
      await client.goto(`${baseUrl}/b/${bookingId}`);
      await expectEscrowStatus(client, 'refunded');
      expect(await client.getByTestId('escrow-status').innerText()).toBe('Returned to you by your bank');
      await expectBookingStatus(client, 'cancelled');
    } finally {
      await clientCtx.close();
    }
  });
});
