// The post-a-gig form as typed, and its mapping to a `gig.post` payload or to per-field problems.
import { commandPayloads, type CommandInput, type CommandPayload } from '@shared/commands';
import { amountRefusal, minorUnits, type CurrencyCode, type Money } from '@shared/money';
import { SKILLS, type SkillLevels } from '@shared/skills';
import type { Locale } from '@shared/locales';
import type { GigDoc } from '@shared/replication';
import { coordinateInputText, moneyInputProblem, moneyInputText, parseMoneyInput } from '../i18n/format';

/** Everything as the person typed it: strings until the mapping below says they are valid. */
export interface GigFormValues {
  title: string;
  description: string;
  skills: SkillLevels;
  budget: string;
  currency: CurrencyCode;
  lat: string;
  lng: string;
  areaLabel: string;
  address: string;
  /** A `datetime-local` value ("2030-05-01T09:30") in the device's time zone, or '' for none. */
  startsAt: string;
  expiresAt: string;
  /** Keep it as a draft only the client sees. */
  draft: boolean;
}

export const GIG_FIELDS = ['title', 'description', 'skills', 'budget', 'location', 'areaLabel', 'address', 'startsAt', 'expiresAt'] as const;
export type GigField = (typeof GIG_FIELDS)[number];

export type FieldProblem = FieldError['problem'];
export type FieldError =
  | {
      problem: 'required' | 'tooShort' | 'tooLong' | 'invalid' | 'tooMany' | 'inPast' | 'grouping' | 'decimals';
      /** The length or count limit the problem is about. */
      limit?: number;
    }
  /** An amount the server refuses: over one charge, or off its currency's step (the sentence names which, in it). */
  | { problem: 'tooBig' | 'offStep'; currency: CurrencyCode };
export type FieldErrors = Partial<Record<GigField, FieldError>>;

/**
 * What is wrong with a typed budget, before the shared schema sees it: missing; typed with thousands
 * separators or more decimals than its currency has; not an amount above zero; or one the server refuses
 * (over one charge, off its currency's step). Each has its own sentence.
 */
export function budgetError(text: string, currency: CurrencyCode, budget: Money | null, locale?: Locale): FieldError | undefined {
  if (text.trim() === '') return { problem: 'required' };
  if (!budget) {
    const problem = moneyInputProblem(text, currency, locale);
    if (problem === 'tooBig') return { problem, currency };
    // The example in each sentence has as many decimals as the currency: "1000.50" is no JPY amount.
    return problem === 'decimals' || problem === 'grouping' ? { problem, limit: minorUnits(currency) } : { problem };
  }
  if (budget.amount <= 0) return { problem: 'invalid' };
  const refusal = amountRefusal(budget);
  return refusal ? { problem: refusal, currency: budget.currency } : undefined;
}

export type GigPostResult = { ok: true; payload: CommandInput<'gig.post'> } | { ok: false; errors: FieldErrors };

export const emptyGigForm = (currency: CurrencyCode = 'USD'): GigFormValues => ({
  title: '',
  description: '',
  skills: {},
  budget: '',
  currency,
  lat: '',
  lng: '',
  areaLabel: '',
  address: '',
  startsAt: '',
  expiresAt: '',
  draft: false,
});

/**
 * A `gig.post` the server refused, back as the form's values: what the client typed (perhaps at length, offline)
 * is edited and posted again rather than typed anew. Times come back as they were, so a passed expiry is flagged.
 */
export function formValuesOf(p: CommandPayload<'gig.post'>, locale: Locale): GigFormValues {
  return {
    title: p.title,
    description: p.description,
    skills: { ...p.skills },
    budget: moneyInputText(p.budget, locale),
    currency: p.budget.currency,
    lat: coordinateInputText(p.location.lat, locale),
    lng: coordinateInputText(p.location.lng, locale),
    areaLabel: p.areaLabel,
    address: p.address,
    startsAt: p.startsAt ? isoToLocalInput(p.startsAt) : '',
    expiresAt: p.expiresAt ? isoToLocalInput(p.expiresAt) : '',
    draft: p.publish === false,
  };
}

/**
 * A new gig's form from one of the client's gigs that has ended (expired, cancelled or done): the work again,
 * as described, priced and placed before. Its times were for the gig that ended, so they start empty.
 */
export function formValuesFromGig(g: Pick<GigDoc, 'title' | 'description' | 'skills' | 'budget' | 'location' | 'address' | 'areaLabel'>, locale: Locale): GigFormValues {
  const { title, description, skills, budget, location, address, areaLabel } = g;
  return formValuesOf({ gigId: '', title, description, skills, budget, location, address, areaLabel, startsAt: null, expiresAt: null, publish: true }, locale);
}

