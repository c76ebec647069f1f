// The escrow workload over HTTP against a real server process, for the crash test: command batches
// (POST /commands), checkouts (POST /pay/checkout), payments at the provider (the Stripe stand-in) and its
// signed events (POST /pay/webhook, duplicated and concurrent). Any request may be the one during which
// the server is killed: it is then started again on the same database and the request sent again, as a
// device or the provider would, and the answer must be the one the model predicted for a single delivery.
import { v7 as uuidv7 } from 'uuid';
import type { Sql } from '../src/db/sql';
import { signPayload } from '../src/payments/webhook-signature';
import type { StripeStandin } from './stripe-standin';
import type { ServerProcess } from './server-process';
import * as M from './escrow-model';
import type { Outcome } from './escrow-model';
import { bearer, chooseMilestone, Mismatch, planCommand, userOf, type Cast, type HttpStep, type PlannedCommand } from './escrow-world';

/** A command whose answer reached the sender: what it was and what the server said. */
export interface Acknowledged {
  id: string;
  type: string;
  status: 'applied' | 'rejected';
  code: string | null;
}

export interface HttpRun extends Cast {
  sql: Sql;
  server: ServerProcess;
  standin: StripeStandin;
  jwtSecret: string;
  /** Request number → when, into that request, the server is killed: a share of the usual time to an answer. */
  kills: Map<number, number>;
  requests: number;
  /** The usual time to an answer (a moving average), in milliseconds. */
  latencyMs: number;
  /** Requests whose answer was lost to a kill and that were sent again. */
  resent: number;
  /** Of the commands and events in those, how many the killed server had already applied (answered as replays). */
  appliedUnanswered: number;
  acknowledged: Acknowledged[];
  bodies: Map<string, string>;
  log: string[];
}

const fail = (what: string): never => {
  throw new Mismatch(what);
};

interface Answer {
  status: number;
  body: unknown;
}

