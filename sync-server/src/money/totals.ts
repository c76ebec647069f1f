// Running totals per currency for the money reports, added with the money module (never across currencies).
import { add, money, zero, type CurrencyCode, type Money } from '@shared/money';

export type Totals<K extends string> = { currency: CurrencyCode } & Record<K, number>;

export function perCurrency<K extends string>(fields: readonly K[]) {
  const rows = new Map<CurrencyCode, Record<K, Money>>();
  return {
    add(currency: CurrencyCode, amounts: Partial<Record<K, number>>): void {
      let row = rows.get(currency);
      if (!row) rows.set(currency, (row = Object.fromEntries(fields.map((f) => [f, zero(currency)])) as Record<K, Money>));
      for (const f of fields) if (amounts[f] !== undefined) row[f] = add(row[f], money(amounts[f], currency));
    },
    /** In currency order. */
    rows(): Totals<K>[] {
      return [...rows]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([currency, row]) => ({ currency, ...(Object.fromEntries(fields.map((f) => [f, row[f].amount])) as Record<K, number>) }));
    },
  };
}
