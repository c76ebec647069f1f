// /a/settlement: the settlement report for a month (per currency: paid in, released, refunded, fees, paid out,
// and what stayed held or owed), the refunds owed to clients that need a person whatever the month, and the
// ledger's trial balance, with a non-zero total or a broken invariant shown as the alarm it is.
import { Fragment, type ReactNode } from 'react';
import { Link } from 'wouter';
import { money } from '@shared/money';
import { formatDateTime } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import type { LedgerViolation, SettlementReport, TrialBalance } from '../money/api-types';
import { useMoneyRead } from '../money/money-api';
import { MoneyReadState, MoneyStaleNotice } from '../money/money-read-state';
import { MoneyTable } from '../money/money-table';
import { MonthPicker, useMonth } from '../money/month-picker';
import { monthLabel, periodQuery } from '../money/period';
import { MoneyText } from '../ui/money-text';
import { Empty, Page } from '../ui/page';
import { adminMoneyMessages } from './money-messages';

type Key = keyof (typeof adminMoneyMessages)['en'];

const FIGURES = ['funded', 'released', 'refunded', 'feesEarned', 'transferred', 'takenByBanks', 'chargebackLosses', 'providerFees', 'heldInEscrow', 'awaitingTransfer'] as const;

const KINDS: Record<string, Key> = {
  client_funding: 'kindClientFunding',
  escrow: 'kindEscrow',
  worker_payable: 'kindWorkerPayable',
  platform_fees: 'kindPlatformFees',
  refunds: 'kindRefunds',
  provider_clearing: 'kindProviderClearing',
  payouts: 'kindPayouts',
  bank_disputes: 'kindBankDisputes',
  platform_losses: 'kindPlatformLosses',
  provider_fees: 'kindProviderFees',
  platform_costs: 'kindPlatformCosts',
};

export function SettlementPage() {
  const t = useT(adminMoneyMessages);
  const { locale } = useLocale();
  const [month, setMonth] = useMonth();
  const report = useMoneyRead<SettlementReport>(`/money/settlement?${periodQuery(month)}`);
  const trial = useMoneyRead<TrialBalance>('/money/trial-balance');
  const period = monthLabel(month, locale);

  return (
    <Page title={t('settlementTitle')}>
      <MonthPicker month={month} onChange={setMonth} />
      <MoneyStaleNotice show={report.offline || trial.offline} />
      <h2>{t('periodHeading', { period })}</h2>
      {report.read.state !== 'ready' ? (
        <MoneyReadState read={report.read} onRetry={report.reload} />
      ) : (
        <>
          <Settlement report={report.read.data} period={period} />
          <StuckRefunds report={report.read.data} />
          <StuckPayouts report={report.read.data} />
        </>
      )}
      <h2>{t('trialHeading')}</h2>
      <p className="hint">{t('trialHint')}</p>
      {trial.read.state !== 'ready' ? <MoneyReadState read={trial.read} onRetry={trial.reload} /> : <Trial trial={trial.read.data} />}
    </Page>
  );
}

function Settlement({ report, period }: { report: SettlementReport; period: string }) {
  const t = useT(adminMoneyMessages);
  const { locale } = useLocale();
  if (report.byCurrency.length === 0) return <Empty>{t('noMovement', { period })}</Empty>;
  return (
    <>
      {report.byCurrency.map((row) => (
        <dl className="money-facts" key={row.currency} data-testid="settlement" data-currency={row.currency}>
          {FIGURES.map((f) => (
            <Fragment key={f}>
              <dt>{t(f)}</dt>
              <dd data-testid={`settlement-${f}`}>
                <MoneyText value={money(row[f], row.currency)} />
              </dd>
            </Fragment>
          ))}
        </dl>
      ))}
      <p className="hint">{t('balancesAt', { when: formatDateTime(report.balancesAt, locale) })}</p>
    </>
  );
}

/** Refunds the provider refused, or has not made within reconciliation's grace: each links to its booking. */
function StuckRefunds({ report }: { report: SettlementReport }) {
  const t = useT(adminMoneyMessages);
  const { locale } = useLocale();
  const refunds = report.stuckRefunds;
  return (
    <NeedsAPerson
      heading={t('stuckHeading')}
      hint={t('stuckHint', { minutes: Math.round(report.refundGraceMs / 60_000) })}
      none={refunds.length === 0 && t('noStuckRefunds')}
      testId="stuck-refunds"
      noneTestId="no-stuck-refunds"
    >
      {refunds.map((r) => (
        <li key={r.id} data-testid="stuck-refund" data-status={r.status}>
          <Link href={`~/b/${r.bookingId}`}>
            <span className="list-item-title">{r.title}</span>
            {r.description !== r.title && <span className="money-job-detail">{r.description}</span>}
          </Link>
          <span className="meta">
            <MoneyText value={money(r.amount, r.currency)} />
            <span>{t(r.for === 'late_payment' ? 'stuckLatePayment' : 'stuckSettlement')}</span>
            <span className={r.status === 'failed' ? 'money-refund-failed' : undefined}>{t(r.status === 'failed' ? 'stuckFailed' : 'stuckPending')}</span>
            <span>{r.attempts === 1 ? t('attemptsOne') : t('attemptsOther', { n: r.attempts })}</span>
            <span>{t('owedSince', { when: formatDateTime(r.owedSince, locale) })}</span>
          </span>
          <span className="money-job-detail">{t('stuckIds', { payment: r.paymentIntentId, milestone: r.milestoneId })}</span>
          {r.lastError && <span className="money-job-detail">{t('lastError', { error: r.lastError })}</span>}
        </li>
      ))}
    </NeedsAPerson>
  );
}

