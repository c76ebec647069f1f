// The reference model for the escrow model-based and crash tests: what every milestone, booking, timer and
// ledger posting should be after each step, and what each party should hold, written from the rules
// in plain TypeScript (its own transition tables and fee arithmetic, not the product's), so that the product
// is checked against an independent statement of the rules. No database here.
//
// The model is plain data (structuredClone-able). Each operation takes a state and returns the next state
// with the outcome the real system must give; a refusal leaves the state as it was.
import { accounts } from '../src/ledger/accounts';

export type Actor = 'client' | 'worker' | 'admin' | 'stranger';
type Party = 'client' | 'worker' | 'admin' | 'system';

export type MStatus =
  | 'proposed' | 'agreed' | 'payment_pending' | 'funded' | 'submitted' | 'changes_requested' | 'disputed'
  | 'released' | 'refunded' | 'split' | 'cancelled';
export type BStatus = 'awaiting_payment' | 'funded' | 'in_progress' | 'delivered' | 'changes_requested' | 'completed' | 'cancelled' | 'disputed' | 'resolved';
type MEvent =
  | 'accept' | 'fund' | 'payment_confirmed' | 'payment_expired' | 'submit' | 'approve' | 'auto_approve' | 'request_changes' | 'cancel'
  | 'give_back' | 'dispute' | 'release_all' | 'refund_all' | 'split';
type BEvent =
  | 'payment_confirmed' | 'start' | 'deliver' | 'approve' | 'approve_part' | 'request_changes' | 'cancel' | 'give_back' | 'dispute'
  | 'resolve' | 'resolve_part' | 'resolve_to_review' | 'finish';

/** The milestone lifecycle: who may do what from where. */
const MILESTONE: Record<MStatus, Partial<Record<MEvent, MStatus>>> = {
  proposed: { accept: 'agreed', cancel: 'cancelled' },
  agreed: { fund: 'payment_pending', payment_confirmed: 'funded', cancel: 'cancelled' },
  payment_pending: { payment_confirmed: 'funded', payment_expired: 'agreed', cancel: 'cancelled' },
  // The worker may give a part's money back, all of it, until it is released (stopping work under way).
  funded: { submit: 'submitted', cancel: 'refunded', dispute: 'disputed', give_back: 'refunded' },
  submitted: { approve: 'released', auto_approve: 'released', request_changes: 'changes_requested', dispute: 'disputed', give_back: 'refunded' },
  changes_requested: { submit: 'submitted', dispute: 'disputed', give_back: 'refunded' },
  disputed: { release_all: 'released', refund_all: 'refunded', split: 'split' },
  released: {},
  refunded: {},
  split: {},
  cancelled: {},
};
const MILESTONE_BY: Record<MEvent, Party[]> = {
  accept: ['client', 'worker'],
  fund: ['client'],
  payment_confirmed: ['system'],
  payment_expired: ['system'],
  submit: ['worker'],
  approve: ['client'],
  auto_approve: ['system'],
  request_changes: ['client'],
  cancel: ['client', 'worker', 'admin'],
  give_back: ['worker'],
  dispute: ['client', 'worker'],
  // A dispute ends by an admin's decision, the side that gives money up accepting the claim, or silence.
  release_all: ['admin', 'client', 'system'],
  refund_all: ['admin', 'worker', 'system'],
  split: ['admin', 'client', 'worker', 'system'],
};
const BOOKING: Record<BStatus, Partial<Record<BEvent, BStatus>>> = {
  awaiting_payment: { payment_confirmed: 'funded', cancel: 'cancelled' },
  funded: { start: 'in_progress', cancel: 'cancelled', dispute: 'disputed' },
  // Work under way may finish when its last open part, not paid for, is dropped (milestone.withdraw).
  // Once work has started, only the worker ends it: by giving back all the money still held (give_back).
  in_progress: { deliver: 'delivered', dispute: 'disputed', finish: 'completed', give_back: 'cancelled' },
  delivered: { approve: 'completed', approve_part: 'in_progress', request_changes: 'changes_requested', dispute: 'disputed', finish: 'completed', give_back: 'cancelled' },
  changes_requested: { deliver: 'delivered', dispute: 'disputed', finish: 'completed', give_back: 'cancelled' },
  completed: {},
  cancelled: {},
  disputed: { resolve: 'resolved', resolve_part: 'in_progress', resolve_to_review: 'delivered' },
  resolved: {},
};
const BOOKING_BY: Record<BEvent, Party[]> = {
  payment_confirmed: ['system'],
  start: ['worker'],
  deliver: ['worker'],
  approve: ['client', 'system'],
  approve_part: ['system'],
  request_changes: ['client'],
  cancel: ['client', 'worker', 'admin'],
  give_back: ['worker'],
  dispute: ['client', 'worker'],
  resolve: ['admin', 'client', 'worker', 'system'],
  resolve_part: ['system'],
  resolve_to_review: ['system'],
  finish: ['system'],
};
export const SETTLED: readonly MStatus[] = ['released', 'refunded', 'split', 'cancelled'];
export const HELD: readonly MStatus[] = ['funded', 'submitted', 'changes_requested', 'disputed'];
const BOOKING_ENDED: readonly BStatus[] = ['completed', 'cancelled', 'resolved'];
const PLAN_CLOSED: readonly BStatus[] = [...BOOKING_ENDED, 'disputed'];
/** A part agreed but not (yet) paid for, a checkout perhaps open: what milestone.withdraw may drop. */
export const UNPAID: readonly MStatus[] = ['agreed', 'payment_pending'];
/** Work started and going on (not ended, not in dispute): where a part may be dropped rather than the booking cancelled. */
export const WORK_UNDER_WAY: readonly BStatus[] = ['in_progress', 'delivered', 'changes_requested'];
const MAX_CHANGE_ROUNDS = 3;

