// The sign-in endpoints give up on an answer that never comes: a dead mobile link can hold a request for
// minutes, and every sync waits on a refresh.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ANSWER_TIMEOUT_MS, AuthError, REFRESH_TIMEOUT_MS, refreshSession, requestCode, verifyCode } from './auth-api';

/** A fetch that never answers, but stops when its signal aborts, as the browser's does. */
function silentFetch() {
  return vi.fn((_url: string, init?: RequestInit) => new Promise<Response>((_resolve, reject) => {
    init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
  }));
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('an answer that never comes', () => {
  it('is given up after its limit, as a timeout rather than as being offline', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('fetch', silentFetch());
    // A refresh waits longer: nobody watches it, and giving up only asks again for an answer on its way.
    expect(REFRESH_TIMEOUT_MS).toBeGreaterThan(ANSWER_TIMEOUT_MS);
    for (const [call, limit] of [[() => refreshSession(), REFRESH_TIMEOUT_MS], [() => requestCode('+14155550101'), ANSWER_TIMEOUT_MS]] as const) {
      const outcome = call().then(() => 'answered', (e: unknown) => e);
      await vi.advanceTimersByTimeAsync(limit - 1);
      expect(await Promise.race([outcome, Promise.resolve('still waiting')])).toBe('still waiting');
      await vi.advanceTimersByTimeAsync(1);
      const error = await outcome;
      expect(error).toBeInstanceOf(AuthError);
      expect((error as AuthError).code).toBe('timeout');
      expect((error as AuthError).sessionOver).toBe(false);
    }
  });

  it('still reads a refused answer as the server’s refusal', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'Slow down.', details: { reason: 'codes_to_number', retryAfterSeconds: 60 } } }), { status: 429 })));
    const error = (await requestCode('+14155550101').catch((e: unknown) => e)) as AuthError;
    expect(error).toMatchObject({ code: 'rate_limited', status: 429, details: { reason: 'codes_to_number', retryAfterSeconds: 60 } });
  });
});

describe('the app’s language', () => {
  it('goes with a code request and a sign-in as the device’s, for the text and a new account', async () => {
    const fetch = vi.fn(async (_url: string, _init?: RequestInit) => new Response(JSON.stringify({ sent: true, expiresInSeconds: 600 }), { status: 202 }));
    vi.stubGlobal('fetch', fetch);
    await requestCode('+14155550101', 'es');
    await verifyCode('+14155550101', '123456', undefined, 'es').catch(() => undefined);
    await requestCode('+14155550101');
    const languages = fetch.mock.calls.map(([, init]) => (init!.headers as Record<string, string>)['accept-language']);
    // Without one, the browser's own Accept-Language goes.
    expect(languages).toEqual(['es', 'es', undefined]);
    // And where the device is, for the deadlines in texts.
    const zones = fetch.mock.calls.map(([, init]) => (init!.headers as Record<string, string>)['x-time-zone']);
    expect(zones).toEqual(Array(3).fill(Intl.DateTimeFormat().resolvedOptions().timeZone));
    expect(zones[0]).toMatch(/^[A-Za-z_]+(\/[A-Za-z_]+)*$/);
  });
});
