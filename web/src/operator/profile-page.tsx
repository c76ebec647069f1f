// /o/profile: name, bio, skills, home, service radius and rate; Save issues one profile.update with the changed fields.
import { useState, type FormEvent, type ReactNode } from 'react';
import type { CurrencyCode } from '@shared/money';
import { useMe, useSync } from '../app/sync-context';
import { amountLimits } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { Loading, Page } from '../ui/page';
import { PendingMark } from '../ui/pending-mark';
import { HomeLocationFields } from './home-location-fields';
import { operatorMessages } from './messages';
import { draftValue, profileChanges, RADIUS_MAX, RADIUS_MIN, type DraftField, type ProfileDraft, type ProfileError, type ProfileUpdate } from './profile-changes';
import { SkillsEditor } from './skills-editor';

/** A rate is asked in the profile's currency; a profile without one starts in the demo's currency. */
const DEFAULT_CURRENCY: CurrencyCode = 'USD';

const INPUT_IDS: Record<DraftField, string> = {
  displayName: 'op-name',
  bio: 'op-bio',
  skills: 'op-skills',
  lat: 'op-home-lat',
  lng: 'op-home-lng',
  serviceRadiusKm: 'op-radius',
  hourlyRate: 'op-rate',
};

const ERROR_KEYS = {
  nameRequired: 'errNameRequired',
  nameTooLong: 'errNameTooLong',
  bioTooLong: 'errBioTooLong',
  homeIncomplete: 'errHomeIncomplete',
  latRange: 'errLatRange',
  lngRange: 'errLngRange',
  radiusRange: 'errRadiusRange',
  rateInvalid: 'errRateInvalid',
  rateTooBig: 'errRateTooBig',
  rateOffStep: 'errRateOffStep',
} as const satisfies Record<ProfileError, string>;


export function ProfilePage() {
  const t = useT(operatorMessages);
  const { locale } = useLocale();
  const client = useSync();
  const me = useMe();
  const [edits, setEdits] = useState<Partial<ProfileDraft>>({});
  const [errors, setErrors] = useState<Partial<Record<DraftField, ProfileError>>>({});
  const [result, setResult] = useState<'saved' | 'unchanged' | null>(null);

  if (!me) {
    return (
      <Page title={t('profileTitle')}>
        <Loading label={t('loading')} />
      </Page>
    );
  }
  const profile = me;
  const currency = profile.hourlyRate?.currency ?? DEFAULT_CURRENCY;
  const value = <F extends DraftField>(f: F): ProfileDraft[F] => (edits[f] as ProfileDraft[F] | undefined) ?? draftValue(profile, f, locale);
  const edit = <F extends DraftField>(f: F, v: ProfileDraft[F]) => {
    setEdits((e) => ({ ...e, [f]: v }));
    setErrors(({ [f]: _, ...rest }) => rest);
    setResult(null);
  };
  const pending = (field: string) => <PendingMark show={profile.pendingFields.includes(field)} />;
  // The rate's sentences name the cap and the step in its currency; the others take no values.
  const errorText = (e: ProfileError) => t(ERROR_KEYS[e], amountLimits(currency, locale));

  async function save(e: FormEvent) {
    e.preventDefault();
    const { update, errors: found } = profileChanges(profile, edits, currency);
    setErrors(found);
    const invalid = (Object.keys(INPUT_IDS) as DraftField[]).find((f) => found[f]);
    if (invalid) {
      document.getElementById(INPUT_IDS[invalid])?.focus();
      return;
    }
    if (Object.keys(update).length > 0) await client.issue('profile.update', update as ProfileUpdate);
    setEdits({});
    setResult(Object.keys(update).length > 0 ? 'saved' : 'unchanged');
  }

  return (
    <Page title={t('profileTitle')}>
      <form onSubmit={(e) => void save(e)} noValidate data-testid="profile-form">
        <h2>{t('aboutYou')}</h2>
        <TextField id={INPUT_IDS.displayName} label={t('displayName')} mark={pending('displayName')} error={errors.displayName && errorText(errors.displayName)}>
          {(a) => <input {...a} type="text" autoComplete="name" maxLength={80} value={value('displayName')} onChange={(e) => edit('displayName', e.target.value)} />}
        </TextField>
        <TextField id={INPUT_IDS.bio} label={t('bio')} hint={t('bioHint')} mark={pending('bio')} error={errors.bio && errorText(errors.bio)}>
          {(a) => <textarea {...a} maxLength={1000} value={value('bio')} onChange={(e) => edit('bio', e.target.value)} />}
        </TextField>

        <h2 id={INPUT_IDS.skills} tabIndex={-1}>
          {t('skillsTitle')} {pending('skills')}
        </h2>
        <SkillsEditor value={value('skills')} onChange={(s) => edit('skills', s)} />

        <h2>
          {t('whereYouWork')} {pending('home')}
        </h2>
        <p className="hint">{t('homeHint')}</p>
        <HomeLocationFields
          lat={value('lat')}
          lng={value('lng')}
          onChange={(f, v) => edit(f, v)}
          errors={{ lat: errors.lat, lng: errors.lng }}
          errorText={errorText}
        />
        <TextField
          id={INPUT_IDS.serviceRadiusKm}
          label={t('serviceRadius')}
          hint={t('serviceRadiusHint', { min: RADIUS_MIN, max: RADIUS_MAX })}
          mark={pending('serviceRadiusKm')}
          error={errors.serviceRadiusKm && errorText(errors.serviceRadiusKm)}
        >
          {(a) => (
            <input {...a} type="text" inputMode="decimal" autoComplete="off" value={value('serviceRadiusKm')} onChange={(e) => edit('serviceRadiusKm', e.target.value)} />
          )}
        </TextField>

        <h2>{t('rateTitle')}</h2>
        <TextField
          id={INPUT_IDS.hourlyRate}
          label={t('hourlyRate', { currency })}
          hint={t('hourlyRateHint')}
          mark={pending('hourlyRate')}
          error={errors.hourlyRate && errorText(errors.hourlyRate)}
        >
          {(a) => <input {...a} type="text" inputMode="decimal" autoComplete="off" value={value('hourlyRate')} onChange={(e) => edit('hourlyRate', e.target.value)} />}
        </TextField>

        <div className="actions">
          <button type="submit" className="btn btn-primary op-wide">
            {t('saveProfile')}
          </button>
        </div>
        <p className="hint" role="status" data-testid="profile-save-status">
          {Object.keys(edits).length > 0 ? t('unsavedChanges') : result === 'saved' ? t('profileSaved') : result === 'unchanged' ? t('nothingToSave') : ''}
        </p>
      </form>
    </Page>
  );
}

interface InputAttrs {
  id: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

/** A labelled field with its hint, its error (tied to the input for screen readers) and its pending mark. */
function TextField(props: { id: string; label: string; hint?: string; mark: ReactNode; error?: string; children(attrs: InputAttrs): ReactNode }) {
  const hintId = `${props.id}-hint`;
  const errorId = `${props.id}-error`;
  const describedBy = [props.hint && hintId, props.error && errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      {/* The mark sits beside the label, not in it, so the field's name stays just its label. */}
      <div className="op-label-row">
        <label htmlFor={props.id}>{props.label}</label>
        {props.mark}
      </div>
      {props.children({ id: props.id, 'aria-invalid': props.error ? true : undefined, 'aria-describedby': describedBy })}
      {props.hint && (
        <p className="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p className="error" id={errorId}>
          {props.error}
        </p>
      )}
    </div>
  );
}
