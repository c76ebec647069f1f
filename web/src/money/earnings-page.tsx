// /o/earnings: the worker's statement for a month (per job gross, fee and net, with totals, and the payouts made),
// their balance as it stands (pending in escrow, available, paid out) with why released money is not paid out yet,
// the CSV export and "Get paid now".
import { useEffect, useState } from 'react';
import { debounceTime, distinctUntilChanged, map, skip } from 'rxjs';
import { useSync } from '../app/sync-context';
import { useServerReach } from '../app/use-server-reach';
import { Link } from 'wouter';
import { money, type CurrencyCode, type Money } from '@shared/money';
import { formatDateTime, formatMoney, formatTime } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { rejectionText } from '../i18n/rejections';
import { MoneyText } from '../ui/money-text';
import { Empty, Page } from '../ui/page';
import type { ReleasedBy, UnsentReason } from '@shared/money-api';
import type { WorkerStatement } from './api-types';
import { DownloadButton } from './download-button';
import { useMoneyRead } from './money-api';
import { MoneyReadState, MoneyStaleNotice } from './money-read-state';
import { MoneyTable, cellClass } from './money-table';
import { moneyMessages } from './messages';
import { MonthPicker, useMonth } from './month-picker';
import { monthLabel, periodQuery } from './period';
import { useMoneyCommand } from './use-money-command';
import { usePayoutAccount } from './use-payout-account';
import './money.css';

/** How a job's money was let go, when it was not the client's approval. */
const RELEASED_BY_WORDS = {
  auto_approved: 'releasedByAutoApproved',
  dispute_accepted: 'releasedByDisputeAccepted',
  dispute_default: 'releasedByDisputeDefault',
  mediator: 'releasedByMediator',
} as const satisfies Record<Exclude<ReleasedBy, 'approved'>, keyof typeof moneyMessages.en>;

/** The same for a split: part of the money went to the worker, and who decided so (a split is never an approval). */
const SPLIT_BY_WORDS = {
  dispute_accepted: 'splitByDisputeAccepted',
  dispute_default: 'splitByDisputeDefault',
  mediator: 'splitByMediator',
} as const satisfies Record<Exclude<ReleasedBy, 'approved' | 'auto_approved'>, keyof typeof moneyMessages.en>;

/** Who let a job's money go, in words, or null for the client's own approval (the usual case says nothing more). */
function releasedByKey(kind: string, releasedBy: ReleasedBy): keyof typeof moneyMessages.en | null {
  if (kind === 'split' && releasedBy !== 'approved' && releasedBy !== 'auto_approved') return SPLIT_BY_WORDS[releasedBy];
  return releasedBy === 'approved' ? null : RELEASED_BY_WORDS[releasedBy];
}

/** How long after the last change to the worker's parts on this device their figures are read again. */
const CHANGES_SETTLE_MS = 1000;

/**
 * The figures are read from the server, not the device; the device's copy of the worker's parts says when they
 * change (released, paid out, disputed, dropped: here or on another of the worker's devices, or by the payout
 * run), and the figures are read again then, once several changes arriving together have settled.
 */
function useReadAgainOnChanges(reload: () => void): void {
  const client = useSync();
  useEffect(() => {
    const sub = client
      .viewAll$('milestones', { selector: {} })
      .pipe(
        map((parts) => parts.map((m) => `${m.id}:${m.version}`).sort().join(',')),
        distinctUntilChanged(),
        skip(1),
        debounceTime(CHANGES_SETTLE_MS),
      )
      .subscribe(() => reload());
    return () => sub.unsubscribe();
  }, [client, reload]);
}

