// A form field's problem as a sentence in the user's language, shown next to the field.
import type { Translate } from '../i18n/i18n';
import type { FieldError, GigField } from './gig-form';
import type { consumerMessages } from './messages';

type Key = keyof typeof consumerMessages.en;

export function errorText(t: Translate<Key>, field: GigField, error: FieldError): string {
  const n = error.limit ?? 0;
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
  if (!error) return null;
  return (
    <p className="field-error" id={errorId(field)}>
      {errorText(t, field, error)}
    </p>
  );
}
