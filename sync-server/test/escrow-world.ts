// The real side of the escrow model-based test: random steps (commands from both parties, admins and
// strangers, disputes included; checkouts and payments on the demo rail; signed webhooks duplicated,
// reordered, forged and late; timers fired when due and stray ones; payout runs; replays, concurrent
// duplicates and races between two different steps) run against the real code and database, each checked
// against the reference model (escrow-model.ts) as it happens, and the database compared with the model after
// it (escrow-view.ts). The crash test reuses the command planning over HTTP (escrow-http.ts).
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import type { CommandEnvelope } from '@shared/commands';
import type { Sql } from '../src/db/sql';
import { applyCommand, type CommandOutcome } from '../src/commands/apply';
import { signAccessToken } from '../src/auth/tokens';
import { handleWebhook } from '../src/escrow/routes';
import { escrowTasks } from '../src/escrow/tasks';
import { disputeTasks } from '../src/disputes/tasks';
import type { TaskContext } from '../src/jobs/tasks';
import type { DemoRail } from '../src/payments';
import { WebhookSignatureError } from '../src/payments/provider';
import { signPayload } from '../src/payments/webhook-signature';
import { createLogger } from '../src/log';
import { sweepPaymentFees } from '../src/escrow/fees';
import { createTestApp, type TestApp } from './app';
import { applied, createOperator, createUser, gigInput, openSession, run as runCommand, setPayoutAccount } from './fixtures';
import * as M from './escrow-model';
import { expectedView, observedView, viewDiff } from './escrow-view';
import type { Actor, ModelState, Outcome } from './escrow-model';

/** Who acts: the party the step is for, or someone else (the other party, an admin, a stranger). */
export type Who = 'right' | Actor;

export type Step =
  | { t: 'milestone'; op: M.MilestoneOp; aim: boolean; k: number; who: Who; http: boolean; copies: number; blank: boolean }
  | { t: 'booking'; op: M.BookingOp; aim: boolean; b: number; who: Who; http: boolean; copies: number; blank: boolean }
  | { t: 'withdraw'; aim: boolean; other: boolean; k: number; side: 'client' | 'worker'; who: Who; http: boolean; copies: number; reason: boolean }
  | { t: 'checkout'; aim: boolean; k: number; who: Who }
  | { t: 'propose'; aim: boolean; b: number; side: 'client' | 'worker'; who: Who; amounts: number[]; eur: boolean }
  | { t: 'accept'; aim: boolean; b: number; who: Who }
  | { t: 'dispute_open'; aim: boolean; k: number; side: 'client' | 'worker'; who: Who; claim: 'all' | 'none' | 'part' | 'over'; part: number }
  | { t: 'dispute_evidence'; aim: boolean; d: number; who: Who | 'opener' }
  | { t: 'dispute_accept'; aim: boolean; d: number; who: Who }
  | { t: 'dispute_resolve'; aim: boolean; d: number; who: Who; outcome: 'release_all' | 'refund_all' | 'split'; part: number; whole: boolean }
  | { t: 'pay'; k: number; s: number }
  | { t: 'stray_payment'; k: number; delta: number }
  | { t: 'webhook'; fresh: boolean; e: number; copies: number; http: boolean; forged: 'no' | 'secret' | 'stale' }
  | { t: 'rail_delivery'; k: number }
  | { t: 'tick'; ms: number }
  | { t: 'job'; j: number }
  | { t: 'stray_task'; task: 'escrow.refund' | 'escrow.transfer'; k: number }
  | { t: 'sweep' }
  | { t: 'payout_run' }
  | { t: 'replay'; c: number; reuse: boolean }
  | { t: 'race'; pair: RacePair; k: number };

/** Two things at once about the same milestone or booking; the outcome must be one of the two orders. */
export type RacePair = 'approve/changes' | 'approve/dispute' | 'approve/give_back' | 'cancel/payment' | 'withdraw/payment' | 'start/cancel' | 'fund/replace' | 'accept/resolve' | 'evidence/accept';

const MIN = 60_000;
const HOUR = 60 * MIN;

const who: fc.Arbitrary<Who> = fc.oneof({ arbitrary: fc.constant('right' as const), weight: 8 }, { arbitrary: fc.constantFrom<Actor>('client', 'worker', 'admin', 'stranger'), weight: 2 });
const copies = fc.oneof({ arbitrary: fc.constant(1), weight: 8 }, { arbitrary: fc.integer({ min: 2, max: 3 }), weight: 2 });
const aim = fc.oneof({ arbitrary: fc.constant(true), weight: 6 }, { arbitrary: fc.constant(false), weight: 1 });
const index = fc.nat({ max: 1000 });
const weighted = <T>(choices: [T, number][]) => fc.oneof(...choices.map(([v, weight]) => ({ arbitrary: fc.constant(v), weight })));
const rarely = (weight = 1) => fc.oneof({ arbitrary: fc.constant(false), weight: 10 - weight }, { arbitrary: fc.constant(true), weight });

const milestoneStep = fc.record({ t: fc.constant('milestone' as const), op: weighted<M.MilestoneOp>([['fund', 2], ['submit', 3], ['approve', 3], ['request_changes', 2]]), aim, k: index, who, http: rarely(2), copies, blank: rarely() });
const bookingStep = fc.record({ t: fc.constant('booking' as const), op: weighted<M.BookingOp>([['start', 4], ['deliver', 3], ['approve', 3], ['request_changes', 3], ['cancel', 1], ['give_back', 1]]), aim, b: index, who, http: rarely(2), copies, blank: rarely() });
// Either side drops a part not paid for (milestone.withdraw), with or without saying why.
const withdrawStep = fc.record({ t: fc.constant('withdraw' as const), aim, other: rarely(3), k: index, side: fc.constantFrom('client' as const, 'worker' as const), who, http: rarely(2), copies, reason: fc.boolean() });
const proposeStep = fc.record({ t: fc.constant('propose' as const), aim, b: index, side: fc.constantFrom('client' as const, 'worker' as const), who, amounts: fc.array(fc.integer({ min: 100, max: 40_000 }), { minLength: 1, maxLength: 3 }), eur: rarely() });
const acceptStep = fc.record({ t: fc.constant('accept' as const), aim, b: index, who });
const percent = fc.integer({ min: 1, max: 99 });
const disputeSteps = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('dispute_open' as const), aim, k: index, side: fc.constantFrom('client' as const, 'worker' as const), who, claim: weighted<'all' | 'none' | 'part' | 'over'>([['all', 2], ['none', 2], ['part', 4], ['over', 1]]), part: percent }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('dispute_evidence' as const), aim, d: index, who: fc.oneof(who, fc.constant('opener' as const)) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('dispute_accept' as const), aim, d: index, who }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('dispute_resolve' as const), aim, d: index, who, outcome: weighted<'release_all' | 'refund_all' | 'split'>([['release_all', 1], ['refund_all', 1], ['split', 2]]), part: percent, whole: rarely() }) },
);
const checkoutStepArb = fc.record({ t: fc.constant('checkout' as const), aim, k: index, who });
const payStepArb = fc.record({ t: fc.constant('pay' as const), k: index, s: index });

