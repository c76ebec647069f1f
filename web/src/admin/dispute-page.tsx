// /a/disputes/:id: one dispute for a mediator: the claim, then the milestone's timeline, the booking's chat and
// each side's evidence side by side, and the decision (dispute.resolve) or how it was decided.
import { useCallback, useState } from 'react';
import { Link } from 'wouter';
import { money } from '@shared/money';
import { bankReasonText, bankStepName, isBankStep } from '../bookings/bank-dispute';
import { answerWindowClosed } from '../bookings/dispute-guidance';
import { bookingMessages } from '../bookings/messages';
import { milestoneStateName } from '../i18n/domain-names';
import { formatDateTime } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import type { DisputeDetail, Evidence } from '../money/api-types';
import { AttachmentDownload } from '../money/download-button';
import { useMoneyRead } from '../money/money-api';
import { MoneyReadState, MoneyStaleNotice } from '../money/money-read-state';
import { MoneyText } from '../ui/money-text';
import { Empty, Page } from '../ui/page';
import { DecisionForm } from './decision-form';
import { MediatorNote } from './mediator-note';
import { adminMoneyMessages } from './money-messages';

export function DisputePage({ id }: { id: string }) {
  const t = useT(adminMoneyMessages);
  const { read, reload, offline } = useMoneyRead<DisputeDetail>(`/disputes/${encodeURIComponent(id)}`);
  const [refused, setRefused] = useState<string | null>(null);
  const refusedThen = useCallback(
    (sentence: string) => {
      setRefused(sentence);
      reload();
    },
    [reload],
  );

  if (read.state !== 'ready')
    return (
      <Page title={t('disputeLoading')}>
        <MoneyReadState read={read} onRetry={reload} />
        <p>
          <Link href="/disputes">{t('backToQueue')}</Link>
        </p>
      </Page>
    );

  const detail = read.data;
  const { dispute: d, booking } = detail;
  return (
    <Page title={t('disputeTitle', { title: booking.title || detail.milestone.description })}>
      <MoneyStaleNotice show={offline} />
      <p className="meta">
        {t('parties', { client: booking.clientName, worker: booking.workerName })} ·{' '}
        <Link href={`~/b/${booking.id}`}>{t('openBooking')}</Link>
      </p>
      <Summary detail={detail} />
      <section aria-label={t('sideBySide')} className="dispute-columns">
        <Timeline detail={detail} />
        <Chat detail={detail} />
        <EvidenceColumn detail={detail} />
      </section>
      {d.status === 'open' ? (
        <>
          <MediatorNote detail={detail} onAdded={reload} />
          <DecisionForm detail={detail} onDecided={reload} onRefused={refusedThen} />
        </>
      ) : (
        <>
          {/* Refused because it was settled meanwhile: the refusal stays said above how it was settled. */}
          {refused && (
            <p className="error" role="alert" data-testid="decision-refused">
              {refused}
            </p>
          )}
          <Resolution detail={detail} />
        </>
      )}
      <p>
        <Link href="/disputes">{t('backToQueue')}</Link>
      </p>
    </Page>
  );
}

