// @vitest-environment happy-dom
// Signed in, the app speaks the account's language: the one the server texts in and shows its payment pages in.
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import type { Locale } from '@shared/locales';
import { I18nProvider, useAccountLocale, useLocale } from './i18n';

afterEach(() => {
  cleanup();
  localStorage.clear();
});

function render(initial: Locale, account: Locale | undefined) {
  const wrapper = ({ children }: { children: ReactNode }) => <I18nProvider initial={initial}>{children}</I18nProvider>;
  return renderHook(
    ({ account }: { account: Locale | undefined }) => {
      useAccountLocale(account);
      return useLocale();
    },
    { wrapper, initialProps: { account } },
  );
}

describe('the account’s language', () => {
  it('is taken up once the account loads, and again when it changes on another device', () => {
    const hook = render('es', undefined);
    // The profile not on the device yet: the device's language meanwhile.
    expect(hook.result.current.locale).toBe('es');
    hook.rerender({ account: 'en' });
    expect(hook.result.current.locale).toBe('en');
    expect(document.documentElement.lang).toBe('en');
    expect(localStorage.getItem('fw.locale')).toBe('en');
    hook.rerender({ account: 'es' });
    expect(hook.result.current.locale).toBe('es');
  });

  it('leaves a choice made here alone while the account catches up with it', () => {
    const hook = render('en', 'en');
    // The picker: the app at once, the account by a command that has not shown yet.
    act(() => hook.result.current.setLocale('es'));
    hook.rerender({ account: 'en' });
    expect(hook.result.current.locale).toBe('es');
    hook.rerender({ account: 'es' });
    expect(hook.result.current.locale).toBe('es');
  });
});
