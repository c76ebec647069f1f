// A budget's problem as the sentence shown next to the field: each refusal says what is wrong with it, naming
// the cap of one charge or the currency's step in the chosen currency, in English and Spanish.
import { describe, expect, it } from 'vitest';
import type { CurrencyCode } from '@shared/money';
import type { Locale } from '@shared/locales';
import { interpolate, type Vars } from '../i18n/i18n';
import { newId } from '../sync/ids';
import { errorText } from './field-error';
import { emptyGigForm, toGigPost } from './gig-form';
import { consumerMessages } from './messages';

type Key = keyof typeof consumerMessages.en;

/** The sentence the post-a-gig form shows for a typed budget, with everything else filled in well. */
function budgetSentence(budget: string, currency: CurrencyCode, locale: Locale = 'en'): string {
  const values = { ...emptyGigForm(currency), title: 'Fix the tap', skills: { plumbing: 2 }, budget, lat: '37.77', lng: '-122.42' } as const;
  const result = toGigPost(values, newId());
  if (result.ok || !result.errors.budget) throw new Error(`${budget} ${currency} was taken`);
  const t = (key: Key, vars?: Vars) => interpolate(consumerMessages[locale][key], vars);
  // Intl puts a no-break space between a currency code and the number; read as a plain space here.
  return errorText(t, 'budget', result.errors.budget, locale).replace(/\u00a0/g, ' ');
}

describe('a budget the server would refuse', () => {
  it('gets its own sentence: above zero, over one charge, or off its currency’s step', () => {
    expect(budgetSentence('0', 'USD')).toBe('Type an amount above zero, such as 80 or 80.50.');
    expect(budgetSentence('1000000', 'USD')).toBe('A budget can be at most $999,999.99: the payment provider takes no more in one charge.');
    expect(budgetSentence('1500000', 'COP')).toBe('A budget can be at most COP 999,999.99: the payment provider takes no more in one charge.');
    expect(budgetSentence('100000000', 'JPY')).toBe('A budget can be at most ¥99,999,999: the payment provider takes no more in one charge.');
    expect(budgetSentence('12.345', 'KWD')).toBe('Amounts in KWD go in steps of KWD 0.010: the payment provider charges nothing finer.');
  });

  it('says it in Spanish, with the amounts written the Spanish way', () => {
    expect(budgetSentence('1000000', 'USD', 'es')).toBe('Un presupuesto puede ser como mucho 999.999,99 US$: es lo máximo que el proveedor de pagos cobra en un solo cargo.');
    expect(budgetSentence('12,345', 'KWD', 'es')).toBe('Los importes en KWD van en pasos de 0,010 KWD: el proveedor de pagos no cobra fracciones menores.');
  });
});
