// "Post a gig": one short form, validated with the shared schema, issued as `gig.post` (works offline).
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useLocation, useSearchParams } from 'wouter';
import { commandPayloads } from '@shared/commands';
import { CURRENCIES, minorUnits, type CurrencyCode } from '@shared/money';
import { useSync } from '../app/sync-context';
import type { Locale } from '@shared/locales';
import { useLocale, useT } from '../i18n/i18n';
import type { SyncClient } from '../sync/client';
import { newId } from '../sync/ids';
import { Page } from '../ui/page';
import { BudgetReadAs, errorId, FieldErrorText } from './field-error';
import { emptyGigForm, firstErrorField, formValuesFromGig, formValuesOf, toGigPost, type FieldErrors, type GigField, type GigFormValues } from './gig-form';
import { LocationFields } from './location-fields';
import { consumerMessages } from './messages';
import { SkillsPicker } from './skills-picker';
import './consumer.css';

const CURRENCY_CODES = Object.keys(CURRENCIES) as CurrencyCode[];

export function PostGigPage() {
  const t = useT(consumerMessages);
  const client = useSync();
  const [, navigate] = useLocation();
  const [values, setValues] = useState<GigFormValues>(() => emptyGigForm());
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failed, setFailed] = useState(false);
  const [saving, setSaving] = useState(false);
  const { locale } = useLocale();
  // The form may start from something: a refused post ("Edit and post again" in the status line), what was
  // sent; or one of the client's gigs that has ended ("Post it again"), that gig with its times left empty.
  const [params] = useSearchParams();
  const again = params.get('again');
  const from = again ? null : params.get('from');
  const [copiedFrom, setCopiedFrom] = useState<string | null>(null);
  useEffect(() => {
    if (!again && !from) return;
    let live = true;
    void startingValues(client, again, from, locale).then((start) => {
      if (!live || !start) return;
      setValues(start.values);
      setCopiedFrom(start.copiedFrom);
    });
    return () => {
      live = false;
    };
    // Once per source: a change of language later must not overwrite what is being typed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [again, from, client]);

  const set = <K extends keyof GigFormValues>(key: K, value: GigFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));
  /** Props that tie an input to its hint and its error for screen readers. */
  const a11y = (field: GigField, hint?: string) => {
    const ids = [hint, errors[field] ? errorId(field) : undefined].filter(Boolean).join(' ');
    return { id: `gig-${field}`, 'aria-invalid': errors[field] ? true : undefined, 'aria-describedby': ids || undefined };
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (saving) return;
    const gigId = newId();
    const result = toGigPost(values, gigId, Date.now(), locale);
    if (!result.ok) {
      setErrors(result.errors);
      const first = firstErrorField(result.errors);
      if (first) document.getElementById(`gig-${first}`)?.focus();
      return;
    }
    setErrors({});
    setSaving(true);
    try {
      await client.issue('gig.post', result.payload);
      // Posted anew: the refusal it answers has been dealt with.
      if (again) await client.dismiss(again);
      // The gig's page shows it at once, marked as not yet confirmed. Posted again from a refused post, it
      // takes the form's place in history: Back must not land on that form, filled, to be posted twice.
      navigate(`/gigs/${gigId}`, { replace: again !== null });
    } catch (err) {
      console.error(err);
      setFailed(true);
      setSaving(false);
    }
  }

  const hasErrors = Object.keys(errors).length > 0;

  return (
    <Page title={t('postGig')}>
      {copiedFrom !== null && (
        <p className="notice" data-testid="copied-from">
          {t('copiedFrom', { title: copiedFrom })}
        </p>
      )}
      <form className="gig-form" onSubmit={(e) => void submit(e)} noValidate>
        {(hasErrors || failed) && (
          <p className="error" role="alert">
            {failed ? t('errUnexpected') : t('fixErrors')}
          </p>
        )}

        <div className="field">
          <label htmlFor="gig-title">{t('fTitle')}</label>
          <input {...a11y('title', 'gig-title-hint')} value={values.title} maxLength={120} autoComplete="off" onChange={(e) => set('title', e.target.value)} />
          <p className="hint" id="gig-title-hint">
            {t('fTitleHint')}
          </p>
          <FieldErrorText field="title" error={errors.title} t={t} />
        </div>

        <div className="field">
          <label htmlFor="gig-description">{t('fDescription')}</label>
          <textarea {...a11y('description', 'gig-description-hint')} value={values.description} maxLength={4000} onChange={(e) => set('description', e.target.value)} />
          <p className="hint" id="gig-description-hint">
            {t('fDescriptionHint')}
          </p>
          <FieldErrorText field="description" error={errors.description} t={t} />
        </div>

        <SkillsPicker
          value={values.skills}
          onChange={(skills) => set('skills', skills)}
          invalid={!!errors.skills}
          error={<FieldErrorText field="skills" error={errors.skills} t={t} />}
        />

        <div className="field">
          <label htmlFor="gig-budget">{t('fBudget')}</label>
          <div className="budget-row">
            <input {...a11y('budget', 'gig-budget-hint')} inputMode="decimal" autoComplete="off" value={values.budget} onChange={(e) => set('budget', e.target.value)} />
            <label className="visually-hidden" htmlFor="gig-currency">
              {t('fCurrency')}
            </label>
            <select id="gig-currency" value={values.currency} onChange={(e) => set('currency', e.target.value as CurrencyCode)}>
              {CURRENCY_CODES.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </div>
          <p className="hint" id="gig-budget-hint">
            {/* A currency without minor units (JPY) takes whole amounts: its example has no decimals. */}
            {t(minorUnits(values.currency) === 0 ? 'fBudgetHintWhole' : 'fBudgetHint')}
          </p>
          <BudgetReadAs text={values.budget} currency={values.currency} />
          <FieldErrorText field="budget" error={errors.budget} t={t} />
        </div>

        <fieldset>
          <legend>{t('fWhere')}</legend>
          <LocationFields
            lat={values.lat}
            lng={values.lng}
            onChange={({ lat, lng }) => setValues((v) => ({ ...v, lat, lng }))}
            invalid={!!errors.location}
            error={<FieldErrorText field="location" error={errors.location} t={t} />}
          />
          <div className="field">
            <label htmlFor="gig-areaLabel">{t('fAreaLabel')}</label>
            <input {...a11y('areaLabel', 'gig-areaLabel-hint')} value={values.areaLabel} maxLength={80} onChange={(e) => set('areaLabel', e.target.value)} />
            <p className="hint" id="gig-areaLabel-hint">
              {t('fAreaLabelHint')}
            </p>
            <FieldErrorText field="areaLabel" error={errors.areaLabel} t={t} />
          </div>
          <div className="field">
            <label htmlFor="gig-address">{t('fAddress')}</label>
            <input {...a11y('address', 'gig-address-hint')} value={values.address} maxLength={300} autoComplete="street-address" onChange={(e) => set('address', e.target.value)} />
            <p className="hint" id="gig-address-hint">
              {t('fAddressHint')}
            </p>
            <FieldErrorText field="address" error={errors.address} t={t} />
          </div>
        </fieldset>

        <fieldset>
          <legend>{t('fWhen')}</legend>
          <div className="field">
            <label htmlFor="gig-startsAt">{t('fStartsAt')}</label>
            <input {...a11y('startsAt')} type="datetime-local" value={values.startsAt} onChange={(e) => set('startsAt', e.target.value)} />
            <FieldErrorText field="startsAt" error={errors.startsAt} t={t} />
          </div>
          <div className="field">
            <label htmlFor="gig-expiresAt">{t('fExpiresAt')}</label>
            <input {...a11y('expiresAt', 'gig-expiresAt-hint')} type="datetime-local" value={values.expiresAt} onChange={(e) => set('expiresAt', e.target.value)} />
            <p className="hint" id="gig-expiresAt-hint">
              {t('fExpiresAtHint')}
            </p>
            <FieldErrorText field="expiresAt" error={errors.expiresAt} t={t} />
          </div>
        </fieldset>

        <label className="check">
          <input type="checkbox" checked={values.draft} onChange={(e) => set('draft', e.target.checked)} />
          {t('fDraft')}
        </label>

        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={saving} data-testid="submit-gig">
            {values.draft ? t('submitDraft') : t('submitPost')}
          </button>
          <Link href="/" className="btn-link">
            {t('backToGigs')}
          </Link>
        </div>
      </form>
    </Page>
  );
}

/** The form's first values from a refused post (`again`, a command id) or an ended gig of the client's (`from`). */
async function startingValues(client: SyncClient, again: string | null, from: string | null, locale: Locale): Promise<{ values: GigFormValues; copiedFrom: string | null } | null> {
  if (again) {
    const doc = await client.db.commands.findOne(again).exec();
    if (!doc || doc.type !== 'gig.post' || doc.status !== 'rejected') return null;
    const parsed = commandPayloads['gig.post'].safeParse(JSON.parse(doc.payload));
    return parsed.success ? { values: formValuesOf(parsed.data, locale), copiedFrom: null } : null;
  }
  const gig = from ? await client.db.gigs.findOne(from).exec() : null;
  return gig && gig.clientId === client.userId ? { values: formValuesFromGig(gig, locale), copiedFrom: gig.title } : null;
}
