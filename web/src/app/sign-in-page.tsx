// Sign-in with a phone number and a texted code; the first screen, so it stays small (no database, no sync).
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useLocale, useT } from '../i18n/i18n';
import { requestCode, verifyCode } from './auth-api';
import { appMessages } from './messages';
import { useSession } from './session';
import { isCodeShaped, needsNewCode, signInErrorText } from './sign-in-errors';

type Step = { name: 'phone' } | { name: 'code'; phone: string };
/** What is under way, named by the words the screen shows meanwhile. */
type Busy = 'sending' | 'verifying';

export function SignInPage({ expired }: { expired?: boolean }) {
  const t = useT(appMessages);
  const { locale } = useLocale();
  const session = useSession();
  const [step, setStep] = useState<Step>({ name: 'phone' });
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState<Busy | null>(null);
  /** `newCode`: only a new code helps now, offered beside the sentence. */
  const [error, setError] = useState<{ text: string; newCode: boolean } | null>(null);
  /** A new code went to the number since the code step opened: only the newest text's code works. */
  const [resent, setResent] = useState(false);
  const codeInput = useRef<HTMLInputElement>(null);
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

  async function run(what: Busy, action: () => Promise<void>) {
    setBusy(what);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError({ text: signInErrorText(err, t), newCode: needsNewCode(err) });
    } finally {
      setBusy(null);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    if (step.name === 'phone') {
      void run('sending', async () => {
        await requestCode(phone, locale);
        setStep({ name: 'code', phone });
      });
    } else if (!isCodeShaped(code)) {
      setError({ text: t('signInCodeFormat'), newCode: false });
    } else {
      void run('verifying', async () => session.signedIn(await verifyCode(step.phone, code.trim(), name.trim() || undefined, locale)));
    }
  }

  /**
   * Another code for the same number, without typing it again: a sign-in whose answer was lost on the way back
   * has used its code, and the person must not be stranded with it. The server's limits per number and network
   * still apply; a refusal says how long to wait.
   */
  function sendNewCode(to: string) {
    void run('sending', async () => {
      await requestCode(to, locale);
      setCode('');
      setResent(true);
      codeInput.current?.focus();
    });
  }

  // Always on the code step: beside a refusal that only a new code answers, else under the form.
  const newCodeButton = (to: string, className: string) => (
    <button type="button" className={className} disabled={busy !== null || !online} onClick={() => sendNewCode(to)}>
      {busy === 'sending' ? t('sending') : t('sendNewCode')}
    </button>
  );

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
            <p role="status">{t(resent ? 'codeResentTo' : 'codeSentTo', { phone: step.phone })}</p>
            <div className="field">
              <label htmlFor="code">{t('codeLabel')}</label>
              <input
                ref={codeInput}
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
            {error.text}
          </p>
        )}
        {step.name === 'code' && error?.newCode && newCodeButton(step.phone, 'btn')}
        <button type="submit" className="btn btn-primary" disabled={busy !== null || !online}>
          {step.name === 'phone' ? (busy ? t('sending') : t('sendCode')) : busy === 'verifying' ? t('verifying') : t('verify')}
        </button>
        {step.name === 'code' && (
          <>
            {!error?.newCode && newCodeButton(step.phone, 'btn-link')}
            <button
              type="button"
              className="btn-link"
              onClick={() => {
                setStep({ name: 'phone' });
                setCode('');
                setError(null);
                setResent(false);
              }}
            >
              {t('changeNumber')}
            </button>
          </>
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
