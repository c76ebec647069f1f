// The user's language: chosen from the device, switchable, remembered on this device; typed message catalogs.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { DEFAULT_LOCALE, LOCALES, firstSpoken, type Locale } from '@shared/locales';

const STORAGE_KEY = 'fw.locale';

/** A catalog per area: English is the source, Spanish must have every key (checked by the type). */
export type Catalog<K extends string = string> = { en: Record<K, string>; es: Record<K, string> };
export type Vars = Record<string, string | number>;
export type Translate<K extends string> = (key: K, vars?: Vars) => string;

export function defineCatalog<const E extends Record<string, string>>(en: E, es: { [K in keyof E]: string }): Catalog<Extract<keyof E, string>> {
  return { en, es } as Catalog<Extract<keyof E, string>>;
}

/** The first of the device's languages we speak, else English. */
export function detectLocale(languages: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language]): Locale {
  return firstSpoken(languages);
}

function storedLocale(): Locale | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v && (LOCALES as readonly string[]).includes(v) ? (v as Locale) : null;
  } catch {
    return null;
  }
}

/** `{name}` placeholders; a missing variable stays visible rather than vanishing. */
export function interpolate(template: string, vars?: Vars): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

interface LocaleState {
  locale: Locale;
  setLocale(locale: Locale): void;
}

const LocaleContext = createContext<LocaleState>({ locale: DEFAULT_LOCALE, setLocale: () => {} });

export function I18nProvider({ children, initial }: { children: ReactNode; initial?: Locale }) {
  const [locale, setState] = useState<Locale>(() => initial ?? storedLocale() ?? detectLocale());
  const setLocale = useCallback((next: Locale) => {
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // private mode: the choice lasts for this visit
    }
    document.documentElement.lang = next;
    setState(next);
  }, []);
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
  const value = useMemo(() => ({ locale, setLocale }), [locale, setLocale]);
  return <LocaleContext.Provider value={value}>{children}</LocaleContext.Provider>;
}

export const useLocale = () => useContext(LocaleContext);

/**
 * Signed in, the app speaks the account's language (users.locale), the one its texts and the payment pages use:
 * it follows the account when that loads or changes (on another device, say). Returns the language picker's
 * choice, which changes both: `tell` asks the account to take it, at once, or once the account is on the device
 * (a choice made before is not undone by the account arriving with the old one).
 */
export function useAccountLocale(account: Locale | undefined, tell: (locale: Locale) => void): (next: Locale) => void {
  const { locale, setLocale } = useLocale();
  const shown = useRef(locale);
  shown.current = locale;
  const known = useRef(account);
  known.current = account;
  const teller = useRef(tell);
  teller.current = tell;
  const waiting = useRef<Locale | null>(null);
  useEffect(() => {
    if (!account) return;
    const chosen = waiting.current;
    waiting.current = null;
    if (chosen) {
      if (chosen !== account) teller.current(chosen);
    } else if (account !== shown.current) setLocale(account);
  }, [account, setLocale]);
  return useCallback(
    (next: Locale) => {
      setLocale(next);
      if (known.current === undefined) waiting.current = next;
      else if (known.current !== next) teller.current(next);
    },
    [setLocale],
  );
}

/** `const t = useT(catalog)`; `t('key', { n: 3 })`. */
export function useT<K extends string>(catalog: Catalog<K>): Translate<K> {
  const { locale } = useLocale();
  return useCallback((key: K, vars?: Vars) => interpolate(catalog[locale][key] ?? catalog.en[key] ?? key, vars), [catalog, locale]);
}