/** The commands, weighted as the model test mixes them. */
export const commandStepArb: fc.Arbitrary<CommandStep> = fc.oneof(
  { weight: 20, arbitrary: milestoneStep },
  { weight: 14, arbitrary: bookingStep },
  { weight: 5, arbitrary: withdrawStep },
  { weight: 2, arbitrary: proposeStep },
  { weight: 3, arbitrary: acceptStep },
  { weight: 8, arbitrary: disputeSteps },
);

export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 49, arbitrary: commandStepArb },
  { weight: 10, arbitrary: checkoutStepArb },
  { weight: 12, arbitrary: payStepArb },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('stray_payment' as const), k: index, delta: fc.constantFrom(0, 0, -1, 250) }) },
  {
    weight: 16,
    arbitrary: fc.record({
      t: fc.constant('webhook' as const), fresh: fc.boolean(), e: index, copies: fc.oneof({ arbitrary: fc.constant(1), weight: 4 }, { arbitrary: fc.constant(2), weight: 1 }),
      http: rarely(3), forged: fc.oneof({ arbitrary: fc.constant('no' as const), weight: 18 }, { arbitrary: fc.constantFrom('secret' as const, 'stale' as const), weight: 1 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('rail_delivery' as const), k: index }) },
  // Mostly minutes, so that checkouts get paid; now and then hours and days, so that windows close and clocks run out.
  { weight: 6, arbitrary: fc.record({ t: fc.constant('tick' as const), ms: weighted([[MIN, 3], [10 * MIN, 3], [61 * MIN, 1], [3 * HOUR, 1], [23 * HOUR, 1], [49 * HOUR, 1], [73 * HOUR, 1], [121 * HOUR, 1]]) }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('job' as const), j: index }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('stray_task' as const), task: fc.constantFrom('escrow.refund' as const, 'escrow.transfer' as const), k: index }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('sweep' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('payout_run' as const) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('replay' as const), c: index, reuse: rarely(3) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('race' as const),
      pair: fc.constantFrom<RacePair>('approve/changes', 'approve/dispute', 'approve/give_back', 'cancel/payment', 'withdraw/payment', 'start/cancel', 'fund/replace', 'accept/resolve', 'evidence/accept'),
      k: index,
    }),
  },
);

/** What the crash test drives over HTTP: command batches, checkouts, payments at the provider, webhooks. */
export type HttpStep =
  | { t: 'commands'; steps: CommandStep[] }
  | Extract<Step, { t: 'checkout' | 'pay' }>
  | { t: 'webhook'; fresh: boolean; e: number; copies: number };

export const httpStepArb: fc.Arbitrary<HttpStep> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ t: fc.constant('commands' as const), steps: fc.array(commandStepArb, { minLength: 1, maxLength: 4 }) }) },
  { weight: 6, arbitrary: checkoutStepArb },
  { weight: 6, arbitrary: payStepArb },
  { weight: 10, arbitrary: fc.record({ t: fc.constant('webhook' as const), fresh: fc.boolean(), e: index, copies: fc.oneof({ arbitrary: fc.constant(1), weight: 4 }, { arbitrary: fc.constant(2), weight: 1 }) }) },
);

export interface BookingSpec {
  client: number;
  worker: number;
  category: M.Category;
  amount: number;
  /**
   * Parts the price is agreed in from the start (a plan proposed and accepted before any step), so that later
   * parts are paid for, or dropped (milestone.withdraw), while work goes on.
   */
  parts: number;
}

export const bookingSpecArb: fc.Arbitrary<BookingSpec> = fc.record({
  client: fc.nat({ max: 2 }),
  worker: fc.nat({ max: 2 }),
  category: fc.constantFrom<M.Category>('plumbing', 'delivery', 'photography', 'cleaning'),
  // Odd amounts too, so that the fee's rounding is exercised.
  amount: fc.oneof(fc.integer({ min: 500, max: 60_000 }), fc.constantFrom(12_345, 8000, 999, 1005)),
  parts: fc.oneof({ arbitrary: fc.constant(1), weight: 2 }, { arbitrary: fc.integer({ min: 2, max: 3 }), weight: 1 }),
});

/** What stays the same across runs: the database, the app over it, the demo rail, escrow's tasks. */
export interface Env {
  sql: Sql;
  t: TestApp;
  rail: DemoRail;
  tasks: ReturnType<typeof escrowTasks> & typeof disputeTasks;
  /** Moves the clock every part of the server reads (a faked Date in the model test). */
  setClock(ms: number): void;
}

export function createEnv(sql: Sql, setClock: (ms: number) => void): Env {
  // Far more commands per (frozen) minute than a person makes.
  const t = createTestApp(sql, { COMMAND_RATE_PER_MIN: '100000000' });
  if (t.deps.payments.name !== 'demo') throw new Error('the model test runs on the demo rail');
  return { sql, t, rail: t.deps.payments, tasks: { ...escrowTasks(t.deps.payments), ...disputeTasks }, setClock };
}

interface Sent {
  env: CommandEnvelope;
  actorId: string;
  outcome: CommandOutcome;
}

/** One run: its people, its bookings, the model, and what was sent. */
export interface Run extends Cast {
  env: Env;
  sent: Sent[];
  /** Raw bodies of the provider's events, as the provider sends them. */
  bodies: Map<string, string>;
  log: string[];
  steps: number;
  /** Races that found something to race. */
  races: number;
}

const silent = createLogger('silent');

/** The people of a run and its bookings, made through the real commands, with the model that matches them. */
export interface Cast {
  model: ModelState;
  clients: string[];
  workers: string[];
  admin: string;
  stranger: string;
}

/**
 * Three clients, three workers (onboarded for payouts by `onboard`: gig.accept wants that), an admin and a
 * stranger, and a booking per spec (a gig posted and accepted). Afterwards only the workers `paidOut` names
 * keep receiving transfers.
 */
export async function castRun(sql: Sql, start: number, specs: BookingSpec[], onboard: (workerId: string) => Promise<{ provider: string; accountId: string }>, paidOut: (index: number) => boolean): Promise<Cast> {
  const clients = await Promise.all([0, 1, 2].map(() => createUser(sql)));
  const workers: string[] = [];
  let model = M.emptyModel(start);
  for (let i = 0; i < 3; i++) {
    const w = await createOperator(sql, { skills: { plumbing: 3, delivery: 3, photography: 3, cleaning: 3 } });
    const { provider, accountId } = await onboard(w);
    await setPayoutAccount(sql, w, { accountId, provider, transfersActive: true });
    workers.push(w);
    model.workerActive[w] = true;
  }
  for (const spec of specs) {
    const gig = gigInput({ skills: { [spec.category]: 2 }, budget: { amount: spec.amount, currency: 'USD' } });
    const client = clients[spec.client]!;
    const worker = workers[spec.worker]!;
    applied(await runCommand(sql, client, 'gig.post', gig));
    const bookingId = uuidv7();
    applied(await runCommand(sql, worker, 'gig.accept', { gigId: gig.gigId, bookingId }));
    const [m] = await sql<{ id: string }[]>`select id from milestones where booking_id = ${bookingId}`;
    model = M.addBooking(model, { id: bookingId, client, worker, category: spec.category, amount: spec.amount, milestoneId: m!.id });
    if (spec.parts > 1) {
      // The gig's price in parts, the last taking what does not divide evenly: the worker proposes, the client accepts.
      const b = model.bookings.length - 1;
      const planId = uuidv7();
      const each = Math.floor(spec.amount / spec.parts);
      const parts = Array.from({ length: spec.parts }, (_, i) => ({ id: uuidv7(), amount: i === spec.parts - 1 ? spec.amount - each * i : each }));
      applied(await runCommand(sql, worker, 'milestone.propose', {
        bookingId, planId, milestones: parts.map((p, i) => ({ milestoneId: p.id, description: `Part ${i + 1}`, amount: { amount: p.amount, currency: 'USD' } })),
      }));
      applied(await runCommand(sql, client, 'milestone.accept', { bookingId, planId }));
      for (const next of [(s: ModelState) => M.propose(s, b, 'worker', planId, parts), (s: ModelState) => M.acceptPlan(s, b, 'client', planId)]) {
        const { state, outcome } = next(model);
        if (outcome.status !== 'applied') throw new Error(`the model refuses the plan for booking ${b}: ${JSON.stringify(outcome)}`);
        model = state;
      }
    }
  }
  // Onboarding revoked after the bookings were made: their released money waits.
  const stopped = workers.filter((_, i) => !paidOut(i));
  await sql`update payout_accounts set transfers_active = false where user_id = any(${stopped}::uuid[])`;
  for (const [i, w] of workers.entries()) model.workerActive[w] = paidOut(i);
  return { model, clients, workers, admin: await createUser(sql, ['consumer', 'admin']), stranger: await createUser(sql) };
}

