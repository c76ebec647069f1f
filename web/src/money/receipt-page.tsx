// /c/receipts/:milestoneId: the receipt for one paid part of the work, laid out to print on its own, with each
// refund and what the payment provider has made of it, and each dispute of the payment with the client's bank.
import { Fragment } from 'react';
import { Link } from 'wouter';
import { money } from '@shared/money';
import { formatDateTime } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { MoneyText } from '../ui/money-text';
import { Page } from '../ui/page';
import type { Receipt } from './api-types';
import { BankDecisionText, bankKind } from './bank-decision';
import { useMoneyRead } from './money-api';
import { MoneyReadState, MoneyStaleNotice } from './money-read-state';
import { moneyMessages } from './messages';
import { RefundState } from './refund-state';
import './money.css';

/** The demo rail's object ids carry "_demo_" (sync-server/src/payments/demo.ts demoId); Stripe's never do. */
const isDemoReference = (ref: string | null) => ref !== null && ref.includes('_demo_');

export function ReceiptPage({ milestoneId }: { milestoneId: string }) {
  const t = useT(moneyMessages);
  const { read, reload, offline, asOf } = useMoneyRead<Receipt>(`/money/receipts/${encodeURIComponent(milestoneId)}`, { keep: true });

  return (
    <Page title={t('receiptTitle')}>
      <MoneyStaleNotice show={offline} asOf={asOf} />
      {read.state === 'ready' ? (
        <ReceiptBody receipt={read.data} />
      ) : read.state === 'failed' && read.error.status === 404 ? (
        <p className="notice">{t('notPaid')}</p>
      ) : (
        <MoneyReadState read={read} onRetry={reload} />
      )}
      <p className="no-print">
        <Link href="/payments">{t('backToPayments')}</Link>
      </p>
    </Page>
  );
}

function ReceiptBody({ receipt: r }: { receipt: Receipt }) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const m = (amount: number) => <MoneyText value={money(amount, r.currency)} />;
  return (
    <div className="receipt" data-testid="receipt">
      {isDemoReference(r.paymentReference) && <p className="badge money-demo">{t('demoPayment')}</p>}
      <dl className="money-facts">
        <dt>{t('receiptNumber')}</dt>
        <dd>{r.milestoneId}</dd>
        <dt>{t('paidOn')}</dt>
        <dd>{formatDateTime(r.paidAt, locale)}</dd>
        <dt>{t('paidBy')}</dt>
        <dd>{r.client.name}</dd>
        <dt>{t('worker')}</dt>
        <dd>{r.worker.name}</dd>
        <dt>{t('booking')}</dt>
        <dd>{r.title}</dd>
        {r.description !== r.title && (
          <>
            <dt>{t('milestone')}</dt>
            <dd>{r.description}</dd>
          </>
        )}
        <dt>{t('amountPaid')}</dt>
        <dd data-testid="receipt-amount">{m(r.amount)}</dd>
        <dt>{t('platformFee')}</dt>
        <dd data-testid="receipt-fee">{m(r.workerFee)}</dd>
        {r.refunds.map((refund) => (
          <Fragment key={refund.postingId}>
            <dt>{t(refund.for === 'late_payment' ? 'kindLateRefund' : 'kindRefund')}</dt>
            <dd data-testid="receipt-refund" data-status={refund.status}>
              <MoneyText value={money(refund.amount, refund.currency)} /> · {formatDateTime(refund.at, locale)}
              <span className="money-job-detail">
                <RefundState refund={refund} />
              </span>
            </dd>
          </Fragment>
        ))}
        {r.bankReturns.map((b) => (
          <Fragment key={b.disputeId}>
            <dt>{t(bankKind(b.outcome))}</dt>
            <dd data-testid="receipt-bank-return" data-outcome={b.outcome}>
              {/* Decided for Fieldwork, the bank gave the money back: no amount is the client's. */}
              {b.outcome !== 'for_fieldwork' && (
                <>
                  <MoneyText value={money(b.amount, b.currency)} /> ·{' '}
                </>
              )}
              {formatDateTime(b.at, locale)}
              <BankDecisionText outcome={b.outcome} testId="receipt-bank-decision" />
            </dd>
          </Fragment>
        ))}
        {r.paymentReference && (
          <>
            <dt>{t('paymentReference')}</dt>
            <dd>{r.paymentReference}</dd>
          </>
        )}
      </dl>
      <p className="hint">{t('feeExplained')}</p>
      {r.demoBankUrl && (
        <p className="hint no-print">
          <a href={r.demoBankUrl} data-testid="demo-bank">
            {t('demoBank')}
          </a>
        </p>
      )}
      <div className="actions no-print">
        <button type="button" className="btn" onClick={() => window.print()}>
          {t('print')}
        </button>
      </div>
    </div>
  );
}