export const PAYMENT_WINDOW_MS = 60 * 60_000;
const HOUR = 3_600_000;
/** The other side's time to answer a dispute before its claim applies. */
export const DISPUTE_WINDOW_MS = 5 * 24 * HOUR;

/** Each category's fee and approval window, as the per-category policy fixes them for these tests. */
export const CATEGORIES = {
  plumbing: { feeBps: 1000, autoApproveHours: 72 },
  delivery: { feeBps: 800, autoApproveHours: 24 },
  photography: { feeBps: 1200, autoApproveHours: 120 },
  cleaning: { feeBps: 1200, autoApproveHours: 72 },
} as const;
export type Category = keyof typeof CATEGORIES;

/** The platform fee on `amount`: basis points, rounded half to even (money.ts, FEE_ROUNDING). */
export function feeOf(amount: number, bps: number): number {
  const exact = amount * bps;
  const q = Math.floor(exact / 10_000);
  const twice = 2 * (exact - q * 10_000);
  return twice > 10_000 || (twice === 10_000 && q % 2 === 1) ? q + 1 : q;
}

/** When the approval clock next looks: the 24 h and 2 h reminders, then the deadline. */
export function nextApprovalCheck(deadline: number, after: number): number {
  return [deadline - 24 * HOUR, deadline - 2 * HOUR, deadline].find((t) => t > after) ?? deadline;
}

export interface MMilestone {
  id: string;
  booking: number;
  planId: string | null;
  proposedBy: 'client' | 'worker' | null;
  amount: number;
  feeBps: number;
  status: MStatus;
  changeRounds: number;
  /** The timeline's events, in order. */
  events: string[];
  paymentIntentId: string | null;
  paymentExpiresAt: number | null;
  autoApproveAt: number | null;
  /** When the approval clock next looks (a reminder, then the deadline); the sweep acts once it is due. */
  approvalCheckAt: number | null;
  /** A checkout link is on the milestone for the current payment window. */
  checkout: boolean;
  /** The checkout session on the milestone, which is closed at the provider when the milestone stops waiting for it. */
  session: string | null;
  released: number;
  refunded: number;
  fee: number;
  transferred: boolean;
  refundIssued: boolean;
  /** On a proposed plan's parts: how many of the booking's parts had been paid for when it was proposed. */
  paidPartsAtProposal?: number;
}

export interface MBooking {
  id: string;
  client: string;
  worker: string;
  category: Category;
  status: BStatus;
  changeRounds: number;
  amount: number;
  /** Milestone ids in plan order. */
  milestones: string[];
}

/** A checkout session at the provider, for one milestone. */
export interface MSession {
  id: string;
  milestoneId: string;
  amount: number;
  expiresAt: number;
  paid: boolean;
  /** Closed at the provider (expired early): nobody can pay it any more. */
  closed: boolean;
}

/** A payment the provider holds, and what our side has done about it. */
export interface MPayment {
  id: string;
  sessionId: string;
  milestoneId: string;
  amount: number;
  /** What its first handled event did: funded the milestone, or arrived where it could not go and was refunded. */
  effect: 'none' | 'funded' | 'late';
  /** What the provider has refunded of it. */
  providerRefunded: number;
}

/** A provider event, with what its first delivery answered. */
export interface MEventRecord {
  id: string;
  paymentId: string;
  type: string;
  outcome: string | null;
}

/** A dispute about one milestone: the claim is what should go back to the client. */
export interface MDispute {
  id: string;
  milestoneId: string;
  openedBy: 'client' | 'worker';
  claim: number;
  amount: number;
  status: 'open' | 'resolved';
  respondBy: number;
  /** The other side has said something (evidence): silence no longer lets the claim apply. */
  responded: boolean;
  evidence: number;
  /** Evidence by each side: each has its own bound. */
  evidenceBy: Record<'client' | 'worker' | 'admin', number>;
  outcome: 'release_all' | 'refund_all' | 'split' | null;
  how: 'accepted' | 'default' | 'admin' | null;
  refunded: number | null;
}

export interface MJob {
  key: string;
  task: string;
  runAt: number;
}

/** One ledger posting: its kind, the milestone, and what each account gains (+) or gives (−). */
export interface MPosting {
  kind: string;
  milestoneId: string;
  entries: Record<string, number>;
}

/** What each party should hold, kept as plain counters beside the postings, so the two views check each other. */
export interface Holdings {
  clientPaid: Record<string, number>;
  clientRefunded: Record<string, number>;
  workerEarned: Record<string, number>;
  workerPaidOut: Record<string, number>;
  fees: number;
  held: Record<string, number>;
}

export interface ModelState {
  now: number;
  /** Workers whose payout account can receive transfers. */
  workerActive: Record<string, boolean>;
  bookings: MBooking[];
  milestones: Record<string, MMilestone>;
  sessions: Record<string, MSession>;
  payments: Record<string, MPayment>;
  events: MEventRecord[];
  disputes: Record<string, MDispute>;
  jobs: Record<string, MJob>;
  postings: MPosting[];
  holdings: Holdings;
}

export type Outcome = { status: 'applied' } | { status: 'rejected'; code: string };

class Refused extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}
const refuse = (code: string): never => {
  throw new Refused(code);
};

/** Runs `change` on a copy: the copy when it went through, the original and the refusal when it did not. */
function attempt(s: ModelState, change: (d: ModelState) => void): { state: ModelState; outcome: Outcome } {
  const draft = structuredClone(s);
  try {
    change(draft);
    return { state: draft, outcome: { status: 'applied' } };
  } catch (e) {
    if (e instanceof Refused) return { state: s, outcome: { status: 'rejected', code: e.code } };
    throw e;
  }
}

