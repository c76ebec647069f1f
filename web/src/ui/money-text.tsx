// An amount of money in the user's locale.
import type { Money } from '@shared/money';
import { formatMoney } from '../i18n/format';
import { useLocale } from '../i18n/i18n';

export function MoneyText({ value }: { value: Money }) {
  const { locale } = useLocale();
  return <span className="money">{formatMoney(value, locale)}</span>;
}