function Summary({ detail }: { detail: DisputeDetail }) {
  const t = useT(adminMoneyMessages);
  const { locale } = useLocale();
  const { dispute: d, booking } = detail;
  // Past the deadline with no answer (the window job settles it within a minute of it).
  const ended = answerWindowClosed(d, Date.now());
  return (
    <dl className="money-facts dispute-summary" data-testid="dispute-summary" data-status={d.status}>
      <dt>{t('heldAmount')}</dt>
      <dd data-testid="dispute-amount">
        <MoneyText value={money(d.amount, d.currency)} />
      </dd>
      <dt>{t('claim')}</dt>
      <dd data-testid="dispute-claim">
        <MoneyText value={money(d.refundAmount, d.currency)} />
      </dd>
      <dt>{t('openedBy')}</dt>
      <dd>
        {d.openedBy === 'client' ? `${t('sideClient')} (${booking.clientName})` : `${t('sideWorker')} (${booking.workerName})`},{' '}
        {formatDateTime(d.openedAt, locale)}
      </dd>
      <dt>{t('why')}</dt>
      <dd className="dispute-text">{d.reason}</dd>
      <dt>{t('status')}</dt>
      <dd>{d.status === 'open' ? t('statusOpen') : t('statusResolved')}</dd>
      {d.status === 'open' && (
        <>
          <dt>{d.respondedAt || ended ? t('answer') : t('answerBy')}</dt>
          <dd data-testid="dispute-answer">
            {d.respondedAt
              ? d.openedBy === 'client'
                ? t('answeredBy', { name: booking.workerName, side: t('sideWorker') })
                : t('answeredBy', { name: booking.clientName, side: t('sideClient') })
              : ended
                ? t('answerEnded', { date: formatDateTime(d.respondBy, locale) })
                : formatDateTime(d.respondBy, locale)}
          </dd>
        </>
      )}
    </dl>
  );
}

/** Who a timeline entry or a message came from, in words. */
function useWho(detail: DisputeDetail) {
  const t = useT(adminMoneyMessages);
  const { dispute: d, booking } = detail;
  return {
    side: (by: string) => (by === 'client' ? booking.clientName : by === 'worker' ? booking.workerName : by === 'system' ? t('bySystem') : t('byAdmin')),
    sender: (userId: string) => (userId === d.clientId ? booking.clientName : userId === d.workerId ? booking.workerName : t('byAdmin')),
  };
}