export function EarningsPage() {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const [month, setMonth] = useMonth();
  const { read, reload, offline, asOf } = useMoneyRead<WorkerStatement>(`/money/statement?${periodQuery(month)}`, { keep: true });
  useReadAgainOnChanges(reload);
  const period = monthLabel(month, locale);

  return (
    <Page title={t('earningsTitle')}>
      <MonthPicker month={month} onChange={setMonth} />
      {read.state !== 'ready' ? (
        <MoneyReadState read={read} onRetry={reload} />
      ) : (
        <>
          <MoneyStaleNotice show={offline} asOf={asOf} />
          <Balances statement={read.data} onPaidOut={reload} />
          <Unsent statement={read.data} />
          <h2>{t('jobsHeading', { period })}</h2>
          <JobsTable statement={read.data} period={period} />
          <h2 id="payouts-heading">{t('payoutsHeading', { period })}</h2>
          <PayoutsList statement={read.data} period={period} />
          <CsvDownload month={month} />
        </>
      )}
    </Page>
  );
}

/** How often, and for how long, figures still showing a requested payout as available are read again. */
const PAYOUT_REREAD_MS = 2000;
const PAYOUT_REREAD_FOR_MS = 60_000;

function Balances({ statement, onPaidOut }: { statement: WorkerStatement; onPaidOut(): void }) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const account = usePayoutAccount();
  const payout = useMoneyCommand('payout.request');
  // A payout is a money step: it needs the server now, not a queue that sends it later.
  const reach = useServerReach();
  const reachable = reach === 'connected';
  const balances = statement.balances.byCurrency;
  const payoutsActive = account.read.state === 'ready' && account.read.data.status === 'active';
  const paidOut = payout.outcome.state === 'applied';
  // What was available when "Get paid now" was tapped. The server queues the transfers (payout.request) and they run
  // a moment later, so figures read at once may still show the money as available: until they show less, they are
  // behind, the button stays off (a second tap would only be refused, nothing_to_pay_out, over the success), and
  // they are read again every few seconds.
  // Told apart by what was paid out, which only a transfer moves (money released meanwhile raises what is available).
  // After PAYOUT_REREAD_FOR_MS without a move (a transfer retried later), the figures are taken as they come.
  const [tapped, setTapped] = useState<{ currency: CurrencyCode; paidOut: number } | null>(null);
  const [gaveUp, setGaveUp] = useState(false);
  const paidOutIn = (currency: CurrencyCode) => balances.find((b) => b.currency === currency)?.paidOut ?? 0;
  // All of what the server queued (its answer says how much: one transfer per part, which land one after another),
  // or, if its answer does not say, any of it.
  const requested = payout.outcome.state === 'applied' && typeof payout.outcome.result.amount === 'number' ? payout.outcome.result.amount : 1;
  const figuresBehind = paidOut && tapped !== null && !gaveUp && paidOutIn(tapped.currency) < tapped.paidOut + requested;
  const behindFor = (currency: CurrencyCode) => figuresBehind && tapped?.currency === currency;

  // Refused (nothing to pay out: the other phone or the hourly run sent it already), the figures on screen were
  // behind: read again, so that what is shown is what the refusal says.
  const refused = payout.outcome.state === 'rejected';
  useEffect(() => {
    if (paidOut || refused) onPaidOut();
  }, [paidOut, refused, onPaidOut]);
  useEffect(() => {
    if (!figuresBehind) return;
    const every = setInterval(onPaidOut, PAYOUT_REREAD_MS);
    const enough = setTimeout(() => setGaveUp(true), PAYOUT_REREAD_FOR_MS);
    return () => {
      clearInterval(every);
      clearTimeout(enough);
    };
  }, [figuresBehind, onPaidOut]);

  const withAvailable = balances.filter((b) => b.available > 0);
  return (
    <section aria-labelledby="balances-heading">
      <h2 id="balances-heading">{t('balancesHeading')}</h2>
      <p className="hint">{t('balancesHint')}</p>
      {balances.length === 0 ? (
        <Empty>{t('noBalance')}</Empty>
      ) : (
        balances.map((b) => (
          <dl className="money-facts" key={b.currency} data-testid="balance" data-currency={b.currency}>
            <dt>{t('pending')}</dt>
            <dd data-testid="balance-pending">
              <MoneyText value={money(b.pending, b.currency)} />
            </dd>
            <dt>{t('available')}</dt>
            <dd data-testid="balance-available">
              <MoneyText value={money(b.available, b.currency)} />
            </dd>
            <dt>{t('paidOut')}</dt>
            <dd data-testid="balance-paid-out">
              <MoneyText value={money(b.paidOut, b.currency)} />
            </dd>
          </dl>
        ))
      )}
      {withAvailable.length > 0 &&
        (payoutsActive ? (
          <div className="actions">
            {withAvailable.map((b) => (
              <button
                key={b.currency}
                type="button"
                className="btn btn-primary"
                disabled={payout.outcome.state === 'pending' || behindFor(b.currency) || !reachable}
                onClick={() => {
                  setTapped({ currency: b.currency, paidOut: b.paidOut });
                  setGaveUp(false);
                  void payout.issue({ currency: b.currency });
                }}
                data-testid="get-paid-now"
              >
                {withAvailable.length > 1 ? t('getPaidNowCurrency', { amount: formatMoney(money(b.available, b.currency), locale) }) : t('getPaidNow')}
              </button>
            ))}
            {/* Asked for already, its answer lost with the connection: the outcome line says where it stands, not "try again". */}
            {!reachable && payout.outcome.state !== 'pending' && (
              <p className="hint" data-testid="payout-offline">
                {t(reach === 'connecting' ? 'connectingForAction' : 'noConnectionForAction')}
              </p>
            )}
          </div>
        ) : (
          account.read.state === 'ready' && (
            <p className="notice" data-testid="payouts-needed">
              {t('setUpToGetPaid')} <Link href="/payouts">{t('setUpPayouts')}</Link>
            </p>
          )
        ))}
      <p role="status" className={payout.outcome.state === 'idle' ? undefined : 'hint'} data-testid="payout-outcome">
        {payout.outcome.state === 'pending' ? t(reachable ? 'payoutSending' : 'payoutUnconfirmed') : payout.outcome.state === 'applied' ? t('payoutDone') : ''}
      </p>
      {payout.outcome.state === 'rejected' && (
        <p className="error" role="alert" data-testid="payout-refused" data-code={payout.outcome.code}>
          {t('payoutRefused', { reason: rejectionText(payout.outcome.code, payout.outcome.message, locale) })}
        </p>
      )}
      <p>
        <Link href="/payouts">{t('payoutSettings')}</Link>
      </p>
    </section>
  );
}

