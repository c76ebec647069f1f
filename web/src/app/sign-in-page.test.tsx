// @vitest-environment happy-dom
// The code step always has a way to a new code for the same number: a sign-in whose answer was lost on the way
// back has used its code, and the person must not be left to type the number again to get another.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { I18nProvider } from '../i18n/i18n';
import { SessionProvider, useSession } from './session';
import { SignInPage } from './sign-in-page';

const PHONE = '+14155550101';

/** The sign-in endpoints as the server answers them, one answer per request, in order. */
function server(answers: Record<'/auth/code' | '/auth/verify', (() => Response)[]>) {
  const asked: { path: string; body: unknown }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string, init: RequestInit = {}) => {
      // No dev inbox: not the demo.
      if (path === '/dev/inbox.json') return new Response(null, { status: 404 });
      asked.push({ path, body: JSON.parse(String(init.body)) });
      const answer = answers[path as keyof typeof answers]?.shift();
      if (!answer) throw new Error(`unexpected ${path}`);
      return answer();
    }),
  );
  return asked;
}

const sent = () => Response.json({ sent: true, expiresInSeconds: 600 }, { status: 202 });
/** The server took the code and opened a session, but its answer never reached the phone. */
const lostOnTheWayBack = (): Response => {
  throw new TypeError('Failed to fetch');
};
const refused = (status: number, code: string, details: object) => () => Response.json({ error: { code, message: 'An English sentence.', details } }, { status });
const grant = () => Response.json({ accessToken: 'a', expiresIn: 900, user: { id: 'user-c', roles: ['consumer'] } });

function SignedInAs() {
  const { state } = useSession();
  return state.status === 'signed-in' ? <p>Signed in as {state.user.id}</p> : <SignInPage />;
}

function open(locale: 'en' | 'es' = 'en') {
  render(
    <I18nProvider initial={locale}>
      <SessionProvider>
        <SignedInAs />
      </SessionProvider>
    </I18nProvider>,
  );
}

async function askForCode() {
  fireEvent.change(screen.getByLabelText('Mobile number'), { target: { value: PHONE } });
  fireEvent.click(screen.getByRole('button', { name: 'Text me a code' }));
  await screen.findByLabelText('Code from the text message');
}

function signIn(code: string) {
  fireEvent.change(screen.getByLabelText('Code from the text message'), { target: { value: code } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  localStorage.clear();
});

describe('the code step', () => {
  it('after a sign-in whose answer was lost, offers a new code for the same number beside "already used", and signs in with it', async () => {
    const asked = server({
      '/auth/code': [sent, sent],
      '/auth/verify': [lostOnTheWayBack, refused(400, 'invalid_code', { reason: 'expired_or_used' }), grant],
    });
    open();
    await askForCode();
    signIn('123456');
    await screen.findByText('You are offline. Signing in needs a connection.');
    signIn('123456');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('This code has expired or was already used. Ask for a new code.');
    // Offered right after the sentence, once: not only at the bottom of the form.
    const again = screen.getByRole('button', { name: 'Send a new code' });
    expect(alert.nextElementSibling).toBe(again);

    fireEvent.click(again);
    await screen.findByText(`We sent a new code to ${PHONE}. Use the one in the newest text: earlier codes no longer work.`);
    expect(screen.queryByRole('alert')).toBeNull();
    expect((screen.getByLabelText('Code from the text message') as HTMLInputElement).value).toBe('');
    signIn('654321');
    await screen.findByText('Signed in as user-c');
    expect(asked.map((a) => a.path)).toEqual(['/auth/code', '/auth/verify', '/auth/verify', '/auth/code', '/auth/verify']);
    // The same number both times, never typed again.
    expect(asked.filter((a) => a.path === '/auth/code').map((a) => a.body)).toEqual([{ phone: PHONE }, { phone: PHONE }]);
  });

  it('always offers a new code, and says plainly how long to wait when the server limits codes to the number', async () => {
    server({ '/auth/code': [sent, refused(429, 'rate_limited', { reason: 'codes_to_number', retryAfterSeconds: 290 })], '/auth/verify': [] });
    open('es');
    fireEvent.change(screen.getByLabelText('Número de móvil'), { target: { value: PHONE } });
    fireEvent.click(screen.getByRole('button', { name: 'Enviarme un código' }));
    // Before anything went wrong: at the bottom of the form, beside "Use another number".
    fireEvent.click(await screen.findByRole('button', { name: 'Enviarme un código nuevo' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Se enviaron demasiados códigos a este número. Inténtalo de nuevo en 5 min.');
    // Still there, to try once the wait is over.
    expect(screen.getByRole('button', { name: 'Enviarme un código nuevo' })).toBeTruthy();
  });

  it('keeps a wrong code with tries left to be typed again, without pushing a new code', async () => {
    server({ '/auth/code': [sent], '/auth/verify': [refused(400, 'invalid_code', { reason: 'wrong_code', attemptsLeft: 3 })] });
    open();
    await askForCode();
    signIn('111111');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('That code is wrong. 3 tries left.');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Sign in' })).toHaveProperty('disabled', false));
    expect(alert.nextElementSibling).toBe(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getAllByRole('button', { name: 'Send a new code' })).toHaveLength(1);
  });
});