export function emptyModel(now: number): ModelState {
  return {
    now,
    workerActive: {},
    bookings: [],
    milestones: {},
    sessions: {},
    payments: {},
    events: [],
    disputes: {},
    jobs: {},
    postings: [],
    holdings: { clientPaid: {}, clientRefunded: {}, workerEarned: {}, workerPaidOut: {}, fees: 0, held: {} },
  };
}

/** A booking made by a worker accepting a client's gig: one agreed milestone at the gig's price. */
export function addBooking(s: ModelState, b: { id: string; client: string; worker: string; category: Category; amount: number; milestoneId: string }): ModelState {
  const d = structuredClone(s);
  d.bookings.push({ id: b.id, client: b.client, worker: b.worker, category: b.category, status: 'awaiting_payment', changeRounds: 0, amount: b.amount, milestones: [b.milestoneId] });
  d.milestones[b.milestoneId] = newMilestone(b.milestoneId, d.bookings.length - 1, b.amount, CATEGORIES[b.category].feeBps, null, null, 'agreed', 'created');
  return d;
}

function newMilestone(id: string, booking: number, amount: number, feeBps: number, planId: string | null, proposedBy: MMilestone['proposedBy'], status: MStatus, first: string): MMilestone {
  return {
    id, booking, planId, proposedBy, amount, feeBps, status, changeRounds: 0, events: [first], paymentIntentId: null, paymentExpiresAt: null,
    autoApproveAt: null, approvalCheckAt: null, checkout: false, session: null, released: 0, refunded: 0, fee: 0, transferred: false, refundIssued: false,
  };
}

const partiesOf = (actor: Actor): Party[] => (actor === 'stranger' ? [] : [actor]);
const add = (r: Record<string, number>, k: string, n: number) => void (r[k] = (r[k] ?? 0) + n);
export const bookingOf = (s: ModelState, m: MMilestone): MBooking => s.bookings[m.booking]!;
export const milestonesOf = (s: ModelState, b: MBooking): MMilestone[] => b.milestones.map((id) => s.milestones[id]!);

function stepBooking(b: MBooking, event: BEvent, parties: Party[], reason?: string): void {
  const to = BOOKING[b.status][event] ?? refuse(b.status === 'cancelled' ? 'booking_cancelled' : 'invalid_state');
  if (!BOOKING_BY[event].some((p) => parties.includes(p))) refuse('forbidden');
  if (event === 'give_back' && !reason?.trim()) refuse('reason_required');
  if (event === 'request_changes') {
    if (!reason?.trim()) refuse('reason_required');
    if (b.changeRounds >= MAX_CHANGE_ROUNDS) refuse('change_rounds_exhausted');
    b.changeRounds++;
  }
  b.status = to;
}

interface StepOpts {
  reason?: string;
  /** A split: the gross amount released to the worker. */
  released?: number;
  /** False when the caller steps the booking itself (cancel, plans). */
  stepsBooking?: boolean;
  paymentId?: string;
  /** The step's name in the timeline when it is not the event's (escrow/step.ts). */
  recordedAs?: 'withdraw';
}