function Timeline({ detail }: { detail: DisputeDetail }) {
  const t = useT(adminMoneyMessages);
  // A chargeback's steps in the words the parties' pages use for the worker's side: they name the bank, no "by".
  const tb = useT(bookingMessages);
  const { locale } = useLocale();
  const who = useWho(detail);
  const entries = detail.milestone.timeline;
  return (
    <section aria-labelledby="dispute-timeline">
      <h2 id="dispute-timeline">{t('timelineHeading')}</h2>
      {entries.length === 0 ? (
        <Empty>{t('noTimeline')}</Empty>
      ) : (
        <ol className="timeline" data-testid="dispute-timeline">
          {entries.map((e, i) => {
            const note = isBankStep(e.event) ? bankReasonText(tb, e.note, true) : e.note;
            return (
              <li key={`${e.at}-${i}`} data-event={e.event}>
                <strong>{isBankStep(e.event) ? bankStepName(tb, e.event, 'other') : milestoneStateName(e.status, locale)}</strong>
                <span className="money-job-detail">
                  {formatDateTime(e.at, locale)}
                  {!isBankStep(e.event) && ` · ${t('byWho', { who: who.side(e.by) })}`}
                </span>
                {note && <span className="dispute-text">{note}</span>}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

function Chat({ detail }: { detail: DisputeDetail }) {
  const t = useT(adminMoneyMessages);
  const { locale } = useLocale();
  const who = useWho(detail);
  const cited = new Set([...detail.evidence.client, ...detail.evidence.worker, ...detail.evidence.admin].flatMap((e) => e.messageIds));
  return (
    <section aria-labelledby="dispute-chat">
      <h2 id="dispute-chat">{t('chatHeading')}</h2>
      {detail.messages.length === 0 ? (
        <Empty>{t('noMessages')}</Empty>
      ) : (
        <ul className="chat" data-testid="dispute-chat">
          {detail.messages.map((m) => (
            <li key={m.id} className={cited.has(m.id) ? 'dispute-cited' : undefined} data-testid="dispute-message" data-cited={cited.has(m.id) || undefined}>
              <span className="money-job-detail">
                {who.sender(m.senderId)} · {formatDateTime(m.createdAt, locale)}
                {cited.has(m.id) && ` · ${t('citedMark')}`}
              </span>
              <span className="dispute-text">{m.body}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function EvidenceColumn({ detail }: { detail: DisputeDetail }) {
  const t = useT(adminMoneyMessages);
  const { booking } = detail;
  const sides = [
    { by: 'client', who: booking.clientName },
    { by: 'worker', who: booking.workerName },
    { by: 'admin', who: t('mediators') },
  ] as const;
  return (
    <section aria-labelledby="dispute-evidence">
      <h2 id="dispute-evidence">{t('evidenceHeading')}</h2>
      {sides
        .filter((s) => s.by !== 'admin' || detail.evidence.admin.length > 0)
        .map((s) => (
          <div key={s.by} data-testid={`evidence-${s.by}`}>
            <h3>{t('evidenceFrom', { who: s.who })}</h3>
            {detail.evidence[s.by].length === 0 ? (
              <p className="muted">{t('noEvidence')}</p>
            ) : (
              <ul className="list">
                {detail.evidence[s.by].map((e) => (
                  <EvidenceItem key={e.id} evidence={e} detail={detail} />
                ))}
              </ul>
            )}
          </div>
        ))}
    </section>
  );
}

function EvidenceItem({ evidence: e, detail }: { evidence: Evidence; detail: DisputeDetail }) {
  const t = useT(adminMoneyMessages);
  const { locale } = useLocale();
  const files = e.attachmentIds.flatMap((id) => detail.attachments.filter((a) => a.id === id));
  return (
    <li className="list-item" data-testid="evidence">
      <span className="money-job-detail">{formatDateTime(e.at, locale)}</span>
      {e.text && <span className="dispute-text">{e.text}</span>}
      {e.messageIds.length > 0 && <span className="money-job-detail">{e.messageIds.length === 1 ? t('citesOne') : t('citesOther', { n: e.messageIds.length })}</span>}
      {files.length > 0 && (
        <ul className="dispute-files">
          {files.map((f) => (
            <li key={f.id}>
              <AttachmentDownload id={f.id} name={f.name} size={f.size} />
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function Resolution({ detail }: { detail: DisputeDetail }) {
  const t = useT(adminMoneyMessages);
  const { locale } = useLocale();
  const d = detail.dispute;
  const outcome = d.outcome === 'release_all' ? t('outcomeReleaseAll') : d.outcome === 'refund_all' ? t('outcomeRefundAll') : t('outcomeSplit');
  const how =
    d.resolvedHow === 'accepted' ? t('howAccepted') : d.resolvedHow === 'default' ? t('howDefault') : d.resolvedHow === 'bank' ? t('howBank') : t('howAdmin');
  return (
    <section aria-labelledby="dispute-resolution" data-testid="dispute-resolution" data-outcome={d.outcome ?? ''}>
      <h2 id="dispute-resolution">{t('resolvedHeading')}</h2>
      {/* Laid out as the summary above: a sentence or a reason beside a label must not squeeze the label to a letter a line. */}
      <dl className="money-facts dispute-facts">
        <dt>{t('outcome')}</dt>
        <dd>
          {outcome}. {how}.
        </dd>
        {d.releasedAmount !== null && (
          <>
            <dt>{t('toWorker')}</dt>
            <dd>
              <MoneyText value={money(d.releasedAmount, d.currency)} />
            </dd>
          </>
        )}
        {d.refundedAmount !== null && (
          <>
            <dt>{t('toClient')}</dt>
            <dd>
              <MoneyText value={money(d.refundedAmount, d.currency)} />
            </dd>
          </>
        )}
        {d.resolvedAt && (
          <>
            <dt>{t('decidedAt')}</dt>
            <dd>{formatDateTime(d.resolvedAt, locale)}</dd>
          </>
        )}
        {d.resolutionReason && (
          <>
            <dt>{t('reason')}</dt>
            <dd className="dispute-text">{d.resolutionReason}</dd>
          </>
        )}
      </dl>
    </section>
  );
}
