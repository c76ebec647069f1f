// The period picker of the statements: one calendar month, kept in the URL (?month=2026-11) so it survives a reload.
import { useId } from 'react';
import { useSearchParams } from 'wouter';
import { useLocale, useT } from '../i18n/i18n';
import { moneyMessages } from './messages';
import { monthLabel, pickMonth, recentMonths } from './period';

/** The month the URL names (else the current one) and a setter that writes it back. */
export function useMonth(): [string, (month: string) => void] {
  const [params, setParams] = useSearchParams();
  const month = pickMonth(params.get('month'), new Date());
  return [month, (next) => setParams({ month: next }, { replace: true })];
}

export function MonthPicker({ month, onChange }: { month: string; onChange(month: string): void }) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const id = useId();
  const months = recentMonths(new Date());
  // A month from an old link stays choosable.
  if (!months.includes(month)) months.push(month);
  return (
    <div className="field money-period">
      <label htmlFor={id}>{t('period')}</label>
      <select id={id} value={month} onChange={(e) => onChange(e.target.value)} data-testid="month-picker">
        {months.map((m) => (
          <option key={m} value={m}>
            {monthLabel(m, locale)}
          </option>
        ))}
      </select>
    </div>
  );
}