/** One milestone step: the machine, then the booking, then money, timers and the timeline. */
function stepMilestone(d: ModelState, m: MMilestone, event: MEvent, parties: Party[], opts: StepOpts = {}): void {
  // A part in dispute takes no other step: the dispute decides it (escrow/step.ts says so).
  const to = MILESTONE[m.status][event] ?? refuse(m.status === 'disputed' ? 'dispute_open' : 'invalid_state');
  if (!MILESTONE_BY[event].some((p) => parties.includes(p))) refuse('forbidden');
  if (event === 'accept') {
    const actingAs = (['client', 'worker', 'admin', 'system'] as const).find((p) => parties.includes(p));
    if (m.proposedBy === null || m.proposedBy === actingAs) refuse('forbidden');
  }
  if ((event === 'request_changes' || event === 'dispute') && !opts.reason?.trim()) refuse('reason_required');
  // Past the client's review deadline the work is approved as agreed, sweep or no sweep.
  if ((event === 'request_changes' || event === 'dispute') && m.status === 'submitted' && m.autoApproveAt !== null && m.autoApproveAt <= d.now) refuse('deadline_passed');
  const b = bookingOf(d, m);
  const before = b.status;
  const outcome = event === 'release_all' || event === 'refund_all' || event === 'split';
  // While a milestone is in dispute the booking waits for its outcome; the other milestones carry on alone,
  // and changes asked for on them still count against the booking's rounds.
  const othersOpen = milestonesOf(d, b).filter((o) => o.id !== m.id && !SETTLED.includes(o.status) && o.status !== 'proposed');
  // The booking stays with the client while another milestone waits for review.
  const otherSubmitted = othersOpen.some((o) => o.status === 'submitted');
  if (opts.stepsBooking !== false && event === 'request_changes' && (b.status === 'disputed' || otherSubmitted)) {
    if (b.changeRounds >= MAX_CHANGE_ROUNDS) refuse('change_rounds_exhausted');
    b.changeRounds++;
  }
  if (opts.stepsBooking !== false && !(b.status === 'disputed' && !outcome)) {
    const withSystem: Party[] = [...parties, 'system'];
    if (event === 'payment_confirmed' && b.status === 'awaiting_payment') stepBooking(b, 'payment_confirmed', withSystem);
    if (event === 'submit' && b.status !== 'delivered') {
      if (b.status === 'funded') refuse('invalid_state');
      stepBooking(b, 'deliver', withSystem);
    }
    if (event === 'request_changes' && !otherSubmitted) stepBooking(b, 'request_changes', withSystem, opts.reason);
    if ((event === 'approve' || event === 'auto_approve') && !(othersOpen.length && otherSubmitted))
      stepBooking(b, othersOpen.length ? 'approve_part' : 'approve', withSystem);
    if (event === 'dispute') stepBooking(b, 'dispute', withSystem, opts.reason);
    // A part not paid for dropped while work goes on: with nothing else open, the work is done.
    if (event === 'cancel' && othersOpen.length === 0 && WORK_UNDER_WAY.includes(b.status)) stepBooking(b, 'finish', withSystem);
    // A dispute decided: the booking is resolved when nothing else is open; otherwise back with the client
    // when a milestone was submitted meanwhile, back at work when not; still disputed while another milestone is.
    if (outcome && b.status === 'disputed' && !othersOpen.some((o) => o.status === 'disputed'))
      stepBooking(b, othersOpen.length === 0 ? 'resolve' : othersOpen.some((o) => o.status === 'submitted') ? 'resolve_to_review' : 'resolve_part', withSystem);
  }
  // A plan still waiting is withdrawn when the booking ends, or when a part is paid (it would replace a paid part).
  if ((opts.stepsBooking !== false && BOOKING_ENDED.includes(b.status) && !BOOKING_ENDED.includes(before)) || (to === 'funded' && event === 'payment_confirmed'))
    for (const o of milestonesOf(d, b).filter((x) => x.status === 'proposed')) {
      o.status = 'cancelled';
      o.events.push('cancel');
    }
  const h = d.holdings;
  switch (to) {
    case 'payment_pending':
      Object.assign(m, { paymentExpiresAt: d.now + PAYMENT_WINDOW_MS, checkout: false, session: null });
      break;
    case 'funded': {
      const pay = d.payments[opts.paymentId!]!;
      d.postings.push(funding(b, m, pay.amount));
      add(h.clientPaid, b.client, pay.amount);
      h.held[m.id] = m.amount;
      Object.assign(m, { paymentIntentId: pay.id, paymentExpiresAt: null });
      break;
    }
    case 'agreed':
      if (event === 'payment_expired') Object.assign(m, { paymentExpiresAt: null, checkout: false, session: null });
      break;
    case 'cancelled':
      // Its checkout, still open, is closed at the provider by a job.
      if (m.status === 'payment_pending' && m.session) {
        setJob(d, 'escrow.close_checkout', m.session, d.now);
        m.checkout = false;
      }
      break;
    case 'submitted':
      m.autoApproveAt = d.now + CATEGORIES[b.category].autoApproveHours * HOUR;
      m.approvalCheckAt = nextApprovalCheck(m.autoApproveAt, d.now);
      break;
    case 'changes_requested':
      m.changeRounds++;
      Object.assign(m, { autoApproveAt: null, approvalCheckAt: null });
      break;
    case 'disputed':
      // The client's approval clock stops while the dispute is open.
      Object.assign(m, { autoApproveAt: null, approvalCheckAt: null });
      break;
    case 'released':
    case 'refunded':
    case 'split': {
      const released = to === 'released' ? m.amount : to === 'refunded' ? 0 : opts.released!;
      settle(d, b, m, released, to === 'released' ? 'release' : to === 'refunded' ? 'refund' : 'split');
      break;
    }
    default:
      break;
  }
  m.status = to;
  m.events.push(opts.recordedAs ?? event);
}

function settle(d: ModelState, b: MBooking, m: MMilestone, released: number, kind: string): void {
  const fee = feeOf(released, m.feeBps);
  const net = released - fee;
  const refunded = m.amount - released;
  const entries: Record<string, number> = { [accounts.escrow(m.id, 'USD').id]: -m.amount };
  if (net) entries[accounts.workerPayable(b.worker, 'USD').id] = net;
  if (fee) entries[accounts.platformFees('USD').id] = fee;
  if (refunded) entries[accounts.refunds('USD').id] = refunded;
  d.postings.push({ kind, milestoneId: m.id, entries });
  Object.assign(m, { released, refunded, fee, autoApproveAt: null, approvalCheckAt: null });
  const h = d.holdings;
  h.held[m.id] = 0;
  add(h.workerEarned, b.worker, net);
  add(h.clientRefunded, b.client, refunded);
  h.fees += fee;
  if (refunded > 0) setJob(d, 'escrow.refund', m.id, d.now);
}

function funding(b: MBooking, m: MMilestone, amount: number): MPosting {
  return { kind: 'funding', milestoneId: m.id, entries: { [accounts.clientFunding(b.client, 'USD').id]: -amount, [accounts.escrow(m.id, 'USD').id]: amount } };
}

function setJob(d: ModelState, task: string, subject: string, runAt: number): void {
  const key = `${task}:${subject}`;
  d.jobs[key] = { key, task, runAt };
}

// ---- Commands -------------------------------------------------------------------------------------------

export type MilestoneOp = 'fund' | 'submit' | 'approve' | 'request_changes';

/** milestone.fund / submit / approve / request_changes on one milestone. */
export function milestoneCommand(s: ModelState, op: MilestoneOp, milestoneId: string, actor: Actor, reason?: string) {
  return attempt(s, (d) => {
    const m = d.milestones[milestoneId]!;
    const parties = partiesOf(actor);
    if (parties.length === 0) refuse('not_found');
    if (op === 'submit' && (m.status === 'agreed' || m.status === 'payment_pending')) refuse('not_funded');
    // Funding again while the window is open: done, and nothing changes. Past it, before the sweep: refused.
    if (op === 'fund' && m.status === 'payment_pending' && parties.includes('client')) {
      if (m.paymentExpiresAt === null || m.paymentExpiresAt <= d.now) refuse('deadline_passed');
      return;
    }
    stepMilestone(d, m, op, parties, { reason });
  });
}

export type BookingOp = 'start' | 'deliver' | 'approve' | 'request_changes' | 'cancel' | 'give_back';

