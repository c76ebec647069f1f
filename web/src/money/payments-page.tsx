// /c/payments: the client's payments and refunds in a month, oldest first, each with its receipt, and the totals.
// A refund says what the payment provider has made of it: on its way, made, or refused and in our hands. Money
// the client's bank took back for a chargeback is listed too, held while the bank decides or returned; a dispute
// the bank decided for Fieldwork stays listed, with no amount, to say the payment stands.
import { Link } from 'wouter';
import { money, type CurrencyCode } from '@shared/money';
import type { BankDecision, RefundProgress } from '@shared/money-api';
import { formatDateTime } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { MoneyText } from '../ui/money-text';
import { Empty, Page } from '../ui/page';
import type { ClientPayments } from './api-types';
import { BankAmount, BankDecisionText, bankKind } from './bank-decision';
import { useMoneyRead } from './money-api';
import { MoneyReadState, MoneyStaleNotice } from './money-read-state';
import { MoneyTable } from './money-table';
import { moneyMessages } from './messages';
import { MonthPicker, useMonth } from './month-picker';
import { monthLabel, periodQuery } from './period';
import { RefundState } from './refund-state';
import './money.css';

interface Row {
  key: string;
  kind: 'payment' | 'refund' | 'bank';
  at: string;
  title: string;
  description: string;
  milestoneId: string | null;
  amount: number;
  currency: CurrencyCode;
  /** A refund's progress at the provider; null otherwise. */
  refund: RefundProgress | null;
  /** A payment disputed with the bank: how the bank has decided; null otherwise. */
  bank: BankDecision | null;
}

/** Payments and refunds in one list, in the order the money moved. */
export function paymentRows(data: ClientPayments): Row[] {
  const rows: Row[] = [
    ...data.payments.map((p) => ({ key: `p${p.postingId}`, kind: 'payment' as const, at: p.paidAt, title: p.title, description: p.description, milestoneId: p.milestoneId, amount: p.amount, currency: p.currency, refund: null, bank: null })),
    ...data.refunds.map((r) => ({ key: `r${r.postingId}`, kind: 'refund' as const, at: r.refundedAt, title: r.title, description: r.description, milestoneId: r.milestoneId, amount: r.amount, currency: r.currency, refund: r, bank: null })),
    ...data.bankReturns.map((b) => ({ key: `b${b.disputeId}`, kind: 'bank' as const, at: b.at, title: b.title, description: b.description, milestoneId: b.milestoneId, amount: b.amount, currency: b.currency, refund: null, bank: b.outcome })),
  ];
  return rows.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.key < b.key ? -1 : 1));
}

export function PaymentsPage() {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const [month, setMonth] = useMonth();
  const { read, reload, offline, asOf } = useMoneyRead<ClientPayments>(`/money/payments?${periodQuery(month)}`, { keep: true });
  const period = monthLabel(month, locale);

  return (
    <Page title={t('paymentsTitle')}>
      <MonthPicker month={month} onChange={setMonth} />
      <MoneyStaleNotice show={offline} asOf={asOf} />
      {read.state !== 'ready' ? (
        <MoneyReadState read={read} onRetry={reload} />
      ) : (
        <>
          <h2>{t('paymentsHeading', { period })}</h2>
          <PaymentsTable data={read.data} period={period} />
        </>
      )}
    </Page>
  );
}

function PaymentsTable({ data, period }: { data: ClientPayments; period: string }) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const rows = paymentRows(data);
  if (rows.length === 0) return <Empty>{t('noPayments', { period })}</Empty>;
  return (
    <MoneyTable
      label={t('paymentsTableLabel', { period })}
      testId="payments"
      columns={[{ label: t('what') }, { label: t('amount'), numeric: true }, { label: t('receipt') }]}
    >
      <tbody>
        {rows.map((r) => {
          const kind = t(r.bank ? bankKind(r.bank) : !r.refund ? 'kindPayment' : r.refund.for === 'late_payment' ? 'kindLateRefund' : 'kindRefund');
          const when = formatDateTime(r.at, locale);
          // Read out alone, each receipt link says which row it is: the part, its booking, what moved and when.
          const what = r.description && r.description !== r.title ? `${r.description} · ${r.title}` : r.title;
          return (
            <tr key={r.key} data-testid="payment" data-kind={r.kind}>
              <th scope="row">
                <span className="money-job-title">{r.title}</span>
                {r.description && r.description !== r.title && <span className="money-job-detail">{r.description}</span>}
                <span className="money-job-detail">
                  {kind} · {when}
                </span>
                {r.bank && <BankDecisionText outcome={r.bank} testId="bank-return" />}
                {r.refund?.for === 'late_payment' && <span className="money-job-detail">{t('lateRefundWhy')}</span>}
                {r.refund && (
                  <span className="money-job-detail">
                    <RefundState refund={r.refund} />
                  </span>
                )}
              </th>
              <td className="num">
                {r.bank ? <BankAmount outcome={r.bank} amount={r.amount} currency={r.currency} /> : <MoneyText value={money(r.kind === 'payment' ? r.amount : -r.amount, r.currency)} />}
              </td>
              <td>
                {r.milestoneId && (
                  <Link href={`/receipts/${r.milestoneId}`} aria-label={t('receiptFor', { what, kind, when })}>
                    {t('receipt')}
                  </Link>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
      <tfoot>
        {data.totals.flatMap((total) => {
          const suffix = data.totals.length > 1 ? ` (${total.currency})` : '';
          const row = (testId: string, label: string, amount: number) => (
            <tr key={`${total.currency}-${testId}`} data-testid={testId} data-currency={total.currency}>
              <th scope="row">{`${label}${suffix}`}</th>
              <td className="num">
                <MoneyText value={money(amount, total.currency)} />
              </td>
              <td />
            </tr>
          );
          return [
            row('paid-total', t('paidTotal'), total.paid),
            row('refunded-total', t('refundedTotal'), total.refunded),
            ...(total.byBank > 0 ? [row('bank-total', t('bankTotal'), total.byBank)] : []),
          ];
        })}
      </tfoot>
    </MoneyTable>
  );
}
