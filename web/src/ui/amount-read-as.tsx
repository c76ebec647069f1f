// A typed amount said back as it will be read (amountReadBack), under its field: "1,000" in KWD is 1.000 dinar,
// "1,00" in dollars is one dollar, seen before it is sent rather than after.
import type { CurrencyCode } from '@shared/money';
import { amountReadBack, formatMoney } from '../i18n/format';
import { useLocale } from '../i18n/i18n';

export function AmountReadAs({ text, currency, say, testId }: { text: string; currency: CurrencyCode; say: (amount: string) => string; testId: string }) {
  const { locale } = useLocale();
  const read = amountReadBack(text, currency);
  if (!read) return null;
  return (
    <p className="hint" data-testid={testId} aria-live="polite">
      {say(formatMoney(read, locale))}
    </p>
  );
}