/**
 * booking.start / deliver / approve / request_changes / cancel / give_back: deliver, approve and request_changes act on
 * the current milestone; cancel and give_back end the booking and every part not yet settled (give_back refunds each
 * part whose money is held, in full).
 */
export function bookingCommand(s: ModelState, op: BookingOp, bookingIndex: number, actor: Actor, reason?: string, held?: number) {
  return attempt(s, (d) => {
    const b = d.bookings[bookingIndex]!;
    const parties = partiesOf(actor);
    if (parties.length === 0) refuse('not_found');
    const ms = milestonesOf(d, b);
    if (op === 'start') {
      // Pressed (offline, say) after the booking was cancelled: said as what it means for the worker.
      if (b.status === 'cancelled' && parties.includes('worker')) refuse('cancelled_before_start');
      // Started already (the worker's other phone got there first): done, nothing changes.
      if (parties.includes('worker') && WORK_UNDER_WAY.includes(b.status)) return;
      return stepBooking(b, 'start', parties);
    }
    if (op === 'cancel') {
      // An admin who is not a party overrides both sides, with a written reason.
      if (actor === 'admin' && !reason?.trim()) refuse('reason_required');
      stepBooking(b, 'cancel', parties, reason);
      for (const m of ms.filter((x) => !SETTLED.includes(x.status))) stepMilestone(d, m, 'cancel', [...parties, 'system'], { stepsBooking: false, reason });
      return;
    }
    if (op === 'give_back') {
      stepBooking(b, 'give_back', parties, reason);
      // Refused when what is held is no longer what the worker saw when they confirmed.
      if (heldNow(d, b) !== held) refuse('held_changed');
      for (const m of ms.filter((x) => !SETTLED.includes(x.status)))
        stepMilestone(d, m, HELD.includes(m.status) ? 'give_back' : 'cancel', [...parties, 'system'], { stepsBooking: false, reason });
      return;
    }
    const ready: MStatus[] = op === 'deliver' ? ['funded', 'changes_requested'] : ['submitted'];
    const m = ms.find((x) => ready.includes(x.status));
    if (!m) {
      if (op === 'deliver') refuse(ms.some((x) => x.status === 'agreed' || x.status === 'payment_pending') ? 'not_funded' : 'invalid_state');
      refuse(b.status === 'delivered' ? 'nothing_to_approve' : 'invalid_state');
    }
    stepMilestone(d, m!, op === 'deliver' ? 'submit' : op, parties, { reason });
  });
}

/** What the booking's parts hold now: what a give-back would send back to the client. */
export const heldNow = (s: ModelState, b: MBooking): number => milestonesOf(s, b).filter((m) => HELD.includes(m.status)).reduce((t, m) => t + m.amount, 0);

const sideOf = (actor: Actor): 'client' | 'worker' | null => (actor === 'client' || actor === 'worker' ? actor : null);

/** What the booking costs: its parts agreed or paid for (settled ones included), not those dropped or only proposed. */
const priceOf = (ms: readonly MMilestone[]) => ms.filter((m) => m.status !== 'cancelled' && m.status !== 'proposed').reduce((t, m) => t + m.amount, 0);

/**
 * milestone.withdraw: the client or the worker drops a part not yet paid for, once work has started (before
 * that, the plan is changed or the booking cancelled). No money moves (an open checkout is closed); the booking
 * costs what its other parts do, and is done (finish) when that was its last open part.
 */
export function withdraw(s: ModelState, milestoneId: string, actor: Actor, reason?: string) {
  return attempt(s, (d) => {
    const m = d.milestones[milestoneId]!;
    const b = bookingOf(d, m);
    if (actor === 'stranger') refuse('not_found');
    // The parties' own decision: an admin cancels the booking, or decides a dispute, instead.
    sideOf(actor) ?? refuse('forbidden');
    if (!UNPAID.includes(m.status)) refuse('invalid_state');
    if (!WORK_UNDER_WAY.includes(b.status)) refuse('invalid_state');
    stepMilestone(d, m, 'cancel', partiesOf(actor), { reason, recordedAs: 'withdraw' });
    b.amount = priceOf(milestonesOf(d, b));
  });
}

/** milestone.propose: a plan for what is not yet paid for; it withdraws an older proposal still waiting. */
export function propose(s: ModelState, bookingIndex: number, actor: Actor, planId: string, plan: { id: string; amount: number }[], currency = 'USD') {
  return attempt(s, (d) => {
    const b = d.bookings[bookingIndex]!;
    if (actor === 'stranger') refuse('not_found');
    const side = sideOf(actor) ?? refuse('forbidden');
    if (PLAN_CLOSED.includes(b.status)) refuse('invalid_state');
    // A worker who cannot receive transfers takes on no new paid work.
    if (side === 'worker' && !d.workerActive[b.worker]) refuse('payouts_not_set_up');
    if (currency !== 'USD') refuse('plan_invalid');
    for (const old of milestonesOf(d, b).filter((m) => m.status === 'proposed')) stepMilestone(d, old, 'cancel', [side], { stepsBooking: false });
    const paidParts = paidPartsOf(milestonesOf(d, b));
    for (const p of plan) {
      d.milestones[p.id] = { ...newMilestone(p.id, bookingIndex, p.amount, CATEGORIES[b.category].feeBps, planId, side, 'proposed', 'proposed'), paidPartsAtProposal: paidParts };
      b.milestones.push(p.id);
    }
  });
}

/** How many of a booking's parts have been paid for, ever: a payment is in a part's timeline for good. */
const paidPartsOf = (ms: readonly MMilestone[]) => ms.filter((m) => m.events.includes('payment_confirmed')).length;