/** A job in a list of single amounts: its title and the amount on one line, the part's description under them. */
function JobAmount({ job }: { job: { title: string; description: string; amount: number; currency: CurrencyCode } }) {
  return (
    <>
      <span className="money-list-line">
        <span className="money-job-title">{job.title}</span>
        <MoneyText value={money(job.amount, job.currency)} />
      </span>
      {job.description && job.description !== job.title && <span className="money-job-detail">{job.description}</span>}
    </>
  );
}

/** What each reason for money not sent yet tells the worker. */
const UNSENT_WORDS = {
  next_run: 'unsentNextRun',
  sending: 'unsentSending',
  account_needed: 'unsentAccountNeeded',
  held: 'unsentHeld',
} as const satisfies Record<UnsentReason, keyof typeof moneyMessages.en>;

/**
 * Released jobs whose money has not reached the worker yet, each with why and what happens next: the part of
 * "available" a worker otherwise has to take on trust. Where only their payout account can move it, the way there.
 */
function Unsent({ statement }: { statement: WorkerStatement }) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const { items, nextRunAt } = statement.unsent;
  if (items.length === 0) return null;
  return (
    <section aria-labelledby="unsent-heading">
      <h3 id="unsent-heading">{t('unsentHeading')}</h3>
      <ul className="money-list">
        {items.map((u) => (
          <li key={u.milestoneId} data-testid="unsent" data-reason={u.reason} data-milestone-id={u.milestoneId}>
            <JobAmount job={u} />
            <span className="money-job-detail">{t('releasedOn', { when: formatDateTime(u.releasedAt, locale) })}</span>
            <span className={u.reason === 'held' ? 'money-unsent-held' : 'money-job-detail'} data-testid="unsent-why">
              {t(UNSENT_WORDS[u.reason], { time: formatTime(nextRunAt, locale) })}
            </span>
            {(u.reason === 'account_needed' || u.reason === 'held') && <Link href="/payouts">{t('payoutSettings')}</Link>}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The period's transfers to the worker's payout account: when, for which job, how much, and the provider's reference. */
function PayoutsList({ statement, period }: { statement: WorkerStatement; period: string }) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  if (statement.payouts.length === 0) return <Empty>{t('noPayouts', { period })}</Empty>;
  return (
    <ul className="money-list" aria-labelledby="payouts-heading" data-testid="payouts">
      {statement.payouts.map((p) => (
        <li key={p.postingId} data-testid="payout" data-milestone-id={p.milestoneId ?? ''}>
          <JobAmount job={p} />
          <span className="money-job-detail">{t('sentOn', { when: formatDateTime(p.paidAt, locale) })}</span>
          {p.reference && <span className="money-job-detail money-reference">{t('payoutReference', { reference: p.reference })}</span>}
        </li>
      ))}
    </ul>
  );
}

/** Gross and fee: columns on a wide screen, a line under the job on a phone, where the net column stays in sight. */
const WIDE_FIGURE = { numeric: true, wide: true } as const;

function GrossLessFee({ gross, fee }: { gross: Money; fee: Money }) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  return <span className="money-job-detail money-narrow">{t('grossLessFee', { gross: formatMoney(gross, locale), fee: formatMoney(fee, locale) })}</span>;
}

/** A job's figures and the period's totals, one row per currency; scrolls sideways on its own if it must. */
function JobsTable({ statement, period }: { statement: WorkerStatement; period: string }) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  if (statement.jobs.length === 0) return <Empty>{t('noJobs', { period })}</Empty>;
  return (
    <MoneyTable
      label={t('jobsTableLabel', { period })}
      testId="jobs"
      columns={[{ label: t('job') }, { ...WIDE_FIGURE, label: t('gross') }, { ...WIDE_FIGURE, label: t('fee') }, { label: t('net'), numeric: true }]}
    >
      <tbody>
        {statement.jobs.map((j) => (
          <tr key={j.postingId} data-testid="job" data-milestone-id={j.milestoneId ?? ''}>
            <th scope="row">
              <span className="money-job-title">{j.title}</span>
              {j.description && j.description !== j.title && <span className="money-job-detail">{j.description}</span>}
              <span className="money-job-detail">
                {t('releasedOn', { when: formatDateTime(j.releasedAt, locale) })}
                {releasedByKey(j.kind, j.releasedBy) && ` · ${t(releasedByKey(j.kind, j.releasedBy)!)}`}
              </span>
              <GrossLessFee gross={money(j.gross, j.currency)} fee={money(j.fee, j.currency)} />
            </th>
            <td className={cellClass(WIDE_FIGURE)}>
              <MoneyText value={money(j.gross, j.currency)} />
            </td>
            <td className={cellClass(WIDE_FIGURE)}>
              <MoneyText value={money(j.fee, j.currency)} />
            </td>
            <td className="num">
              <MoneyText value={money(j.net, j.currency)} />
            </td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        {statement.totals.map((total) => (
          <tr key={total.currency} data-testid="jobs-total" data-currency={total.currency}>
            <th scope="row">
              {statement.totals.length > 1 ? `${t('total')} (${total.currency})` : t('total')}
              <GrossLessFee gross={money(total.gross, total.currency)} fee={money(total.fee, total.currency)} />
            </th>
            <td className={cellClass(WIDE_FIGURE)}>
              <MoneyText value={money(total.gross, total.currency)} />
            </td>
            <td className={cellClass(WIDE_FIGURE)}>
              <MoneyText value={money(total.fee, total.currency)} />
            </td>
            <td className="num">
              <MoneyText value={money(total.net, total.currency)} />
            </td>
          </tr>
        ))}
      </tfoot>
    </MoneyTable>
  );
}

/** The statement as CSV. */
function CsvDownload({ month }: { month: string }) {
  const t = useT(moneyMessages);
  return (
    <div className="actions">
      <DownloadButton
        path={`/money/statement.csv?${periodQuery(month)}`}
        fallbackName={`earnings-${month}.csv`}
        label={t('downloadCsv')}
        className="btn"
        testId="download-csv"
      />
    </div>
  );
}
