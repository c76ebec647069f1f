// Which of our languages a person reads, from the languages their device or browser names.
import { describe, expect, it } from 'vitest';
import { acceptedLanguages, firstSpoken } from './locales';

describe('languages', () => {
  it('reads an Accept-Language header in order of preference, dropping refused and wildcard entries', () => {
    expect(acceptedLanguages('es-CO,es;q=0.9,en;q=0.8')).toEqual(['es-CO', 'es', 'en']);
    expect(acceptedLanguages('en;q=0.2, es-MX;q=0.7, *;q=0.1, fr;q=0')).toEqual(['es-MX', 'en']);
    expect(acceptedLanguages('de;q=abc,pt')).toEqual(['pt']);
    expect(acceptedLanguages('es;Q=0.1,en;q=0.5')).toEqual(['en', 'es']);
    expect(acceptedLanguages(undefined)).toEqual([]);
    expect(acceptedLanguages('')).toEqual([]);
  });

  it('takes the first we speak, else English', () => {
    expect(firstSpoken(['fr-FR', 'ES-es', 'en'])).toBe('es');
    expect(firstSpoken(['de', 'pt-BR'])).toBe('en');
    expect(firstSpoken([])).toBe('en');
  });
});