/** milestone.accept: the other side agrees a plan; it replaces whatever was agreed but not paid for. */
export function acceptPlan(s: ModelState, bookingIndex: number, actor: Actor, planId: string) {
  return attempt(s, (d) => {
    const b = d.bookings[bookingIndex]!;
    if (actor === 'stranger') refuse('not_found');
    const side = sideOf(actor) ?? refuse('forbidden');
    const ms = milestonesOf(d, b);
    const plan = ms.filter((m) => m.planId === planId);
    if (plan.length === 0) refuse('not_found');
    if (plan.some((m) => m.status !== 'proposed')) refuse('plan_stale');
    if (PLAN_CLOSED.includes(b.status)) refuse('invalid_state');
    if (side === 'worker' && !d.workerActive[b.worker]) refuse('payouts_not_set_up');
    // A part paid since the plan was proposed would be paid for twice.
    if (paidPartsOf(ms) > (plan[0]!.paidPartsAtProposal ?? 0)) refuse('plan_stale');
    for (const m of plan) stepMilestone(d, m, 'accept', [side], { stepsBooking: false });
    const replaced = ms.filter((m) => m.planId !== planId && (m.status === 'agreed' || m.status === 'payment_pending'));
    for (const m of replaced) stepMilestone(d, m, 'cancel', [side], { stepsBooking: false });
    b.amount = priceOf(ms);
  });
}

// ---- Disputes -------------------------------------------------------------------------------------------

/**
 * dispute.open: the client or the worker, on a milestone whose money is held, with a claim (what should go
 * back to the client) that asks the other side for something.
 */
export function openDispute(s: ModelState, milestoneId: string, actor: Actor, disputeId: string, claim: number) {
  return attempt(s, (d) => {
    const m = d.milestones[milestoneId]!;
    if (actor === 'stranger') refuse('not_found');
    const side = sideOf(actor) ?? refuse('forbidden');
    if (d.disputes[disputeId]) refuse('duplicate_id');
    if (m.status === 'disputed') refuse('dispute_open');
    if (claim > m.amount || (side === 'client' && claim === 0) || (side === 'worker' && claim === m.amount)) refuse('claim_invalid');
    stepMilestone(d, m, 'dispute', [side], { reason: 'Not what was agreed' });
    const respondBy = d.now + DISPUTE_WINDOW_MS;
    d.disputes[disputeId] = {
      id: disputeId, milestoneId, openedBy: side, claim, amount: m.amount, status: 'open', respondBy, responded: false, evidence: 0,
      evidenceBy: { client: 0, worker: 0, admin: 0 }, outcome: null, how: null, refunded: null,
    };
    setJob(d, 'dispute.window', disputeId, respondBy);
    for (const h of DISPUTE_REMINDERS_H) setJob(d, 'dispute.reminder', `${disputeId}:${h}`, respondBy - h * HOUR);
  });
}

const MAX_EVIDENCE_PER_SIDE = 50;
const DISPUTE_REMINDERS_H = [24, 2];

/**
 * dispute.add_evidence: either side or an admin, each up to its own bound; the other side's first word ends
 * the silence, unless the window has closed in silence already.
 */
export function addEvidence(s: ModelState, disputeId: string, actor: Actor) {
  return attempt(s, (d) => {
    const dp = d.disputes[disputeId]!;
    if (actor === 'stranger') refuse('not_found');
    if (dp.status !== 'open') refuse('invalid_state');
    // A mediator's notes are no answer, and still welcome while the dispute waits for its settlement.
    if (actor !== 'admin' && !dp.responded && dp.respondBy <= d.now) refuse('deadline_passed');
    const by = actor as keyof MDispute['evidenceBy'];
    if (dp.evidenceBy[by] >= MAX_EVIDENCE_PER_SIDE) refuse('evidence_limit');
    dp.evidence++;
    dp.evidenceBy[by]++;
    if (actor !== 'admin' && actor !== dp.openedBy) dp.responded = true;
  });
}

/** dispute.accept: the other side agrees to the claim as it stands. */
export function acceptDispute(s: ModelState, disputeId: string, actor: Actor) {
  return attempt(s, (d) => {
    const dp = d.disputes[disputeId]!;
    if (actor === 'stranger') refuse('not_found');
    const side = sideOf(actor) ?? refuse('forbidden');
    if (side === dp.openedBy) refuse('forbidden');
    settleDispute(d, dp, side, dp.claim, 'accepted');
  });
}

/** dispute.resolve: an admin decides: release all, refund all, or split by amount. */
export function resolveDispute(s: ModelState, disputeId: string, actor: Actor, outcome: 'release_all' | 'refund_all' | 'split', splitRefund?: number) {
  return attempt(s, (d) => {
    const dp = d.disputes[disputeId]!;
    if (actor === 'stranger') refuse('not_found');
    if (actor !== 'admin') refuse('forbidden');
    const refund = outcome === 'refund_all' ? dp.amount : outcome === 'release_all' ? 0 : splitRefund!;
    if (outcome === 'split' && !(refund > 0 && refund < dp.amount)) refuse('claim_invalid');
    settleDispute(d, dp, 'admin', refund, 'admin');
  });
}

function settleDispute(d: ModelState, dp: MDispute, party: Party, refund: number, how: NonNullable<MDispute['how']>): void {
  if (dp.status !== 'open') refuse('invalid_state');
  const outcome = refund === dp.amount ? 'refund_all' : refund === 0 ? 'release_all' : 'split';
  stepMilestone(d, d.milestones[dp.milestoneId]!, outcome, [party], { released: dp.amount - refund, reason: 'Decided' });
  Object.assign(dp, { status: 'resolved', outcome, how, refunded: refund });
}

/**
 * POST /pay/checkout: milestone.fund under the request's command id, then a checkout session once per
 * payment window. `fund` is the command's outcome; `checkout` whether the route answers with a checkout
 * (200) rather than a conflict (409), and `opens` whether it opens a new session at the provider.
 */
