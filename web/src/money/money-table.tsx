// A table of money figures: labelled for screen readers, with its column heads, inside a region that scrolls
// sideways on its own on a narrow phone (focusable, so a keyboard can scroll it too).
import type { ReactNode } from 'react';

export interface MoneyColumn {
  label: string;
  /** Figures: right-aligned, in tabular digits. */
  numeric?: boolean;
  /**
   * Shown on screens wide enough for it; on a phone the column goes, and each row says its figure in words
   * instead (a `money-narrow` line), so that the column that matters most stays in sight without scrolling.
   */
  wide?: boolean;
}

/** The class of a cell in a `wide` column. */
export const cellClass = (c: Pick<MoneyColumn, 'numeric' | 'wide'>) => [c.numeric && 'num', c.wide && 'money-wide'].filter(Boolean).join(' ') || undefined;

/** `children` are the table's body and foot. */
export function MoneyTable({ label, columns, testId, children }: { label: string; columns: readonly MoneyColumn[]; testId: string; children: ReactNode }) {
  return (
    <div className="money-table-wrap" role="region" aria-label={label} tabIndex={0}>
      <table className="money-table" data-testid={testId}>
        <caption className="visually-hidden">{label}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col" className={cellClass(c)}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        {children}
      </table>
    </div>
  );
}
