// A payment plan as typed on the booking page, and its mapping to a `milestone.propose` payload or to the
// problems of each part. A plan covers what is not paid for yet: accepted by the other side, it replaces the
// parts agreed but unpaid, and everything paid or under way stays as it is (sync-server handlers/milestone.ts).
import type { CommandInput } from '@shared/commands';
import type { Locale } from '@shared/locales';
import { money, splitFee, sum, type CurrencyCode, type Money } from '@shared/money';
import { dueDay, dueInstant, duePassed } from '@shared/due-dates';
import { replacedByPlan, type MilestoneState } from '@shared/milestone-machine';
import { budgetError, type FieldError } from '../consumer/gig-form';
import { moneyInputText, parseMoneyInput } from '../i18n/format';

/** The most parts one plan may have (the command's schema). */
export const MAX_PLAN_PARTS = 20;
/** The longest description of a part (the command's schema). */
export const MAX_PART_DESCRIPTION = 300;

/** One part as typed: strings until planPayload says they are valid. */
export interface PlanPartInput {
  /** For React's list only; the part's milestone id is made when the plan is sent. */
  key: string;
  description: string;
  amount: string;
  /** A `date` input's value ("2030-05-01"), or '' for no due date. */
  due: string;
}

export interface PartProblems {
  description?: 'required' | 'tooLong';
  amount?: FieldError;
  due?: 'invalid' | 'inPast';
}

/** What a plan's parts are: as typed by a person; or as replicated, each milestone with its amount and status. */
interface PlannedPart {
  description: string;
  amount: Money;
  dueAt?: string | null;
  status: MilestoneState;
}

/** Parts that stay beside any new plan: paid (held, released, refunded or split) or under way. */
export const kept = (status: MilestoneState) => !replacedByPlan(status) && status !== 'proposed' && status !== 'cancelled';

let keys = 0;
const part = (description = '', amount = '', due = ''): PlanPartInput => ({ key: `part-${++keys}`, description, amount, due });

export const emptyPart = (): PlanPartInput => part();

/**
 * The form's first rows: the parts of the plan being answered (a pending proposal), else what a new plan
 * would replace, else one empty part.
 */
export function startingParts(from: readonly PlannedPart[], locale: Locale = 'en'): PlanPartInput[] {
  if (from.length === 0) return [emptyPart()];
  return from.map((m) => part(m.description, moneyInputText(m.amount, locale), m.dueAt ? dueDay(m.dueAt) : ''));
}

export type PlanResult =
  | { ok: true; milestones: CommandInput<'milestone.propose'>['milestones']; total: Money }
  | { ok: false; problems: PartProblems[] };

/**
 * The typed parts as a plan the server takes, or each part's problems (an entry per part, empty where there
 * are none). A due date may be any day not yet over everywhere (shared/due-dates.ts), so a counter-proposal keeps
 * a day the other side picked in a zone behind.
 */
export function planPayload(parts: readonly PlanPartInput[], currency: CurrencyCode, newId: () => string, now = new Date(), locale?: Locale): PlanResult {
  const problems = parts.map((p): PartProblems => {
    const out: PartProblems = {};
    const description = p.description.trim();
    if (!description) out.description = 'required';
    else if (description.length > MAX_PART_DESCRIPTION) out.description = 'tooLong';
    const amount = budgetError(p.amount, currency, parseMoneyInput(p.amount, currency), locale);
    if (amount) out.amount = amount;
    if (p.due) {
      const dueAt = dueInstant(p.due);
      if (!dueAt) out.due = 'invalid';
      else if (duePassed(dueAt, now)) out.due = 'inPast';
    }
    return out;
  });
  if (problems.some((p) => Object.keys(p).length > 0)) return { ok: false, problems };
  const milestones = parts.map((p) => ({
    milestoneId: newId(),
    description: p.description.trim(),
    amount: parseMoneyInput(p.amount, currency)!,
    dueAt: p.due ? dueInstant(p.due) : null,
  }));
  return { ok: true, milestones, total: sum(milestones.map((m) => m.amount), currency) };
}

/** What the booking would come to with a plan: the parts that stay, the plan's, their sum, and the worker's share of the plan. */
export function planSummary(current: readonly PlannedPart[], plan: readonly Money[], currency: CurrencyCode, feeBps: number) {
  const staying = sum(current.filter((m) => kept(m.status)).map((m) => m.amount), currency);
  const planned = sum(plan, currency);
  // The fee is taken part by part as each is released, rounded each time: the worker's share is their sum.
  const net = sum(plan.map((m) => splitFee(m, feeBps).net), currency);
  return { staying, planned, total: money(staying.amount + planned.amount, currency), net };
}
