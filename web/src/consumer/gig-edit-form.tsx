// Editing a gig's words, budget, address and times while the gig machine allows `update`. Where it is (its point
// and area, which operators see and accept by) is not edited here.
import { useState, type FormEvent } from 'react';
import type { ViewDoc } from '../sync/optimistic';
import { useSync } from '../app/sync-context';
import type { Notice } from '../bookings/command-notice';
import { useLocale, useT } from '../i18n/i18n';
import { BudgetReadAs, errorId, FieldErrorText } from './field-error';
import { editValuesOf, toGigUpdate, type GigEditValues } from './gig-edit';
import type { FieldErrors, GigField } from './gig-form';
import { consumerMessages } from './messages';

export function GigEditForm({ gig, onDone }: { gig: ViewDoc<'gigs'>; onDone(notice: Notice): void }) {
  const t = useT(consumerMessages);
  const client = useSync();
  const { locale } = useLocale();
  const [values, setValues] = useState<GigEditValues>(() => editValuesOf(gig, locale));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saving, setSaving] = useState(false);

  const a11y = (field: GigField) => ({
    id: `gig-${field}`,
    'aria-invalid': errors[field] ? true : undefined,
    'aria-describedby': errors[field] ? errorId(field) : undefined,
  });

  async function save(e: FormEvent) {
    e.preventDefault();
    const result = toGigUpdate(gig, values, Date.now(), locale);
    if (!result.ok) {
      setErrors(result.errors);
      const first = (['title', 'description', 'budget', 'address', 'startsAt', 'expiresAt'] as const).find((f) => result.errors[f]);
      if (first) document.getElementById(`gig-${first}`)?.focus();
      return;
    }
    if (!result.payload) return onDone({ text: t('nothingChanged') });
    setSaving(true);
    try {
      const { id } = await client.issue('gig.update', result.payload);
      onDone({ commandId: id });
    } catch (err) {
      console.error(err);
      setErrors({ title: { problem: 'invalid' } });
      setSaving(false);
    }
  }

  return (
    <form className="card gig-edit" onSubmit={(e) => void save(e)} noValidate aria-labelledby="gig-edit-heading">
      <h2 id="gig-edit-heading">{t('editTitle')}</h2>
      <div className="field">
        <label htmlFor="gig-title">{t('fTitle')}</label>
        <input {...a11y('title')} value={values.title} maxLength={120} onChange={(e) => setValues({ ...values, title: e.target.value })} />
        <FieldErrorText field="title" error={errors.title} t={t} />
      </div>
      <div className="field">
        <label htmlFor="gig-description">{t('fDescription')}</label>
        <textarea {...a11y('description')} value={values.description} maxLength={4000} onChange={(e) => setValues({ ...values, description: e.target.value })} />
        <FieldErrorText field="description" error={errors.description} t={t} />
      </div>
      <div className="field">
        <label htmlFor="gig-budget">{t('editBudget', { currency: gig.budget.currency })}</label>
        <input {...a11y('budget')} inputMode="decimal" autoComplete="off" value={values.budget} onChange={(e) => setValues({ ...values, budget: e.target.value })} />
        <BudgetReadAs text={values.budget} currency={gig.budget.currency} />
        <FieldErrorText field="budget" error={errors.budget} t={t} />
      </div>
      <div className="field">
        <label htmlFor="gig-address">{t('fAddress')}</label>
        <input {...a11y('address')} value={values.address} maxLength={300} autoComplete="street-address" onChange={(e) => setValues({ ...values, address: e.target.value })} />
        <FieldErrorText field="address" error={errors.address} t={t} />
      </div>
      <div className="field">
        <label htmlFor="gig-startsAt">{t('fStartsAt')}</label>
        <input {...a11y('startsAt')} type="datetime-local" value={values.startsAt} onChange={(e) => setValues({ ...values, startsAt: e.target.value })} />
        <FieldErrorText field="startsAt" error={errors.startsAt} t={t} />
      </div>
      <div className="field">
        <label htmlFor="gig-expiresAt">{t('fExpiresAt')}</label>
        <input {...a11y('expiresAt')} type="datetime-local" value={values.expiresAt} onChange={(e) => setValues({ ...values, expiresAt: e.target.value })} />
        <FieldErrorText field="expiresAt" error={errors.expiresAt} t={t} />
      </div>
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={saving}>
          {t('saveChanges')}
        </button>
        <button type="button" className="btn" onClick={() => onDone(null)}>
          {t('discardChanges')}
        </button>
      </div>
    </form>
  );
}