export function checkout(s: ModelState, milestoneId: string, actor: Actor) {
  const fund = milestoneCommand(s, 'fund', milestoneId, actor);
  const m = fund.state.milestones[milestoneId]!;
  // Once the window has passed (the sweep has yet to lapse it), no checkout is handed out.
  const ok = m.status === 'payment_pending' && fund.outcome.status === 'applied' && m.paymentExpiresAt! > fund.state.now;
  const opens = ok && !m.checkout;
  const state = opens ? structuredClone(fund.state) : fund.state;
  if (opens) state.milestones[milestoneId]!.checkout = true;
  return { state, fund: fund.outcome, ok, opens };
}

// ---- The provider ---------------------------------------------------------------------------------------

/** A session at the provider; `onMilestone` when it is the milestone's own (made by POST /pay/checkout). */
export function addSession(s: ModelState, session: Omit<MSession, 'paid' | 'closed'>, onMilestone = false): ModelState {
  const d = structuredClone(s);
  d.sessions[session.id] = { ...session, paid: false, closed: false };
  if (onMilestone) d.milestones[session.milestoneId]!.session = session.id;
  return d;
}

/**
 * A session closed at the provider: if its payer finished first, the payment arrives now (funding the
 * milestone, or sent back); otherwise nobody can pay it any more. Answers whether the payment funded.
 */
function closeSession(d: ModelState, sessionId: string): boolean {
  const session = d.sessions[sessionId]!;
  if (!session.paid) {
    session.closed = true;
    return false;
  }
  const payment = Object.values(d.payments).find((p) => p.sessionId === sessionId)!;
  return paymentArrives(d, payment.id) === 'funded';
}

export type PayOutcome = 'paid' | 'already_paid' | 'expired';

/** The payer pays a checkout session: expired sessions cannot be paid, a paid one is paid once. */
export function payOutcome(s: ModelState, sessionId: string): PayOutcome {
  const session = s.sessions[sessionId]!;
  if (session.paid) return 'already_paid';
  return session.closed || s.now >= session.expiresAt ? 'expired' : 'paid';
}

/** The provider's record of a succeeded payment and the events it owes us for it. */
export function addPayment(s: ModelState, p: { id: string; sessionId: string; milestoneId: string; amount: number; events: { id: string; type: string }[] }): ModelState {
  const d = structuredClone(s);
  d.sessions[p.sessionId]!.paid = true;
  d.payments[p.id] = { id: p.id, sessionId: p.sessionId, milestoneId: p.milestoneId, amount: p.amount, effect: 'none', providerRefunded: 0 };
  for (const e of p.events) d.events.push({ id: e.id, paymentId: p.id, type: e.type, outcome: null });
  return d;
}

/** More events about a payment the provider already holds (a checkout completed again sends another). */
export function addEvents(s: ModelState, paymentId: string, events: { id: string; type: string }[]): ModelState {
  const d = structuredClone(s);
  for (const e of events) d.events.push({ id: e.id, paymentId, type: e.type, outcome: null });
  return d;
}

/**
 * The payment succeeded (any event about it): it funds the milestone it was for if that milestone is waiting
 * for exactly this money; the milestone's own payment again changes nothing; anything else is money the
 * milestone cannot take, which arrives and goes straight back, once per payment, and stays returned.
 */
function paymentArrives(d: ModelState, paymentId: string): string {
  const p = d.payments[paymentId]!;
  const m = d.milestones[p.milestoneId]!;
  // Once sent back, a payment stays sent back: a later event about it funds nothing.
  if (p.effect !== 'late' && (m.status === 'agreed' || m.status === 'payment_pending') && p.amount === m.amount) {
    stepMilestone(d, m, 'payment_confirmed', ['system'], { paymentId });
    p.effect = 'funded';
    return 'funded';
  }
  if (m.paymentIntentId === paymentId) return 'already_funded';
  if (p.effect === 'none') {
    const b = bookingOf(d, m);
    d.postings.push(funding(b, m, p.amount));
    d.postings.push({ kind: 'refund', milestoneId: m.id, entries: { [accounts.escrow(m.id, 'USD').id]: -p.amount, [accounts.refunds('USD').id]: p.amount } });
    add(d.holdings.clientPaid, b.client, p.amount);
    add(d.holdings.clientRefunded, b.client, p.amount);
    p.effect = 'late';
    // Owed once: another event about the same payment queues nothing more.
    setJob(d, 'escrow.refund_payment', p.id, d.now);
  }
  return 'refunded_late';
}

/** A verified webhook delivery: a repeated event id is answered with its first outcome and does nothing. */
export function deliverEvent(s: ModelState, eventId: string): { state: ModelState; duplicate: boolean; outcome: string } {
  const seen = s.events.find((e) => e.id === eventId)!;
  if (seen.outcome !== null) return { state: s, duplicate: true, outcome: seen.outcome };
  const d = structuredClone(s);
  const e = d.events.find((x) => x.id === eventId)!;
  e.outcome = paymentArrives(d, e.paymentId);
  return { state: d, duplicate: false, outcome: e.outcome };
}

// ---- Timers and the provider calls that follow the ledger ---------------------------------------------------

export const TASKS = ['escrow.refund', 'escrow.refund_payment', 'escrow.close_checkout', 'escrow.transfer', 'dispute.window', 'dispute.reminder'] as const;
export type Task = (typeof TASKS)[number];

/**
 * A task runs for `subject` (a milestone, a payment for refund_payment, a dispute for its window). `fromQueue` names the queued job
 * it completes; a stray run (a replaced or repeated job) completes nothing. Each task re-checks the state it
 * was scheduled for, so a run that is not due does nothing.
 */