export async function startRun(env: Env, start: number, specs: BookingSpec[]): Promise<Run> {
  env.setClock(start);
  const { rail } = env;
  // Connected accounts the rail knows, so that transfers really go out; the third worker's stop later.
  const cast = await castRun(env.sql, start, specs, async (w) => {
    const { id } = await rail.createConnectedAccount({ userId: w, country: 'US', idempotencyKey: `acct:${w}` });
    await rail.activateAccount(id);
    return { provider: 'demo', accountId: id };
  }, (i) => i !== 2);
  return { env, ...cast, sent: [], bodies: new Map(), log: [], steps: 0, races: 0 };
}

// ---- Choosing what a step acts on -----------------------------------------------------------------------------

const pick = <T>(list: readonly T[], k: number): T | undefined => (list.length ? list[k % list.length] : undefined);

export function chooseMilestone(model: ModelState, k: number, aim: boolean, wanted: readonly M.MStatus[]): M.MMilestone | undefined {
  const all = Object.values(model.milestones);
  const preferred = all.filter((m) => wanted.includes(m.status));
  return pick(aim && preferred.length ? preferred : all, k);
}

function chooseBooking(model: ModelState, b: number, aim: boolean, wanted: readonly M.BStatus[]): number {
  const all = model.bookings.map((_, i) => i);
  const preferred = all.filter((i) => wanted.includes(model.bookings[i]!.status));
  return pick(aim && preferred.length ? preferred : all, b)!;
}

/** The user who acts as `a` on a booking. */
export function userOf(model: ModelState, people: { admin: string; stranger: string }, bookingIndex: number, a: Actor): string {
  const b = model.bookings[bookingIndex]!;
  return a === 'client' ? b.client : a === 'worker' ? b.worker : a === 'admin' ? people.admin : people.stranger;
}

const resolve = (w: Who, right: Actor): Actor => (w === 'right' ? right : w);

// ---- Sending commands ---------------------------------------------------------------------------------------

/** An access token for one of the cast, with the roles castRun gave them. */
export async function bearer(sql: Sql, secret: string, cast: Pick<Cast, 'admin' | 'workers'>, userId: string): Promise<string> {
  const roles = userId === cast.admin ? ['consumer', 'admin'] : cast.workers.includes(userId) ? ['consumer', 'operator'] : ['consumer'];
  return `Bearer ${await signAccessToken(secret, { id: userId, roles, sessionId: await openSession(sql, userId) }, 3600)}`;
}

