// Editing a posted gig's title, description and budget: the changed fields as a `gig.update` payload.
import { commandPayloads, type CommandInput } from '@shared/commands';
import type { Locale } from '@shared/locales';
import type { Money } from '@shared/money';
import { moneyInputText, parseMoneyInput } from '../i18n/format';
import { budgetError, schemaErrors, type FieldErrors } from './gig-form';

export interface GigEditValues {
  title: string;
  description: string;
  /** Major units as typed, in the gig's currency. */
  budget: string;
}

export type GigUpdateResult =
  | { ok: true; payload: CommandInput<'gig.update'> }
  | { ok: true; payload: null }
  | { ok: false; errors: FieldErrors };

/** Minor units as the editable major-unit text in the reader's language ("4050" USD → "40.50", "40,50" in Spanish). */
export function moneyToInput(m: Money, locale: Locale = 'en'): string {
  return moneyInputText(m, locale);
}

export function editValuesOf(gig: { title: string; description: string; budget: Money }, locale: Locale = 'en'): GigEditValues {
  return { title: gig.title, description: gig.description, budget: moneyToInput(gig.budget, locale) };
}

/** Only what changed goes in the command; `payload: null` means there is nothing to send. */
export function toGigUpdate(gig: { id: string; title: string; description: string; budget: Money }, values: GigEditValues): GigUpdateResult {
  const errors: FieldErrors = {};
  if (values.title.trim() === '') errors.title = { problem: 'required' };
  const budget = values.budget.trim() === '' ? null : parseMoneyInput(values.budget, gig.budget.currency);
  const budgetProblem = budgetError(values.budget, gig.budget.currency, budget);
  // A budget kept as it was is not sent, so one from before the cap and step does not stop other edits.
  if (budgetProblem && budget?.amount !== gig.budget.amount) errors.budget = budgetProblem;
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const payload: CommandInput<'gig.update'> = { gigId: gig.id };
  if (values.title.trim() !== gig.title) payload.title = values.title;
  if (values.description.trim() !== gig.description) payload.description = values.description;
  if (budget && budget.amount !== gig.budget.amount) payload.budget = budget;
  if (Object.keys(payload).length === 1) return { ok: true, payload: null };

  const parsed = commandPayloads['gig.update'].safeParse(payload);
  if (!parsed.success) return { ok: false, errors: schemaErrors(parsed.error.issues) };
  return { ok: true, payload };
}
