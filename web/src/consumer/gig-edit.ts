// Editing a posted gig (its words, budget, address and times): the changed fields as a `gig.update` payload.
import { commandPayloads, type CommandInput } from '@shared/commands';
import type { Locale } from '@shared/locales';
import type { Money } from '@shared/money';
import { moneyInputText, parseMoneyInput } from '../i18n/format';
import { budgetError, isoToLocalInput, localInputToIso, schemaErrors, timeProblem, type FieldErrors } from './gig-form';

export interface GigEditValues {
  title: string;
  description: string;
  /** Major units as typed, in the gig's currency. */
  budget: string;
  address: string;
  /** `datetime-local` values in the device's time zone, '' for none. */
  startsAt: string;
  expiresAt: string;
}

/** The fields of a gig the edit form changes, as the device has them. */
export interface EditableGig {
  id: string;
  title: string;
  description: string;
  budget: Money;
  address?: string | null;
  startsAt?: string | null;
  expiresAt?: string | null;
}

export type GigUpdateResult =
  | { ok: true; payload: CommandInput<'gig.update'> }
  | { ok: true; payload: null }
  | { ok: false; errors: FieldErrors };

export function editValuesOf(gig: Omit<EditableGig, 'id'>, locale: Locale = 'en'): GigEditValues {
  return {
    title: gig.title, description: gig.description, budget: moneyInputText(gig.budget, locale), address: gig.address ?? '',
    startsAt: gig.startsAt ? isoToLocalInput(gig.startsAt) : '', expiresAt: gig.expiresAt ? isoToLocalInput(gig.expiresAt) : '',
  };
}

/** Only what changed goes in the command; `payload: null` means there is nothing to send. */
export function toGigUpdate(gig: EditableGig, values: GigEditValues, now: number = Date.now(), locale?: Locale): GigUpdateResult {
  const errors: FieldErrors = {};
  if (values.title.trim() === '') errors.title = { problem: 'required' };
  const budget = values.budget.trim() === '' ? null : parseMoneyInput(values.budget, gig.budget.currency);
  const budgetProblem = budgetError(values.budget, gig.budget.currency, budget, locale);
  // A budget kept as it was is not sent, so one from before the cap and step does not stop other edits.
  if (budgetProblem && budget?.amount !== gig.budget.amount) errors.budget = budgetProblem;
  // A time is checked only when changed: one kept as it was (a start now past) does not stop other edits.
  const time = (field: 'startsAt' | 'expiresAt', was: string | null | undefined) => {
    const typed = values[field];
    if (typed === (was ? isoToLocalInput(was) : '')) return undefined;
    if (typed === '') return null;
    const iso = localInputToIso(typed);
    const problem = timeProblem(field, iso, now);
    if (problem) errors[field] = { problem };
    return iso;
  };
  const startsAt = time('startsAt', gig.startsAt);
  const expiresAt = time('expiresAt', gig.expiresAt);
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const payload: CommandInput<'gig.update'> = { gigId: gig.id };
  if (values.title.trim() !== gig.title) payload.title = values.title;
  if (values.description.trim() !== gig.description) payload.description = values.description;
  if (budget && budget.amount !== gig.budget.amount) payload.budget = budget;
  if (values.address.trim() !== (gig.address ?? '')) payload.address = values.address;
  if (startsAt !== undefined) payload.startsAt = startsAt;
  if (expiresAt !== undefined) payload.expiresAt = expiresAt;
  if (Object.keys(payload).length === 1) return { ok: true, payload: null };

  const parsed = commandPayloads['gig.update'].safeParse(payload);
  if (!parsed.success) return { ok: false, errors: schemaErrors(parsed.error.issues) };
  return { ok: true, payload };
}