async function once(url: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/**
 * Sends a request; when it is one of the planned kills, SIGKILLs the server that share of the usual answer
 * time after sending (so, mostly while the request is being handled), starts it again, and sends the
 * request again if its answer was lost. `resent` says which.
 */
async function send(r: HttpRun, path: string, body: string, headers: Record<string, string>): Promise<{ answer: Answer; resent: boolean }> {
  const init = { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body };
  const n = r.requests++;
  const share = r.kills.get(n);
  if (share === undefined) {
    const started = performance.now();
    const answer = await once(`${r.server.url}${path}`, init);
    r.latencyMs = 0.8 * r.latencyMs + 0.2 * (performance.now() - started);
    return { answer, resent: false };
  }
  const delay = Math.round(share * r.latencyMs);
  const pending = once(`${r.server.url}${path}`, init).catch(() => null);
  await new Promise((resolve) => setTimeout(resolve, delay));
  await r.server.stop('SIGKILL');
  const answer = await pending;
  r.log.push(`  SIGKILL ${delay} ms into request ${n} (${path}): ${answer ? 'answered first' : 'answer lost'}`);
  await r.server.start();
  if (answer) return { answer, resent: false };
  r.resent++;
  return { answer: await once(`${r.server.url}${path}`, init), resent: true };
}

interface CommandAnswer {
  status: 'applied' | 'rejected';
  replayed: boolean;
  rejection?: { code: string; message: string };
}

function same(expected: Outcome, got: CommandAnswer, what: string): void {
  const want = expected.status === 'rejected' ? expected.code : undefined;
  if (got.status !== expected.status || got.rejection?.code !== want)
    fail(`${what}: expected ${expected.status}${want ? ` (${want})` : ''}, got ${got.status}${got.rejection ? ` (${got.rejection.code}: ${got.rejection.message})` : ''}`);
}

/**
 * The server runs its own jobs, and a close job that finds its checkout paid sends the payment back from the
 * provider's record. Before the database is compared with the model: the close jobs the live runner can take
 * or has taken are waited for (up to `ms`): those waiting and those it is running (locked since the server now
 * running started; one of a cancel just before the run ended is still running, and commits its refund after
 * a look that counted only waiting jobs). Then the model runs each one whose payment the server has sent back
 * (a job locked by a killed runner may have done so before the kill, or not yet: it waits out
 * graphile-worker's 4 hours).
 */
export async function settleCloseJobs(r: HttpRun, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  const since = r.server.startedAt() ?? new Date(0);
  for (;;) {
    const [{ n }] = (await r.sql`
      select count(*)::int as n from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
      where t.identifier = 'escrow.close_checkout' and (j.locked_at is null or j.locked_at >= ${since})`) as unknown as [{ n: number }];
    if (n === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const prefix = 'escrow.close_checkout:';
  for (const key of Object.keys(r.model.jobs).filter((k) => k.startsWith(prefix))) {
    const sessionId = key.slice(prefix.length);
    const paid = Object.values(r.model.payments).find((p) => p.sessionId === sessionId);
    if (!paid) continue;
    const sentBack = await r.sql`select 1 from ledger_postings where dedupe_key = ${`late-refund:${paid.id}`}`;
    if (sentBack.length === 0) continue;
    r.log.push(`  the server's close job sent back the payment for checkout ${sessionId.slice(-6)}`);
    r.model = M.runTask(r.model, 'escrow.close_checkout', sessionId, true);
  }
}

export async function runHttpStep(r: HttpRun, step: HttpStep): Promise<void> {
  r.log.push(JSON.stringify(step));
  r.model = { ...r.model, now: Date.now() };
  switch (step.t) {
    case 'commands':
      return commands(r, step.steps);
    case 'checkout':
      return checkout(r, step);
    case 'pay':
      return pay(r, step);
    case 'webhook':
      return webhook(r, step);
  }
}

/** The steps as commands, predicted one after the other, sent as one batch per run of the same sender. */
async function commands(r: HttpRun, steps: Extract<HttpStep, { t: 'commands' }>['steps']): Promise<void> {
  const planned: (PlannedCommand & { id: string })[] = [];
  let model = r.model;
  for (const s of steps) {
    const p = planCommand(model, r, s);
    r.log.push(`  ${p.note}: ${p.expected.outcome.status}${p.expected.outcome.status === 'rejected' ? ` ${p.expected.outcome.code}` : ''}`);
    if (!p.type) continue;
    planned.push({ ...p, id: uuidv7() });
    model = p.expected.state;
  }
  for (let i = 0; i < planned.length; ) {
    let j = i + 1;
    while (j < planned.length && planned[j]!.userId === planned[i]!.userId) j++;
    const batch = planned.slice(i, j);
    const envs = batch.map((p) => ({ id: p.id, type: p.type, payload: p.payload, issuedAt: new Date().toISOString() }));
    const { answer, resent } = await send(r, '/commands', JSON.stringify({ commands: envs }), { authorization: await bearer(r.sql, r.jwtSecret, r, batch[0]!.userId) });
    if (answer.status !== 200) fail(`POST /commands answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    const results = (answer.body as { results: CommandAnswer[] }).results;
    for (const [k, p] of batch.entries()) {
      const got = results[k]!;
      same(p.expected.outcome, got, `${p.type} ${JSON.stringify(p.payload)}${resent ? ' (sent again after a kill)' : ''}`);
      // A first delivery is never a replay; one sent again after a kill may be, if the first got through.
      if (got.replayed && !resent) fail(`${p.type} ${p.id} was answered as a replay on its first delivery`);
      if (got.replayed) r.appliedUnanswered++;
      r.acknowledged.push({ id: p.id, type: p.type, status: got.status, code: got.rejection?.code ?? null });
    }
    i = j;
  }
  r.model = { ...model, now: r.model.now };
}

async function checkout(r: HttpRun, step: Extract<HttpStep, { t: 'checkout' }>): Promise<void> {
  const m = chooseMilestone(r.model, step.k, step.aim, ['agreed', 'payment_pending'])!;
  const actor = step.who === 'right' ? 'client' : step.who;
  const userId = userOf(r.model, r, m.booking, actor);
  const expected = M.checkout(r.model, m.id, actor);
  r.log.push(`  checkout ${m.id.slice(-6)} (${m.status}) by ${actor}: ${expected.ok ? 200 : 409}`);
  const commandId = uuidv7();
  const { answer } = await send(r, '/pay/checkout', JSON.stringify({ milestoneId: m.id, commandId }), { authorization: await bearer(r.sql, r.jwtSecret, r, userId) });
  if (answer.status !== (expected.ok ? 200 : 409)) fail(`POST /pay/checkout for ${m.id} by ${actor}: expected ${expected.ok ? 200 : 409}, got ${answer.status} ${JSON.stringify(answer.body)}`);
  const [stored] = await r.sql<{ status: 'applied' | 'rejected'; rejectionCode: string | null }[]>`select status, rejection_code from commands where id = ${commandId}`;
  same(expected.fund, { status: stored!.status, replayed: false, ...(stored!.rejectionCode ? { rejection: { code: stored!.rejectionCode, message: '' } } : {}) }, `milestone.fund through /pay/checkout for ${m.id}`);
  r.acknowledged.push({ id: commandId, type: 'milestone.fund', status: stored!.status, code: stored!.rejectionCode });
  r.model = expected.state;
  if (!expected.opens) return;
  const [row] = await r.sql<{ checkoutSessionId: string | null }[]>`select checkout_session_id from milestones where id = ${m.id}`;
  const session = row?.checkoutSessionId ? r.standin.object(row.checkoutSessionId) : undefined;
  if (!session || r.model.sessions[session.id as string]) fail(`POST /pay/checkout for ${m.id} should have opened a new checkout session, found ${row?.checkoutSessionId}`);
  r.model = M.addSession(r.model, { id: session!.id as string, milestoneId: m.id, amount: session!.amount_total as number, expiresAt: (session!.expires_at as number) * 1000 }, true);
}

/** The client pays a checkout at the provider; the provider's events are owed to us from then on. */
async function pay(r: HttpRun, step: Extract<HttpStep, { t: 'pay' }>): Promise<void> {
  const sessions = Object.values(r.model.sessions);
  const open = sessions.filter((s) => !s.paid);
  const session = (open.length ? open : sessions)[step.s % Math.max(1, (open.length ? open : sessions).length)];
  if (!session) return void r.log.push('  no checkout to pay');
  const outcome = M.payOutcome(r.model, session.id);
  r.log.push(`  pay session ${session.id.slice(-6)}: ${outcome}`);
  if (outcome === 'expired') return;
  // The server runs its own jobs: a close the model still has queued may have reached the provider first.
  if (outcome === 'paid' && r.standin.object(session.id)?.status === 'expired') {
    if (!r.model.jobs[`escrow.close_checkout:${session.id}`]) fail(`checkout ${session.id} was closed at the provider, and nothing asked for that`);
    r.log.push('    closed by the server\'s close job first');
    r.model = M.runTask(r.model, 'escrow.close_checkout', session.id, true);
    return;
  }
  const paid = r.standin.completeCheckout(session.id);
  const completed = r.standin.checkoutCompletedEvent(session.id);
  for (const e of [paid, completed]) r.bodies.set(e.event.id, e.rawBody);
  const events = [paid, completed].map((e) => ({ id: e.event.id, type: e.event.type }));
  const paymentId = paid.event.data.object.id as string;
  r.model = outcome === 'paid'
    ? M.addPayment(r.model, { id: paymentId, sessionId: session.id, milestoneId: session.milestoneId, amount: session.amount, events })
    : M.addEvents(r.model, paymentId, events);
}

async function webhook(r: HttpRun, step: Extract<HttpStep, { t: 'webhook' }>): Promise<void> {
  const fresh = r.model.events.filter((e) => e.outcome === null);
  const list = step.fresh && fresh.length ? fresh : r.model.events;
  const e = list[step.e % Math.max(1, list.length)];
  if (!e) return void r.log.push('  no events yet');
  const raw = r.bodies.get(e.id)!;
  const expected = M.deliverEvent(r.model, e.id);
  r.log.push(`  ${e.type} ${e.id.slice(-6)} ×${step.copies}: ${expected.duplicate ? 'duplicate ' : ''}${expected.outcome}`);
  // Copies at once go out together; only the first of them can be the one the server is killed during.
  const answers = await Promise.all(
    Array.from({ length: step.copies }, (_, i) =>
      i === 0
        ? send(r, '/pay/webhook', raw, { 'stripe-signature': signPayload(raw, r.standin.webhookSecret) })
        : once(`${r.server.url}/pay/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(raw, r.standin.webhookSecret) }, body: raw })
            .then((answer) => ({ answer, resent: false }))
            .catch(() => ({ answer: { status: 0, body: 'lost to the kill' }, resent: true })),
    ),
  );
  let funded = 0;
  for (const { answer, resent } of answers) {
    if (answer.status === 0) continue;
    if (answer.status !== 200) fail(`POST /pay/webhook for ${e.id} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    const got = answer.body as { duplicate: boolean; outcome: string };
    // Sent again, or at once with another copy, a delivery may find the payment already handled.
    const loose = resent || step.copies > 1;
    const fits = got.outcome === expected.outcome || (loose && expected.outcome === 'funded' && got.outcome === 'already_funded');
    if (!fits || (!loose && got.duplicate !== expected.duplicate)) fail(`delivery of ${e.type} ${e.id}: expected ${expected.duplicate ? 'a duplicate ' : ''}${expected.outcome}, got ${JSON.stringify(got)}`);
    if (got.outcome === 'funded' && !got.duplicate) funded++;
    if (resent && got.duplicate) r.appliedUnanswered++;
  }
  if (funded > (expected.outcome === 'funded' && !expected.duplicate ? 1 : 0)) fail(`${e.id} funded ${funded} times`);
  r.model = expected.state;
  // Which delivery's answer was recorded is a race when there were several; later duplicates get that one.
  const [row] = await r.sql<{ outcome: string }[]>`select outcome from payment_events where id = ${e.id}`;
  if (row) r.model.events.find((x) => x.id === e.id)!.outcome = row.outcome;
}
