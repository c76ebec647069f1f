// A form field's problem as a sentence in the user's language, shown next to the field; and how a typed budget is read.
import type { Locale } from '@shared/locales';
import type { CurrencyCode } from '@shared/money';
import { amountLimits } from '../i18n/format';
import { AmountReadAs } from '../ui/amount-read-as';
import { useLocale, useT, type Translate } from '../i18n/i18n';
import type { FieldError, GigField } from './gig-form';
import { consumerMessages } from './messages';

type Key = keyof typeof consumerMessages.en;

export function errorText(t: Translate<Key>, field: GigField, error: FieldError, locale: Locale): string {
  const n = 'limit' in error ? (error.limit ?? 0) : 0;
  switch (error.problem) {
    case 'required':
      if (field === 'title') return t('errTitleRequired');
      if (field === 'skills') return t('errSkillsRequired');
      if (field === 'budget') return t('errBudgetRequired');
      if (field === 'location') return t('errLocationRequired');
      return t('errRequired');
    case 'tooShort':
      return t('errTooShort', { n });
    case 'tooLong':
      return t('errTooLong', { n });
    case 'tooMany':
      return t('errSkillsTooMany', { n });
    case 'inPast':
      return t('errInPast');
    case 'grouping':
      return n === 0 ? t('errBudgetGroupingWhole') : t('errBudgetGrouping');
    case 'decimals':
      return n === 0 ? t('errBudgetWhole') : t('errBudgetDecimals', { n });
    // Only a budget is an amount; the sentences name the cap or the step in the budget's currency.
    case 'tooBig':
      return t('errBudgetTooBig', amountLimits(error.currency, locale));
    case 'offStep':
      return t('errBudgetOffStep', amountLimits(error.currency, locale));
    case 'invalid':
      if (field === 'budget') return t('errBudgetInvalid');
      if (field === 'location') return t('errLocationInvalid');
      if (field === 'startsAt' || field === 'expiresAt') return t('errDateInvalid');
      return t('errInvalid');
  }
}

/** The id a field's input points at with aria-describedby. */
export const errorId = (field: GigField) => `gig-${field}-error`;

export function FieldErrorText({ field, error, t }: { field: GigField; error: FieldError | undefined; t: Translate<Key> }) {
  const { locale } = useLocale();
  if (!error) return null;
  return (
    <p className="field-error" id={errorId(field)}>
      {errorText(t, field, error, locale)}
    </p>
  );
}

/** The budget as it will be read, seen before posting rather than after. */
export function BudgetReadAs({ text, currency }: { text: string; currency: CurrencyCode }) {
  const t = useT(consumerMessages);
  return <AmountReadAs text={text} currency={currency} say={(amount) => t('fBudgetReadAs', { amount })} testId="budget-read-as" />;
}
