// @vitest-environment happy-dom
// Signed in, the app speaks the account's language: the one the server texts in and shows its payment pages in.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import type { Locale } from '@shared/locales';
import { I18nProvider, useAccountLocale, useLocale } from './i18n';

afterEach(() => {
  cleanup();
  localStorage.clear();
});

function render(initial: Locale, account: Locale | undefined) {
  const told: Locale[] = [];
  const tell = vi.fn((l: Locale) => void told.push(l));
  const wrapper = ({ children }: { children: ReactNode }) => <I18nProvider initial={initial}>{children}</I18nProvider>;
  const hook = renderHook(
    ({ account }: { account: Locale | undefined }) => {
      const choose = useAccountLocale(account, tell);
      return { ...useLocale(), choose };
    },
    { wrapper, initialProps: { account } },
  );
  return { hook, told };
}

describe('the account’s language', () => {
  it('is taken up once the account loads, and again when it changes on another device', () => {
    const { hook, told } = render('es', undefined);
    // The profile not on the device yet: the device's language meanwhile.
    expect(hook.result.current.locale).toBe('es');
    hook.rerender({ account: 'en' });
    expect(hook.result.current.locale).toBe('en');
    expect(document.documentElement.lang).toBe('en');
    expect(localStorage.getItem('fw.locale')).toBe('en');
    hook.rerender({ account: 'es' });
    expect(hook.result.current.locale).toBe('es');
    expect(told).toEqual([]);
  });

  it('takes a choice made here at once and tells the account, which catches up without undoing it', () => {
    const { hook, told } = render('en', 'en');
    act(() => hook.result.current.choose('es'));
    expect(hook.result.current.locale).toBe('es');
    expect(told).toEqual(['es']);
    // The account's change has not shown yet, then does.
    hook.rerender({ account: 'en' });
    expect(hook.result.current.locale).toBe('es');
    hook.rerender({ account: 'es' });
    expect(hook.result.current.locale).toBe('es');
    // Choosing the language the account already has tells it nothing.
    act(() => hook.result.current.choose('es'));
    expect(told).toEqual(['es']);
  });

  it('keeps a choice made before the account reached the device, and tells the account once it has', () => {
    const { hook, told } = render('en', undefined);
    act(() => hook.result.current.choose('es'));
    expect(told).toEqual([]);
    // The profile arrives with the language it had: the choice stands and goes to the account.
    hook.rerender({ account: 'en' });
    expect(hook.result.current.locale).toBe('es');
    expect(told).toEqual(['es']);
    hook.rerender({ account: 'es' });
    expect(hook.result.current.locale).toBe('es');
    expect(told).toEqual(['es']);
  });
});
