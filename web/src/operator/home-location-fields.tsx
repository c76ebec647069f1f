// Home location as latitude/longitude: typed, or taken from the device's location on request.
import { useState } from 'react';
import { coordinateInputText } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { operatorMessages } from './messages';
import type { ProfileError } from './profile-changes';

type Locating = 'idle' | 'busy' | 'denied' | 'failed';

/** About 11 m: plenty for a service area, and no more of someone's home than needed. */
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

interface Props {
  lat: string;
  lng: string;
  onChange(field: 'lat' | 'lng', value: string): void;
  errors: { lat?: ProfileError; lng?: ProfileError };
  errorText(e: ProfileError): string;
}

export function HomeLocationFields({ lat, lng, onChange, errors, errorText }: Props) {
  const t = useT(operatorMessages);
  const { locale } = useLocale();
  const [locating, setLocating] = useState<Locating>('idle');
  const canLocate = typeof navigator !== 'undefined' && 'geolocation' in navigator;

  function locate() {
    setLocating('busy');
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        onChange('lat', coordinateInputText(round4(pos.coords.latitude), locale));
        onChange('lng', coordinateInputText(round4(pos.coords.longitude), locale));
        setLocating('idle');
      },
      (err) => setLocating(err.code === err.PERMISSION_DENIED ? 'denied' : 'failed'),
      // A cached fix is fine for a home location, and a fresh GPS fix can take minutes on a cheap phone.
      { enableHighAccuracy: false, timeout: 20_000, maximumAge: 10 * 60_000 },
    );
  }

  return (
    <>
      <div className="op-latlng">
        <NumberField id="op-home-lat" label={t('latitude')} value={lat} onChange={(v) => onChange('lat', v)} error={errors.lat && errorText(errors.lat)} />
        <NumberField id="op-home-lng" label={t('longitude')} value={lng} onChange={(v) => onChange('lng', v)} error={errors.lng && errorText(errors.lng)} />
      </div>
      {canLocate && (
        <div className="actions">
          <button type="button" className="btn" onClick={locate} disabled={locating === 'busy'} data-testid="use-my-location">
            {t('useMyLocation')}
          </button>
        </div>
      )}
      <p className="hint" role="status">
        {locating === 'busy' ? t('locating') : locating === 'denied' ? t('locationDenied') : locating === 'failed' ? t('locationFailed') : ''}
      </p>
    </>
  );
}

function NumberField(props: { id: string; label: string; value: string; onChange(v: string): void; error?: string }) {
  const errorId = `${props.id}-error`;
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      {/* Text, not type="number": a browser's number field drops a decimal comma ("37,76" becomes 3776), which
          people writing Spanish type; profile-changes.ts reads either separator and checks the range. */}
      <input
        id={props.id}
        type="text"
        inputMode="decimal"
        autoComplete="off"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? errorId : undefined}
      />
      {props.error && (
        <p className="error" id={errorId}>
          {props.error}
        </p>
      )}
    </div>
  );
}
