// Sign-in with a phone number and a texted code; the first screen, so it stays small (no database, no sync).
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useLocale, useT } from '../i18n/i18n';
import { requestCode, verifyCode } from './auth-api';
import { appMessages } from './messages';
import { useSession } from './session';
import { isCodeShaped, signInErrorText } from './sign-in-errors';

type Step = { name: 'phone' } | { name: 'code'; phone: string };

export function SignInPage({ expired }: { expired?: boolean }) {
  const t = useT(appMessages);
  const { locale } = useLocale();
  const session = useSession();
  const [step, setStep] = useState<Step>({ name: 'phone' });
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [demo, setDemo] = useState(false);
  const [online, setOnline] = useState(() => navigator.onLine);
  const errorId = useId();

  useEffect(() => {
    document.title = `${t('signInTitle')} · Fieldwork`;
  }, [t]);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
    return () => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
    };
  }, []);
  // The dev inbox exists only on a server with the development SMS sink: then this is the demo.
  useEffect(() => {
    fetch('/dev/inbox.json', { method: 'HEAD' })
      .then((r) => setDemo(r.ok))
      .catch(() => setDemo(false));
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (step.name === 'phone') {
        await requestCode(phone, locale);
        setStep({ name: 'code', phone });
      } else if (!isCodeShaped(code)) {
        setError(t('signInCodeFormat'));
      } else {
        session.signedIn(await verifyCode(step.phone, code.trim(), name.trim() || undefined, locale));
      }
    } catch (err) {
      setError(signInErrorText(err, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="sign-in">
      <h1>{t('appName')}</h1>
      <p className="tagline">{t('tagline')}</p>
      {expired && (
        <p className="notice" role="status">
          {t('sessionExpired')}
        </p>
      )}
      {!online && (
        <p className="notice" role="status">
          {t('offlineSignIn')}
        </p>
      )}
      <form onSubmit={(e) => void submit(e)} className="card form" aria-describedby={error ? errorId : undefined} noValidate>
        <h2>{t('signInTitle')}</h2>
        {step.name === 'phone' ? (
          <div className="field">
            <label htmlFor="phone">{t('phoneLabel')}</label>
            <input
              id="phone"
              name="phone"
              type="tel"
              inputMode="tel"
              autoComplete="tel"
              required
              value={phone}
              onChange={(e) => setPhone(e.target.value)}
              aria-describedby="phone-hint"
            />
            <p id="phone-hint" className="hint">
              {t('phoneHint')}
            </p>
          </div>
        ) : (
          <>
            <p>{t('codeSentTo', { phone: step.phone })}</p>
            <div className="field">
              <label htmlFor="code">{t('codeLabel')}</label>
              <input
                id="code"
                name="code"
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="[0-9]*"
                required
                value={code}
                // Digits only, the first six: a pasted "123 456", or the whole text message, gives the code.
                onChange={(e) => setCode(e.target.value.replace(/\D/g, '').slice(0, 6))}
                autoFocus
              />
            </div>
            <div className="field">
              <label htmlFor="name">{t('nameLabel')}</label>
              <input id="name" name="name" autoComplete="name" maxLength={80} value={name} onChange={(e) => setName(e.target.value)} />
            </div>
          </>
        )}
        {error && (
          <p id={errorId} className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy || !online}>
          {step.name === 'phone' ? (busy ? t('sending') : t('sendCode')) : busy ? t('verifying') : t('verify')}
        </button>
        {step.name === 'code' && (
          <button
            type="button"
            className="btn-link"
            onClick={() => {
              setStep({ name: 'phone' });
              setCode('');
              setError(null);
            }}
          >
            {t('changeNumber')}
          </button>
        )}
      </form>
      {demo && (
        <p className="demo-hint">
          {t('demoInbox')}{' '}
          <a href="/dev/inbox" target="_blank" rel="noopener">
            {t('openInbox')}
          </a>
        </p>
      )}
    </main>
  );
}