/** Workers' transfers the provider turned down, or not made within reconciliation's grace: each links to its booking. */
function StuckPayouts({ report }: { report: SettlementReport }) {
  const t = useT(adminMoneyMessages);
  const payouts = report.stuckPayouts;
  return (
    <NeedsAPerson
      heading={t('stuckPayoutsHeading')}
      hint={t('stuckPayoutsHint', { hours: Math.round(report.transferGraceMs / 3_600_000) })}
      none={payouts.length === 0 && t('noStuckPayouts')}
      testId="stuck-payouts"
      noneTestId="no-stuck-payouts"
    >
      {payouts.map((p) => (
        <li key={p.milestoneId} data-testid="stuck-payout" data-status={p.status}>
          <Link href={`~/b/${p.bookingId}`}>
            <span className="list-item-title">{p.title}</span>
            {p.description !== p.title && <span className="money-job-detail">{p.description}</span>}
          </Link>
          <span className="meta">
            <MoneyText value={money(p.amount, p.currency)} />
            <span>{t('payoutTo', { name: p.worker.name })}</span>
            <span className={p.status === 'refused' ? 'money-refund-failed' : undefined}>{t(p.status === 'refused' ? 'payoutTurnedDown' : 'payoutOverdue')}</span>
          </span>
          <span className="money-job-detail">
            {p.accountId ? t('payoutIds', { account: p.accountId, milestone: p.milestoneId }) : t('payoutNoAccount', { milestone: p.milestoneId })}
          </span>
          {p.lastError && <span className="money-job-detail">{t('lastError', { error: p.lastError })}</span>}
        </li>
      ))}
    </NeedsAPerson>
  );
}

/** What the provider has not done and a person must look at: a list under its heading and hint, or a line saying nothing waits. */
function NeedsAPerson({ heading, hint, none, testId, noneTestId, children }: { heading: string; hint: string; none: string | false; testId: string; noneTestId: string; children: ReactNode }) {
  return (
    <>
      <h2>{heading}</h2>
      <p className="hint">{hint}</p>
      {none ? (
        <p className="money-ok" data-testid={noneTestId}>
          {none}
        </p>
      ) : (
        <ul className="list" aria-label={heading} data-testid={testId}>
          {children}
        </ul>
      )}
    </>
  );
}

function Trial({ trial }: { trial: TrialBalance }) {
  const t = useT(adminMoneyMessages);
  const { invariants } = trial;
  return (
    <>
      <p className={trial.balanced ? 'money-ok' : 'error'} role={trial.balanced ? undefined : 'alert'} data-testid="trial-balanced" data-balanced={trial.balanced}>
        {trial.balanced ? t('balanced') : t('notBalanced')}
      </p>
      {trial.accounts.length === 0 ? (
        <Empty>{t('emptyLedger')}</Empty>
      ) : (
        <MoneyTable
          label={t('trialLabel')}
          testId="trial-balance"
          columns={[{ label: t('kind') }, { label: t('accountsCount'), numeric: true }, { label: t('balance'), numeric: true }]}
        >
          <tbody>
            {trial.accounts.map((a) => (
              <tr key={`${a.kind}-${a.currency}`}>
                <th scope="row">
                  {KINDS[a.kind] ? t(KINDS[a.kind]!) : a.kind} ({a.currency})
                </th>
                <td className="num">{a.accounts}</td>
                <td className="num">
                  <MoneyText value={money(a.balance, a.currency)} />
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            {trial.totals.map((total) => (
              <tr key={total.currency} className={total.total === 0 ? undefined : 'money-off'} data-testid="trial-total" data-currency={total.currency} data-zero={total.total === 0}>
                <th scope="row" colSpan={2}>
                  {t('total', { currency: total.currency })}
                </th>
                <td className="num">
                  <MoneyText value={money(total.total, total.currency)} />
                </td>
              </tr>
            ))}
          </tfoot>
        </MoneyTable>
      )}
      {invariants.ok ? (
        <p className="money-ok" data-testid="invariants" data-ok="true">
          {t('invariantsOk', { postings: invariants.postings, entries: invariants.entries, milestones: invariants.milestones })}
        </p>
      ) : (
        <div className="error" role="alert" data-testid="invariants" data-ok="false">
          <p>{t('invariantsBroken', { n: invariants.violations.length })}</p>
          <ul>
            {invariants.violations.map((v, i) => (
              <li key={i} data-testid="violation" data-invariant={v.invariant}>
                {violationText(v)}
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}

/** An invariant's name and its facts; read by admins who know the ledger, so the names stay as the code has them. */
function violationText({ invariant, ...facts }: LedgerViolation): string {
  return `${invariant}: ${Object.entries(facts)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ')}`;
}