/** "37,77" and "37.77" alike; null when it is not a number. */
export function parseCoordinate(text: string): number | null {
  const cleaned = text.trim().replace(',', '.');
  if (!/^[-+]?\d+(\.\d+)?$/.test(cleaned)) return null;
  return Number(cleaned);
}

/** A `datetime-local` value read in the device's time zone, as an ISO instant; null when not a date. */
export function localInputToIso(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return null;
  const t = new Date(value).getTime();
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** An ISO instant as a `datetime-local` value in the device's time zone. */
export function isoToLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Which form field a schema path belongs to (budget.amount → budget, location.lat → location). */
function fieldOf(path: readonly PropertyKey[]): GigField | null {
  const head = path[0];
  return (GIG_FIELDS as readonly PropertyKey[]).includes(head as PropertyKey) ? (head as GigField) : null;
}

/**
 * Turns the shared schema's issues into problems a person can fix. Only issues the form's own checks
 * cannot foresee reach here (lengths, coordinate ranges, the skill count).
 */
export function schemaErrors(
  issues: readonly { path: readonly PropertyKey[]; code: string; minimum?: unknown; maximum?: unknown }[],
  skillCount = 0,
): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const field = fieldOf(issue.path);
    if (!field || errors[field]) continue;
    if (field === 'skills') {
      errors.skills = skillCount === 0 ? { problem: 'required' } : { problem: 'tooMany', limit: 5 };
    } else if (field === 'location' || field === 'budget') {
      errors[field] = { problem: 'invalid' };
    } else if (issue.code === 'too_small') {
      errors[field] = { problem: 'tooShort', limit: Number(issue.minimum) };
    } else if (issue.code === 'too_big') {
      errors[field] = { problem: 'tooLong', limit: Number(issue.maximum) };
    } else {
      errors[field] = { problem: 'invalid' };
    }
  }
  return errors;
}

/** How long before now a start may be and still be "now": the minutes it took to fill in the form. */
const START_SLACK_MS = 15 * 60_000;

/**
 * What is wrong with a gig's time as typed and read (`iso`, null when it is no time), for the post and the edit
 * form alike: work cannot start in the past (a start picked while filling in the form is still fine), and the
 * server refuses an offer that has already ended (gig_expired).
 */
export function timeProblem(field: 'startsAt' | 'expiresAt', iso: string | null, now: number): 'invalid' | 'inPast' | undefined {
  if (!iso) return 'invalid';
  if (field === 'startsAt' ? Date.parse(iso) < now - START_SLACK_MS : Date.parse(iso) <= now) return 'inPast';
  return undefined;
}

/** The form's values as a `gig.post` payload, validated with the shared schema, or what to fix. */
export function toGigPost(values: GigFormValues, gigId: string, now: number = Date.now(), locale?: Locale): GigPostResult {
  const errors: FieldErrors = {};

  if (values.title.trim() === '') errors.title = { problem: 'required' };

  const budget = values.budget.trim() === '' ? null : parseMoneyInput(values.budget, values.currency);
  const budgetProblem = budgetError(values.budget, values.currency, budget, locale);
  if (budgetProblem) errors.budget = budgetProblem;

  const lat = parseCoordinate(values.lat);
  const lng = parseCoordinate(values.lng);
  if (values.lat.trim() === '' && values.lng.trim() === '') errors.location = { problem: 'required' };
  else if (lat === null || lng === null) errors.location = { problem: 'invalid' };

  const skills = Object.fromEntries(SKILLS.filter((s) => values.skills[s] !== undefined).map((s) => [s, values.skills[s]])) as SkillLevels;

  const startsAt = values.startsAt ? localInputToIso(values.startsAt) : null;
  const expiresAt = values.expiresAt ? localInputToIso(values.expiresAt) : null;
  for (const [field, typed, iso] of [['startsAt', values.startsAt, startsAt], ['expiresAt', values.expiresAt, expiresAt]] as const) {
    const problem = typed ? timeProblem(field, iso, now) : undefined;
    if (problem) errors[field] = { problem };
  }

  const candidate = {
    gigId,
    title: values.title,
    description: values.description,
    skills,
    budget: budget ?? { amount: 0, currency: values.currency },
    location: { lat: lat ?? 0, lng: lng ?? 0 },
    address: values.address,
    areaLabel: values.areaLabel,
    startsAt,
    expiresAt,
    publish: !values.draft,
  };
  const parsed = commandPayloads['gig.post'].safeParse(candidate);
  if (!parsed.success) {
    const fromSchema = schemaErrors(parsed.error.issues, Object.keys(skills).length);
    for (const field of GIG_FIELDS) if (!errors[field] && fromSchema[field]) errors[field] = fromSchema[field];
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, payload: candidate };
}

/** The first field with a problem, in the order the form shows them: where focus goes on submit. */
export function firstErrorField(errors: FieldErrors): GigField | undefined {
  return GIG_FIELDS.find((f) => errors[f]);
}