export function runTask(s: ModelState, task: Task, subject: string, fromQueue: boolean): ModelState {
  const d = structuredClone(s);
  if (fromQueue) delete d.jobs[`${task}:${subject}`];
  switch (task) {
    case 'escrow.refund': {
      const m = d.milestones[subject]!;
      if (m.refunded === 0 || m.refundIssued) break;
      d.payments[m.paymentIntentId!]!.providerRefunded += m.refunded;
      m.refundIssued = true;
      break;
    }
    case 'escrow.close_checkout': {
      // Closed; a payment that beat the close is confirmed from the provider's record, as its events would
      // be: the milestone is gone, so the money is sent back, once per payment.
      const session = d.sessions[subject]!;
      if (!session.paid) {
        session.closed = true;
        break;
      }
      const paid = Object.values(d.payments).find((p) => p.sessionId === subject);
      if (paid) paymentArrives(d, paid.id);
      break;
    }
    case 'escrow.refund_payment': {
      // The refund owed for the payment: a second run finds it made.
      const p = d.payments[subject]!;
      p.providerRefunded = p.amount;
      break;
    }
    case 'dispute.window': {
      // Silence until the window closed: the claim applies. An answer, or a decision first, and it does nothing.
      const dp = d.disputes[subject]!;
      if (dp.status !== 'open' || dp.responded || dp.respondBy > d.now) break;
      const before = structuredClone(d);
      try {
        settleDispute(d, dp, 'system', dp.claim, 'default');
      } catch (e) {
        if (!(e instanceof Refused)) throw e;
        Object.assign(d, before);
      }
      break;
    }
    // A reminder (subject `<dispute>:<hours>`) sends news only, which the model does not keep.
    case 'dispute.reminder':
      break;
    case 'escrow.transfer': {
      const m = d.milestones[subject]!;
      const b = bookingOf(d, m);
      const net = m.released - m.fee;
      if (net <= 0 || m.transferred || !d.workerActive[b.worker]) break;
      d.postings.push({ kind: 'payout', milestoneId: m.id, entries: { [accounts.workerPayable(b.worker, 'USD').id]: -net, [accounts.payouts('USD').id]: net } });
      add(d.holdings.workerPaidOut, b.worker, net);
      m.transferred = true;
      break;
    }
  }
  return d;
}

/**
 * The clocks' sweep at `now`: lapsed checkouts, then approval windows (a reminder moves the clock on; the
 * deadline approves as the system), each in due order and then by id, as the server reads them.
 */
export function sweep(s: ModelState): ModelState {
  const d = structuredClone(s);
  const byDue = (due: (m: MMilestone) => number | null) => (a: MMilestone, b: MMilestone) => due(a)! - due(b)! || (a.id < b.id ? -1 : 1);
  const system = (m: MMilestone, event: MEvent) => {
    const before = structuredClone(d);
    try {
      stepMilestone(d, d.milestones[m.id]!, event, ['system']);
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      Object.assign(d, before);
    }
  };
  const expiring = Object.values(d.milestones).filter((m) => m.status === 'payment_pending' && m.paymentExpiresAt !== null && m.paymentExpiresAt <= d.now);
  // Its checkout is closed at the provider first: paid meanwhile, the milestone is funded instead.
  for (const m of expiring.sort(byDue((x) => x.paymentExpiresAt))) {
    if (m.session && closeSession(d, m.session)) continue;
    system(d.milestones[m.id]!, 'payment_expired');
  }
  const looking = Object.values(d.milestones).filter((m) => m.status === 'submitted' && m.approvalCheckAt !== null && m.approvalCheckAt <= d.now);
  for (const m of looking.sort(byDue((x) => x.approvalCheckAt))) {
    const now = d.milestones[m.id]!;
    if (now.status !== 'submitted' || now.autoApproveAt === null) continue;
    if (now.autoApproveAt <= d.now) system(now, 'auto_approve');
    else now.approvalCheckAt = nextApprovalCheck(now.autoApproveAt, d.now);
  }
  return d;
}

/** The payout schedule: a transfer queued for every released milestone not yet paid out to a worker who can receive. */
export function payoutRun(s: ModelState): ModelState {
  const d = structuredClone(s);
  for (const m of Object.values(d.milestones))
    // A transfer already queued (or retrying) is left as it is: queued again, its attempts would start over.
    if (m.released > 0 && !m.transferred && d.workerActive[bookingOf(d, m).worker] && !d.jobs[`escrow.transfer:${m.id}`]) setJob(d, 'escrow.transfer', m.id, d.now);
  return d;
}

/**
 * Jobs due now, in an order that does not depend on random ids (a seed must replay the same run): by time,
 * task, and when their subject (milestone, payment, dispute) came to be.
 */
export function dueJobs(s: ModelState): MJob[] {
  const born = new Map([...Object.keys(s.milestones), ...Object.keys(s.payments), ...Object.keys(s.disputes)].map((id, i) => [id, i]));
  const order = (j: MJob) => born.get(j.key.slice(j.task.length + 1).split(':')[0]!) ?? -1;
  return Object.values(s.jobs)
    .filter((j) => j.runAt <= s.now)
    .sort((a, b) => a.runAt - b.runAt || (a.task < b.task ? -1 : a.task > b.task ? 1 : 0) || order(a) - order(b));
}

export function tick(s: ModelState, ms: number): ModelState {
  return { ...s, now: s.now + ms };
}

// ---- What each party holds --------------------------------------------------------------------------------

/** The model's own sanity: money in equals money held plus money out, for the whole run. */
export function conservationGap(s: ModelState): number {
  const h = s.holdings;
  const sum = (r: Record<string, number>) => Object.values(r).reduce((t, n) => t + n, 0);
  return sum(h.clientPaid) - sum(h.clientRefunded) - sum(h.held) - (sum(h.workerEarned) - sum(h.workerPaidOut)) - sum(h.workerPaidOut) - h.fees;
}