async function post(r: Run, path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return r.env.t.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function sendOnce(r: Run, userId: string, env: CommandEnvelope, http: boolean): Promise<CommandOutcome> {
  if (!http) return applyCommand(r.env.sql, userId, env);
  const res = await post(r, '/commands', { commands: [env] }, { authorization: await bearer(r.env.t.deps.sql, r.env.t.deps.secret, r, userId) });
  if (res.status !== 200) throw new Error(`POST /commands answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { results: CommandOutcome[] }).results[0]!;
}

export class Mismatch extends Error {
  override name = 'Mismatch';
}
const fail = (what: string): never => {
  throw new Mismatch(what);
};

function sameOutcome(expected: Outcome, got: CommandOutcome, what: string): void {
  const code = got.status === 'rejected' ? got.rejection?.code : undefined;
  const want = expected.status === 'rejected' ? expected.code : undefined;
  if (got.status !== expected.status || code !== want)
    fail(`${what}: expected ${expected.status}${want ? ` (${want})` : ''}, got ${got.status}${code ? ` (${code}: ${got.rejection?.message})` : ''}`);
}

/**
 * Sends one command (`copies` times at once when asked) and checks the answers: the model's outcome, the same
 * answer to every copy, exactly one of them the first (not a replay).
 */
async function command(r: Run, userId: string, type: string, payload: unknown, expected: { state: ModelState; outcome: Outcome }, opts: { http: boolean; copies: number }): Promise<void> {
  const env = { id: uuidv7(), type, payload, issuedAt: new Date(r.model.now).toISOString() } as CommandEnvelope;
  const outcomes = await Promise.all(Array.from({ length: opts.copies }, () => sendOnce(r, userId, env, opts.http)));
  const what = `${type} ${JSON.stringify(payload)}`;
  for (const o of outcomes) sameOutcome(expected.outcome, o, what);
  const firsts = outcomes.filter((o) => !o.replayed).length;
  if (firsts !== 1) fail(`${what}: ${opts.copies} concurrent deliveries gave ${firsts} first answers (want exactly 1)`);
  r.sent.push({ env, actorId: userId, outcome: outcomes.find((o) => !o.replayed)! });
  r.model = expected.state;
  r.log.push(`  → ${expected.outcome.status}${expected.outcome.status === 'rejected' ? ` ${expected.outcome.code}` : ''}${opts.copies > 1 ? ` ×${opts.copies}` : ''}${opts.http ? ' (http)' : ''}`);
}

const REASON = 'The tap still drips';

export type CommandStep = Extract<Step, { t: 'milestone' | 'booking' | 'withdraw' | 'propose' | 'accept' | `dispute_${string}` }>;

export interface PlannedCommand {
  /** Empty when there is nothing to act on (no plan to accept yet). */
  type: string;
  userId: string;
  payload: Record<string, unknown>;
  /** What must come of it from a given state (a race tries both orders). */
  predict(s: ModelState): { state: ModelState; outcome: Outcome };
  expected: { state: ModelState; outcome: Outcome };
  /** What the step does, for the run's log. */
  note: string;
}

/** Resolves a command step against the model: who sends which command about what, and what must come of it. */
export function planCommand(model: ModelState, people: { admin: string; stranger: string }, step: CommandStep): PlannedCommand {
  const p = plan(model, people, step);
  return { ...p, expected: p.predict(model) };
}

function plan(model: ModelState, people: { admin: string; stranger: string }, step: CommandStep): Omit<PlannedCommand, 'expected'> {
  const user = (bookingIndex: number, a: Actor) => userOf(model, people, bookingIndex, a);
  const invalid = (s: ModelState) => ({ state: s, outcome: { status: 'rejected', code: 'invalid_command' } as Outcome });
  switch (step.t) {
    case 'milestone': {
      const wanted: Record<M.MilestoneOp, M.MStatus[]> = { fund: ['agreed'], submit: ['funded', 'changes_requested'], approve: ['submitted'], request_changes: ['submitted'] };
      const m = chooseMilestone(model, step.k, step.aim, wanted[step.op])!;
      const actor = resolve(step.who, step.op === 'submit' ? 'worker' : 'client');
      const reason = step.op === 'request_changes' ? (step.blank ? '   ' : REASON) : undefined;
      return {
        type: `milestone.${step.op}`, userId: user(m.booking, actor), payload: { milestoneId: m.id, ...(reason !== undefined ? { reason } : {}) },
        predict: (s) => (step.op === 'request_changes' && step.blank ? invalid(s) : M.milestoneCommand(s, step.op, m.id, actor, reason)),
        note: `${step.op} ${m.id.slice(-6)} (${m.status}, booking ${m.booking} ${model.bookings[m.booking]!.status}: ${M.milestonesOf(model, model.bookings[m.booking]!).map((x) => x.status).join(' ')}) by ${actor}`,
      };
    }
    case 'booking': {
      const wanted: Record<M.BookingOp, M.BStatus[]> = {
        start: ['funded'], deliver: ['in_progress', 'changes_requested'], approve: ['delivered'], request_changes: ['delivered'], cancel: ['awaiting_payment', 'funded'],
        give_back: ['in_progress', 'delivered', 'changes_requested'],
      };
      const b = chooseBooking(model, step.b, step.aim, wanted[step.op]);
      const actor = resolve(step.who, step.op === 'start' || step.op === 'deliver' || step.op === 'give_back' ? 'worker' : 'client');
      const reason =
        step.op === 'request_changes' ? (step.blank ? '   ' : REASON)
        : step.op === 'cancel' ? (step.blank ? '   ' : 'Plans changed')
        : step.op === 'give_back' ? (step.blank ? '   ' : 'Cannot finish the job')
        : undefined;
      // A reason the schema requires, left blank, is refused before anything is looked at.
      const schemaRefuses = step.blank && (step.op === 'request_changes' || step.op === 'give_back');
      // A give-back carries what the worker saw held; now and then one that is out of date (it waited offline).
      const held = step.op === 'give_back' ? M.heldNow(model, model.bookings[b]!) + (step.b % 7 === 0 ? 100 : 0) : undefined;
      return {
        type: `booking.${step.op}`, userId: user(b, actor),
        payload: { bookingId: model.bookings[b]!.id, ...(reason !== undefined ? { reason } : {}), ...(held !== undefined ? { held } : {}) },
        predict: (s) => (schemaRefuses ? invalid(s) : M.bookingCommand(s, step.op, b, actor, reason, held)),
        note: `${step.op} booking ${b} (${model.bookings[b]!.status}) by ${actor}`,
      };
    }
    case 'withdraw': {
      // Aimed: a part not paid for while its booking's work goes on or, now and then (other), another part of such a
      // booking (paid for, settled, only proposed), which may not be dropped; failing those, any part not paid for.
      const all = Object.values(model.milestones);
      const unpaid = all.filter((m) => M.UNPAID.includes(m.status));
      const wanted = all.filter((m) => M.WORK_UNDER_WAY.includes(model.bookings[m.booking]!.status) && M.UNPAID.includes(m.status) !== step.other);
      const m = pick(step.aim ? [wanted, unpaid, all].find((l) => l.length)! : all, step.k)!;
      const actor = resolve(step.who, step.side);
      const reason = step.reason ? 'Not paid after two weeks' : undefined;
      const b = model.bookings[m.booking]!;
      return {
        type: 'milestone.withdraw', userId: user(m.booking, actor), payload: { milestoneId: m.id, ...(reason !== undefined ? { reason } : {}) },
        predict: (s) => M.withdraw(s, m.id, actor, reason),
        note: `withdraw ${m.id.slice(-6)} (${m.status} ${m.amount}, booking ${m.booking} ${b.status} ${b.amount}: ${M.milestonesOf(model, b).map((x) => x.status).join(' ')}) by ${actor}`,
      };
    }
    case 'propose': {
      const b = chooseBooking(model, step.b, step.aim, ['awaiting_payment', 'funded', 'in_progress']);
      const actor = resolve(step.who, step.side);
      const planId = uuidv7();
      const plan = step.amounts.map((amount) => ({ id: uuidv7(), amount }));
      const currency = step.eur ? 'EUR' : 'USD';
      return {
        type: 'milestone.propose', userId: user(b, actor),
        payload: { bookingId: model.bookings[b]!.id, planId, milestones: plan.map((p, i) => ({ milestoneId: p.id, description: `Part ${i + 1}`, amount: { amount: p.amount, currency } })) },
        predict: (s) => M.propose(s, b, actor, planId, plan, currency),
        note: `propose ${plan.map((p) => p.amount).join('+')} ${currency} on booking ${b} (${model.bookings[b]!.status}) by ${actor}`,
      };
    }
    case 'dispute_open': {
      const m = chooseMilestone(model, step.k, step.aim, ['funded', 'submitted', 'changes_requested'])!;
      const actor = resolve(step.who, step.side);
      const claim = { all: m.amount, none: 0, part: Math.max(1, Math.floor((m.amount * step.part) / 100)), over: m.amount + 1 }[step.claim];
      const disputeId = uuidv7();
      return {
        type: 'dispute.open', userId: user(m.booking, actor), payload: { disputeId, milestoneId: m.id, reason: 'Not what was agreed', refundAmount: claim },
        predict: (s) => M.openDispute(s, m.id, actor, disputeId, claim),
        note: `dispute ${m.id.slice(-6)} (${m.status}) by ${actor} claiming ${claim} of ${m.amount}`,
      };
    }
    case 'dispute_evidence':
    case 'dispute_accept':
    case 'dispute_resolve': {
      const all = Object.values(model.disputes);
      const open = all.filter((d) => d.status === 'open');
      const d = (step.aim && open.length ? open : all)[step.d % Math.max(1, (step.aim && open.length ? open : all).length)];
      if (!d) return { type: '', userId: '', payload: {}, predict: (s) => ({ state: s, outcome: { status: 'applied' } }), note: 'no dispute yet' };
      const other = d.openedBy === 'client' ? 'worker' : 'client';
      const bookingIndex = model.milestones[d.milestoneId]!.booking;
      const about = `dispute ${d.id.slice(-6)} (${d.status}, ${d.openedBy} claims ${d.claim} of ${d.amount})`;
      if (step.t === 'dispute_evidence') {
        const actor = step.who === 'opener' ? d.openedBy : resolve(step.who, other);
        return {
          type: 'dispute.add_evidence', userId: user(bookingIndex, actor),
          payload: { evidenceId: uuidv7(), disputeId: d.id, text: 'Photos of the work as it was left', messageIds: [], attachmentIds: [] },
          predict: (s) => M.addEvidence(s, d.id, actor), note: `evidence on ${about} by ${actor}`,
        };
      }
      if (step.t === 'dispute_accept') {
        const actor = resolve(step.who, other);
        return { type: 'dispute.accept', userId: user(bookingIndex, actor), payload: { disputeId: d.id }, predict: (s) => M.acceptDispute(s, d.id, actor), note: `accept ${about} by ${actor}` };
      }
      const actor = resolve(step.who, 'admin');
      const refund = step.whole ? d.amount : Math.max(1, Math.floor((d.amount * step.part) / 100));
      return {
        type: 'dispute.resolve', userId: user(bookingIndex, actor),
        payload: { disputeId: d.id, outcome: step.outcome, reason: 'Decided on the evidence', ...(step.outcome === 'split' ? { refundAmount: refund } : {}) },
        predict: (s) => M.resolveDispute(s, d.id, actor, step.outcome, refund),
        note: `resolve ${about} by ${actor}: ${step.outcome}${step.outcome === 'split' ? ` refunding ${refund}` : ''}`,
      };
    }
    case 'accept': {
      const all = model.bookings.map((_, i) => i);
      const open = (i: number) => M.milestonesOf(model, model.bookings[i]!).filter((m) => m.status === 'proposed');
      const b = step.b % all.length;
      const target = step.aim ? (all.find((i) => i >= b && open(i).length) ?? all.find((i) => open(i).length) ?? b) : b;
      const proposal = open(target)[0] ?? M.milestonesOf(model, model.bookings[target]!).find((m) => m.planId);
      if (!proposal) return { type: '', userId: '', payload: {}, predict: (s) => ({ state: s, outcome: { status: 'applied' } }), note: 'no plan to accept' };
      const actor = resolve(step.who, proposal.proposedBy === 'client' ? 'worker' : 'client');
      return {
        // Named by its id, as an API client would, or by one of its parts, as a device does.
        type: 'milestone.accept', userId: user(target, actor),
        payload: { bookingId: model.bookings[target]!.id, ...(step.b % 2 === 0 ? { planId: proposal.planId } : { milestoneId: proposal.id }) },
        predict: (s) => M.acceptPlan(s, target, actor, proposal.planId!),
        note: `accept plan ${proposal.planId!.slice(-6)} on booking ${target} by ${actor}`,
      };
    }
  }
}

// ---- Steps --------------------------------------------------------------------------------------------------

export async function runStep(r: Run, step: Step): Promise<void> {
  r.steps++;
  r.log.push(`${r.steps}. ${JSON.stringify(step)}`);
  const { model } = r;
  switch (step.t) {
    case 'milestone':
    case 'booking':
    case 'withdraw':
    case 'propose':
    case 'accept':
    case 'dispute_open':
    case 'dispute_evidence':
    case 'dispute_accept':
    case 'dispute_resolve': {
      const planned = planCommand(model, r, step);
      r.log.push(`  ${planned.note}`);
      if (!planned.type) return;
      const opts = step.t === 'milestone' || step.t === 'booking' || step.t === 'withdraw' ? step : { http: false, copies: 1 };
      return command(r, planned.userId, planned.type, planned.payload, planned.expected, opts);
    }
    case 'checkout':
      return checkoutStep(r, step);
    case 'pay':
      return payStep(r, step);
    case 'stray_payment':
      return strayPayment(r, step);
    case 'webhook':
      return webhookStep(r, step);
    case 'rail_delivery':
      return railDelivery(r, step);
    case 'tick':
      r.model = M.tick(model, step.ms);
      r.env.setClock(r.model.now);
      return;
    case 'job': {
      const job = pick(M.dueJobs(model), step.j);
      if (!job) return void r.log.push('  nothing due');
      return runQueuedJob(r, job);
    }
    case 'stray_task': {
      const m = pick(Object.values(model.milestones), step.k)!;
      r.log.push(`  ${step.task} for ${m.id.slice(-6)} (${m.status}) outside the queue`);
      const ctx = taskContext(r, `stray-${uuidv7()}`, null);
      if (step.task === 'escrow.transfer') await r.env.tasks[step.task].run({ milestoneId: m.id }, ctx);
      else {
        // A refund's job names the refund owed; a milestone that owes none has no job to run.
        const [owed] = await r.env.sql<{ id: string }[]>`select id from client_refunds where cause = ${`settle:${m.id}`}`;
        if (owed) await r.env.tasks[step.task].run({ refundId: owed.id }, ctx);
      }
      r.model = M.runTask(model, step.task, m.id, false);
      return;
    }
    case 'sweep':
      r.log.push('  sweep the clocks');
      await r.env.tasks['escrow.sweep'].run({}, taskContext(r, `sweep-${uuidv7()}`, null));
      r.model = M.sweep(model);
      return;
    case 'payout_run':
      await r.env.tasks['escrow.payout_run'].run({}, taskContext(r, `payout-${uuidv7()}`, null));
      r.model = M.payoutRun(model);
      return;
    case 'replay':
      return replay(r, step);
    case 'race':
      return race(r, step);
  }
}

async function checkoutStep(r: Run, step: Extract<Step, { t: 'checkout' }>): Promise<void> {
  // A client comes back to a checkout still open as often as they start one.
  const m = chooseMilestone(r.model, step.k, step.aim, ['agreed', 'payment_pending'])!;
  const actor = resolve(step.who, 'client');
  const expected = M.checkout(r.model, m.id, actor);
  r.log.push(`  checkout ${m.id.slice(-6)} (${m.status}) by ${actor}`);
  const commandId = uuidv7();
  const userId = userOf(r.model, r, m.booking, actor);
  const res = await post(r, '/pay/checkout', { milestoneId: m.id, commandId }, { authorization: await bearer(r.env.t.deps.sql, r.env.t.deps.secret, r, userId) });
  if (res.status !== (expected.ok ? 200 : 409)) fail(`POST /pay/checkout for ${m.id} by ${actor}: expected ${expected.ok ? 200 : 409}, got ${res.status} ${await res.text()}`);
  const [stored] = await r.env.sql<{ status: string; rejectionCode: string | null }[]>`select status, rejection_code from commands where id = ${commandId}`;
  const env = { id: commandId, type: 'milestone.fund', payload: { milestoneId: m.id }, issuedAt: new Date(r.model.now).toISOString() } as CommandEnvelope;
  const outcome: CommandOutcome = stored!.status === 'applied'
    ? { id: commandId, type: env.type, status: 'applied', replayed: false }
    : { id: commandId, type: env.type, status: 'rejected', rejection: { code: stored!.rejectionCode as never, message: '' }, replayed: false };
  sameOutcome(expected.fund, outcome, `milestone.fund through /pay/checkout for ${m.id} by ${actor}`);
  r.sent.push({ env, actorId: userId, outcome });
  r.model = expected.state;
  if (expected.opens) {
    const [row] = await r.env.sql<{ checkoutSessionId: string | null }[]>`select checkout_session_id from milestones where id = ${m.id}`;
    const known = Object.keys(r.model.sessions);
    const id = row?.checkoutSessionId;
    if (!id || known.includes(id)) fail(`POST /pay/checkout for ${m.id} should have opened a new checkout session, found ${id}`);
    const session = await r.env.rail.checkout(id!);
    r.model = M.addSession(r.model, { id: id!, milestoneId: m.id, amount: session!.amount, expiresAt: session!.expiresAt.getTime() }, true);
    if (session!.amount !== m.amount) fail(`checkout session ${id} is for ${session!.amount}, the milestone is ${m.amount}`);
  }
  r.log.push(`  → ${res.status}, fund ${expected.fund.status}${expected.opens ? ', new session' : ''}`);
}

/** Takes the events the provider queued for a session into the model, with their raw bodies. */
async function providerEvents(r: Run, sessionId: string): Promise<{ id: string; type: string }[]> {
  const rows = await r.env.sql<{ id: string; data: Record<string, unknown> }[]>`
    select id, data from demo_rail_objects where parent_id = ${sessionId} and kind = 'event'
    -- In the order the rail made them (one transaction: payment_intent.succeeded first), not by their random ids,
    -- so that a seed replays the same run.
    order by created_at, data->>'type' = 'checkout.session.completed', id`;
  for (const row of rows) r.bodies.set(row.id, JSON.stringify(row.data, null, 2));
  return rows.map((row) => ({ id: row.id, type: row.data.type as string }));
}

async function payStep(r: Run, step: Extract<Step, { t: 'pay' }>): Promise<void> {
  const withSessions = (m: M.MMilestone) => Object.values(r.model.sessions).filter((s) => s.milestoneId === m.id);
  const candidates = Object.values(r.model.milestones).filter((m) => withSessions(m).some((s) => !s.paid));
  const m = pick(candidates.length ? candidates : Object.values(r.model.milestones).filter((x) => withSessions(x).length), step.k);
  if (!m) return void r.log.push('  no checkout to pay');
  const session = pick(withSessions(m), step.s)!;
  const expected = M.payOutcome(r.model, session.id);
  const got = await r.env.rail.pay(session.id);
  r.log.push(`  pay session ${session.id.slice(-6)} of ${m.id.slice(-6)} (${m.status}) → ${got.outcome}`);
  if (got.outcome !== expected) fail(`paying session ${session.id}: expected ${expected}, got ${got.outcome}`);
  if (got.outcome === 'paid')
    r.model = M.addPayment(r.model, { id: got.checkout!.paymentIntentId!, sessionId: session.id, milestoneId: m.id, amount: session.amount, events: await providerEvents(r, session.id) });
}

/** A payment our checkout did not ask for: a second one for the same milestone, or one for another amount. */
async function strayPayment(r: Run, step: Extract<Step, { t: 'stray_payment' }>): Promise<void> {
  // Mostly for milestones not yet settled, where a payment could still be taken (or must be turned away).
  const m = chooseMilestone(r.model, step.k, step.k % 4 !== 0, ['proposed', 'agreed', 'payment_pending', 'funded', 'submitted', 'disputed'])!;
  const b = r.model.bookings[m.booking]!;
  const amount = m.amount + step.delta;
  const session = await r.env.rail.createCheckout({
    milestoneId: m.id, bookingId: b.id, clientId: b.client, amount, currency: 'USD', description: 'Stray payment',
    successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/cancel', expiresAt: new Date(r.model.now + HOUR), idempotencyKey: `stray:${uuidv7()}`,
  });
  const checkout = await r.env.rail.checkout(session.id);
  r.model = M.addSession(r.model, { id: session.id, milestoneId: m.id, amount, expiresAt: checkout!.expiresAt.getTime() });
  const got = await r.env.rail.pay(session.id);
  if (got.outcome !== 'paid') fail(`a fresh stray session ${session.id} could not be paid: ${got.outcome}`);
  r.model = M.addPayment(r.model, { id: got.checkout!.paymentIntentId!, sessionId: session.id, milestoneId: m.id, amount, events: await providerEvents(r, session.id) });
  r.log.push(`  stray payment of ${amount} for ${m.id.slice(-6)} (${m.status}, ${m.amount})`);
}

interface WebhookAnswer {
  duplicate: boolean;
  outcome: string;
}

async function deliver(r: Run, eventId: string, http: boolean, forged: 'no' | 'secret' | 'stale' = 'no'): Promise<WebhookAnswer | 'refused'> {
  const raw = r.bodies.get(eventId)!;
  const secret = forged === 'secret' ? `whsec_${'0'.repeat(32)}` : r.env.rail.webhookSecret;
  const signature = signPayload(raw, secret, forged === 'stale' ? Math.floor(r.model.now / 1000) - 600 : undefined);
  if (http) {
    const res = await post(r, '/pay/webhook', raw, { 'stripe-signature': signature });
    if (res.status === 400) return 'refused';
    if (res.status !== 200) fail(`POST /pay/webhook answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as WebhookAnswer;
  }
  try {
    return await handleWebhook({ sql: r.env.sql, log: silent }, r.env.rail, raw, signature);
  } catch (e) {
    if (e instanceof WebhookSignatureError) return 'refused';
    throw e;
  }
}

async function webhookStep(r: Run, step: Extract<Step, { t: 'webhook' }>): Promise<void> {
  const fresh = r.model.events.filter((e) => e.outcome === null);
  const e = pick(step.fresh && fresh.length ? fresh : r.model.events, step.e);
  if (!e) return void r.log.push('  no events yet');
  const p = r.model.payments[e.paymentId]!;
  const m = r.model.milestones[p.milestoneId]!;
  r.log.push(`  ${e.type} ${e.id.slice(-6)} (${p.amount} for ${m.id.slice(-6)}, ${m.status})${step.forged !== 'no' ? ` forged: ${step.forged}` : ''}`);
  if (step.forged !== 'no') {
    const got = await deliver(r, e.id, step.http, step.forged);
    if (got !== 'refused') fail(`a webhook signed ${step.forged === 'secret' ? 'with another secret' : '10 minutes ago'} was accepted: ${JSON.stringify(got)}`);
    return;
  }
  const expected = M.deliverEvent(r.model, e.id);
  const answers = await Promise.all(Array.from({ length: step.copies }, () => deliver(r, e.id, step.http)));
  // Copies delivered at once: the effect is once (the model's postings say so after the step), the copy
  // that acted recorded the event with its effect, and that record answers for every copy.
  const [row] = await r.env.sql<{ outcome: string }[]>`select outcome from payment_events where id = ${e.id}`;
  const recorded = row?.outcome;
  if (recorded !== expected.outcome) fail(`delivery of ${e.type} ${e.id}: expected ${expected.outcome} recorded, found ${recorded}`);
  for (const a of answers) {
    if (a === 'refused') return fail(`a correctly signed delivery of ${e.id} was refused`);
    if (a.outcome !== recorded) fail(`delivery of ${e.type} ${e.id}: every copy answers with the recorded ${recorded}, got ${JSON.stringify(a)}`);
  }
  // Exactly one copy of a new event records it; every other copy, and any copy of an old one, is a duplicate.
  const acted = answers.filter((a) => !(a as WebhookAnswer).duplicate).length;
  if (acted !== (expected.duplicate ? 0 : 1))
    fail(`delivery of ${e.id} ×${step.copies}: ${acted} copies recorded it, expected ${expected.duplicate ? 0 : 1}: ${JSON.stringify(answers)}`);
  r.model = expected.state;
  r.log.push(`  → ${answers.map((a) => JSON.stringify(a)).join(' ')}`);
}

/** The rail's own delivery of what it still owes for a session, in order, into the same handler. */
async function railDelivery(r: Run, step: Extract<Step, { t: 'rail_delivery' }>): Promise<void> {
  const paid = Object.values(r.model.sessions).filter((s) => s.paid);
  const session = pick(paid, step.k);
  if (!session) return void r.log.push('  no paid session');
  const answers: WebhookAnswer[] = [];
  const { delivered, failure } = await r.env.rail.deliverPending(session.id, async (raw, signature) => {
    answers.push(await handleWebhook({ sql: r.env.sql, log: silent }, r.env.rail, raw, signature));
  });
  if (failure) throw failure.error;
  r.log.push(`  rail delivers ${delivered.length} owed for session ${session.id.slice(-6)}`);
  for (const [i, id] of delivered.entries()) {
    const expected = M.deliverEvent(r.model, id);
    const a = answers[i]!;
    if (a.outcome !== expected.outcome || a.duplicate !== expected.duplicate) fail(`rail delivery of ${id}: expected ${JSON.stringify(expected.outcome)}/${expected.duplicate}, got ${JSON.stringify(a)}`);
    r.model = expected.state;
  }
}

function taskContext(r: Run, jobId: string, key: string | null): TaskContext {
  return { sql: r.env.sql, log: silent, jobId, key, attempt: 1, maxAttempts: 25, signal: undefined };
}

/** Runs a due job as a graphile-worker runner would: locked while its task runs, then completed (deleted). */
async function runQueuedJob(r: Run, job: M.MJob): Promise<void> {
  const { sql } = r.env;
  const [row] = await sql<{ id: string; taskIdentifier: string; payload: unknown; runAt: Date }[]>`
    select j.id, t.identifier as task_identifier, j.payload, j.run_at
    from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where j.key = ${job.key}`;
  if (!row) return fail(`job ${job.key} is due in the model but not queued`);
  if (row.runAt.getTime() !== job.runAt) fail(`job ${job.key} runs at ${row.runAt.toISOString()}, the model says ${new Date(job.runAt).toISOString()}`);
  r.log.push(`  run ${job.key.replace(/:([^:]{6})[^:]*$/, ':…$1')}`);
  await sql`update graphile_worker._private_jobs set locked_at = now(), locked_by = 'escrow-model' where id = ${row.id}`;
  const task = r.env.tasks[row.taskIdentifier as M.Task];
  await task.run(task.payload.parse(row.payload) as never, taskContext(r, row.id, job.key));
  await sql`delete from graphile_worker._private_jobs where id = ${row.id}`;
  r.model = M.runTask(r.model, job.task as M.Task, job.key.slice(job.task.length + 1), true);
}

/** An earlier command again: the stored answer and no second effect; the same id with another payload: id_reused. */
async function replay(r: Run, step: Extract<Step, { t: 'replay' }>): Promise<void> {
  const earlier = pick(r.sent, step.c);
  if (!earlier) return void r.log.push('  nothing sent yet');
  const env = step.reuse ? { ...earlier.env, payload: { ...(earlier.env.payload as object), extra: 1 } } : earlier.env;
  r.log.push(`  ${step.reuse ? 'reuse id of' : 'replay'} ${earlier.env.type} ${earlier.env.id.slice(-6)} (${earlier.outcome.status})`);
  const got = await applyCommand(r.env.sql, earlier.actorId, env);
  if (step.reuse) {
    if (got.status !== 'rejected' || got.rejection?.code !== 'id_reused') fail(`reusing id ${env.id} with another payload: ${JSON.stringify(got)}`);
    return;
  }
  if (!got.replayed || got.status !== earlier.outcome.status || got.rejection?.code !== earlier.outcome.rejection?.code)
    fail(`replay of ${env.id}: expected the stored ${earlier.outcome.status}${earlier.outcome.rejection ? ` (${earlier.outcome.rejection.code})` : ''}, got ${JSON.stringify(got)}`);
}

/** Runs every due refund and transfer (after a payout run), so that the provider has caught up with the ledger. */
export async function settleWithProvider(r: Run): Promise<void> {
  await runStep(r, { t: 'payout_run' });
  for (let due = M.dueJobs(r.model); due.length; due = M.dueJobs(r.model)) await runQueuedJob(r, due[0]!);
  // The provider's fees on the payments (none on the demo rail, so nothing the model holds moves): the sweep
  // every ten minutes would have found each within its window; the model's clock jumps days at a time.
  while ((await sweepPaymentFees(r.env.sql, r.env.rail, silent, { since: new Date(0) })).recorded > 0);
}

// ---- Races ------------------------------------------------------------------------------------------------

/** One side of a race: how to run it, what the model says it gives from a state, and whether an answer fits. */
interface Racer {
  note: string;
  run(): Promise<unknown>;
  predict(s: ModelState): { state: ModelState; outcome: unknown };
  fits(actual: unknown, predicted: unknown): boolean;
  /** Afterwards, with the answer it got (a command is remembered for replays). */
  done?(actual: unknown): void;
}

function commandRacer(r: Run, userId: string, type: string, payload: Record<string, unknown>, predict: Racer['predict'], note: string): Racer {
  const env = { id: uuidv7(), type, payload, issuedAt: new Date(r.model.now).toISOString() } as CommandEnvelope;
  return {
    note: `${note} (${type})`,
    run: () => applyCommand(r.env.sql, userId, env),
    predict,
    fits: (a, p) => {
      const got = a as CommandOutcome;
      const want = p as Outcome;
      return got.status === want.status && (got.status === 'applied' || got.rejection?.code === (want as { code: string }).code);
    },
    done: (a) => void r.sent.push({ env, actorId: userId, outcome: a as CommandOutcome }),
  };
}

/** A provider event delivered as one side of a race. */
function deliveryRacer(r: Run, e: M.MEventRecord, note: string): Racer {
  return {
    note,
    run: () => deliver(r, e.id, false),
    predict: (s) => {
      const d = M.deliverEvent(s, e.id);
      return { state: d.state, outcome: { duplicate: d.duplicate, outcome: d.outcome } };
    },
    fits: (a, p) => JSON.stringify({ duplicate: (a as WebhookAnswer).duplicate, outcome: (a as WebhookAnswer).outcome }) === JSON.stringify(p),
  };
}

function racersFor(r: Run, pair: RacePair, k: number): [Racer, Racer] | string {
  const { model } = r;
  const milestones = (states: M.MStatus[]) => Object.values(model.milestones).filter((m) => states.includes(m.status));
  const people = (m: M.MMilestone) => model.bookings[m.booking]!;
  const droppable = (m: M.MMilestone) => M.UNPAID.includes(m.status) && M.WORK_UNDER_WAY.includes(people(m).status);
  switch (pair) {
    case 'approve/changes':
    case 'approve/dispute': {
      const m = pick(milestones(['submitted']), k);
      if (!m) return 'nothing submitted';
      const approve = commandRacer(r, people(m).client, 'milestone.approve', { milestoneId: m.id }, (s) => M.milestoneCommand(s, 'approve', m.id, 'client'), `client approves ${m.id.slice(-6)}`);
      if (pair === 'approve/changes')
        return [approve, commandRacer(r, people(m).client, 'milestone.request_changes', { milestoneId: m.id, reason: REASON }, (s) => M.milestoneCommand(s, 'request_changes', m.id, 'client', REASON), 'and asks for changes')];
      const disputeId = uuidv7();
      const claim = Math.max(1, Math.floor(m.amount / 3));
      return [approve, commandRacer(r, people(m).worker, 'dispute.open', { disputeId, milestoneId: m.id, reason: 'Not what was agreed', refundAmount: claim }, (s) => M.openDispute(s, m.id, 'worker', disputeId, claim), 'the worker disputes')];
    }
    case 'approve/give_back': {
      // The client approves work handed in while its worker stops and gives back what is held: one of them, whole.
      const m = pick(milestones(['submitted']).filter((x) => M.WORK_UNDER_WAY.includes(people(x).status)), k);
      if (!m) return 'nothing submitted while work goes on';
      const b = m.booking;
      const why = 'Cannot finish the job';
      // What the worker saw held as they confirmed: if the approval lands first, it is no longer.
      const held = M.heldNow(model, people(m));
      return [
        commandRacer(r, people(m).client, 'milestone.approve', { milestoneId: m.id }, (s) => M.milestoneCommand(s, 'approve', m.id, 'client'), `client approves ${m.id.slice(-6)}`),
        commandRacer(r, people(m).worker, 'booking.give_back', { bookingId: model.bookings[b]!.id, reason: why, held }, (s) => M.bookingCommand(s, 'give_back', b, 'worker', why, held), `while the worker gives booking ${b} back`),
      ];
    }
    case 'cancel/payment': {
      const e = pick(model.events.filter((x) => x.outcome === null), k);
      if (!e) return 'no event owed';
      const m = model.milestones[model.payments[e.paymentId]!.milestoneId]!;
      const b = m.booking;
      return [
        commandRacer(r, people(m).client, 'booking.cancel', { bookingId: model.bookings[b]!.id, reason: 'Plans changed' }, (s) => M.bookingCommand(s, 'cancel', b, 'client', 'Plans changed'), `client cancels booking ${b}`),
        deliveryRacer(r, e, `while ${e.type} ${e.id.slice(-6)} for ${m.id.slice(-6)} arrives`),
      ];
    }
    case 'withdraw/payment': {
      // A payment for a part not yet paid for arrives while one side drops that part (work under way).
      const e = pick(model.events.filter((x) => x.outcome === null && droppable(model.milestones[model.payments[x.paymentId]!.milestoneId]!)), k);
      if (!e) return 'no event owed for a part that could be dropped';
      const m = model.milestones[model.payments[e.paymentId]!.milestoneId]!;
      const side = k % 2 === 0 ? 'worker' : 'client';
      return [
        commandRacer(r, people(m)[side], 'milestone.withdraw', { milestoneId: m.id, reason: 'Not paid after two weeks' }, (s) => M.withdraw(s, m.id, side, 'Not paid after two weeks'), `the ${side} drops ${m.id.slice(-6)}`),
        deliveryRacer(r, e, `while ${e.type} ${e.id.slice(-6)} for it arrives`),
      ];
    }
    case 'start/cancel': {
      const b = pick(model.bookings.map((_, i) => i).filter((i) => model.bookings[i]!.status === 'funded'), k);
      if (b === undefined) return 'no funded booking';
      const bookingId = model.bookings[b]!.id;
      return [
        commandRacer(r, model.bookings[b]!.worker, 'booking.start', { bookingId }, (s) => M.bookingCommand(s, 'start', b, 'worker'), `worker starts booking ${b}`),
        commandRacer(r, model.bookings[b]!.client, 'booking.cancel', { bookingId, reason: 'Plans changed' }, (s) => M.bookingCommand(s, 'cancel', b, 'client', 'Plans changed'), 'client cancels it'),
      ];
    }
    case 'fund/replace': {
      const m = pick(milestones(['agreed']), k);
      const open = m && M.milestonesOf(model, people(m)).find((x) => x.status === 'proposed');
      if (!m || !open) return 'no agreed milestone with a plan waiting';
      const side = open.proposedBy === 'client' ? 'worker' : 'client';
      const b = m.booking;
      return [
        commandRacer(r, people(m).client, 'milestone.fund', { milestoneId: m.id }, (s) => M.milestoneCommand(s, 'fund', m.id, 'client'), `client funds ${m.id.slice(-6)}`),
        commandRacer(r, people(m)[side], 'milestone.accept', { bookingId: model.bookings[b]!.id, planId: open.planId }, (s) => M.acceptPlan(s, b, side, open.planId!), `the ${side} accepts the plan replacing it`),
      ];
    }
    case 'accept/resolve':
    case 'evidence/accept': {
      const d = pick(Object.values(model.disputes).filter((x) => x.status === 'open'), k);
      if (!d) return 'no open dispute';
      const m = model.milestones[d.milestoneId]!;
      const other = d.openedBy === 'client' ? 'worker' : 'client';
      const accept = commandRacer(r, people(m)[other], 'dispute.accept', { disputeId: d.id }, (s) => M.acceptDispute(s, d.id, other), `the ${other} accepts dispute ${d.id.slice(-6)}`);
      if (pair === 'evidence/accept')
        return [
          commandRacer(r, people(m)[d.openedBy], 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId: d.id, text: 'More photos', messageIds: [], attachmentIds: [] }, (s) => M.addEvidence(s, d.id, d.openedBy), `the ${d.openedBy} adds evidence`),
          accept,
        ];
      const refund = Math.max(1, Math.floor(d.amount / 2));
      const outcome = refund < d.amount ? 'split' : 'refund_all';
      return [
        accept,
        commandRacer(r, r.admin, 'dispute.resolve', { disputeId: d.id, outcome, reason: 'Decided on the evidence', ...(outcome === 'split' ? { refundAmount: refund } : {}) }, (s) => M.resolveDispute(s, d.id, 'admin', outcome, refund), `an admin decides ${outcome}`),
      ];
    }
  }
}

