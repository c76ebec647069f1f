// Where the gig is: "Use my location" (the device's GPS) or typed coordinates, with a clear word when GPS fails.
import { useState, type ReactNode } from 'react';
import { coordinateInputText } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { errorId } from './field-error';
import { consumerMessages } from './messages';

type GeoState = 'idle' | 'locating' | 'located' | 'denied' | 'unavailable' | 'timeout';

// GeolocationPositionError codes, as numbers: not every engine exposes the named constants.
const PERMISSION_DENIED = 1;
const TIMEOUT = 3;

/** Five decimals is about a metre: plenty for a street address, and short to read back. */
const round = (x: number) => Number(x.toFixed(5));

export function LocationFields({
  lat,
  lng,
  onChange,
  invalid,
  error,
}: {
  lat: string;
  lng: string;
  onChange(next: { lat: string; lng: string }): void;
  invalid: boolean;
  error?: ReactNode;
}) {
  const t = useT(consumerMessages);
  const { locale } = useLocale();
  const [geo, setGeo] = useState<GeoState>('idle');

  function locate() {
    const geolocation = typeof navigator === 'undefined' ? undefined : navigator.geolocation;
    if (!geolocation) return setGeo('unavailable');
    setGeo('locating');
    geolocation.getCurrentPosition(
      (pos) => {
        onChange({ lat: coordinateInputText(round(pos.coords.latitude), locale), lng: coordinateInputText(round(pos.coords.longitude), locale) });
        setGeo('located');
      },
      (err) => setGeo(err.code === PERMISSION_DENIED ? 'denied' : err.code === TIMEOUT ? 'timeout' : 'unavailable'),
      // A recent fix is fine and saves battery; low accuracy answers fast indoors.
      { enableHighAccuracy: false, timeout: 15_000, maximumAge: 5 * 60_000 },
    );
  }

  const message = { idle: '', locating: t('locating'), located: t('located'), denied: t('geoDenied'), unavailable: t('geoUnavailable'), timeout: t('geoTimeout') }[geo];
  const failed = geo === 'denied' || geo === 'unavailable' || geo === 'timeout';
  const describedBy = `gig-coords-hint${invalid ? ` ${errorId('location')}` : ''}`;

  return (
    <div className="location-fields">
      <button type="button" className="btn" onClick={locate} disabled={geo === 'locating'} data-testid="use-my-location">
        {t('useMyLocation')}
      </button>
      {/* Always in the page, so screen readers announce the message when it changes. */}
      <p role="status" className={message ? (failed ? 'notice' : 'hint') : undefined}>
        {message}
      </p>
      {error}
      <div className="coords">
        <div className="field">
          <label htmlFor="gig-location">{t('fLat')}</label>
          <input
            id="gig-location"
            inputMode="decimal"
            autoComplete="off"
            value={lat}
            aria-invalid={invalid || undefined}
            aria-describedby={describedBy}
            onChange={(e) => onChange({ lat: e.target.value, lng })}
          />
        </div>
        <div className="field">
          <label htmlFor="gig-lng">{t('fLng')}</label>
          <input
            id="gig-lng"
            inputMode="decimal"
            autoComplete="off"
            value={lng}
            aria-invalid={invalid || undefined}
            aria-describedby={describedBy}
            onChange={(e) => onChange({ lat, lng: e.target.value })}
          />
        </div>
      </div>
      <p className="hint" id="gig-coords-hint">
        {t('fCoordsHint')}
      </p>
    </div>
  );
}
