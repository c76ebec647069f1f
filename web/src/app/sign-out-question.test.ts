// Signing out erases the device's copy: the question says what would go with it, in the person's language.
import { describe, expect, it } from 'vitest';
import type { Locale } from '@shared/locales';
import { interpolate, type Vars } from '../i18n/i18n';
import { appMessages } from './messages';
import { signOutQuestion } from './sign-out-question';

type Key = keyof typeof appMessages.en;
const tr = (locale: Locale) => (key: Key, vars?: Vars) => interpolate(appMessages[locale][key], vars);

describe('the sign-out question', () => {
  it('asks plainly when nothing would be lost', () => {
    expect(signOutQuestion(tr('en'), 0, 0)).toBe('Sign out and erase this device’s copy of your data?');
  });

  it('counts unsent changes and unsent drafts', () => {
    expect(signOutQuestion(tr('en'), 2, 0)).toBe('2 changes have not reached the server yet and will be lost. Sign out anyway?');
    expect(signOutQuestion(tr('en'), 0, 1)).toBe('A draft you have not sent will be erased. Sign out and erase this device’s copy of your data?');
    expect(signOutQuestion(tr('en'), 1, 3)).toBe(
      '3 drafts you have not sent will be erased. 1 change has not reached the server yet and will be lost. Sign out anyway?',
    );
  });

  it('in Spanish', () => {
    expect(signOutQuestion(tr('es'), 0, 2)).toBe('Se borrarán 2 borradores que no enviaste. ¿Cerrar sesión y borrar la copia de tus datos en este dispositivo?');
    expect(signOutQuestion(tr('es'), 0, 1)).toMatch(/^Se borrará un borrador que no enviaste\. /);
  });
});