/**
 * Runs the two at once. Postgres serializes them on the rows they share, so the answers and the database
 * must be those of one order or the other; the model takes that order (the one the database shows, when
 * both orders would answer alike).
 */
async function race(r: Run, step: Extract<Step, { t: 'race' }>): Promise<void> {
  const racers = racersFor(r, step.pair, step.k);
  if (typeof racers === 'string') return void r.log.push(`  ${racers}`);
  r.log.push(`  ${racers[0].note} ‖ ${racers[1].note}`);
  r.races++;
  const answers = await Promise.all(racers.map((x) => x.run()));
  racers.forEach((x, i) => x.done?.(answers[i]));
  const orders = [[0, 1], [1, 0]].map((order) => {
    let state = r.model;
    const predicted: unknown[] = [];
    for (const i of order) {
      const p = racers[i]!.predict(state);
      predicted[i] = p.outcome;
      state = p.state;
    }
    return { order, predicted, state };
  });
  const fitting = orders.filter((o) => racers.every((x, i) => x.fits(answers[i], o.predicted[i])));
  if (fitting.length === 0) fail(`race ${step.pair}: answers ${JSON.stringify(answers)} fit neither order: ${JSON.stringify(orders.map((o) => o.predicted))}`);
  let chosen = fitting[0]!;
  if (fitting.length > 1) {
    const got = await observedView(r.env.sql, r.model, { provider: 'demo', jobs: true });
    chosen = fitting.find((o) => viewDiff(expectedView(o.state, { provider: true, jobs: true }), got).length === 0) ?? chosen;
  }
  r.model = chosen.state;
  r.log.push(`  → as if ${chosen.order.map((i) => racers[i]!.note.split(' (')[0]).join(', then ')}: ${JSON.stringify(answers.map((a) => (a as CommandOutcome).rejection?.code ?? (a as CommandOutcome).status ?? a))}`);
}
