// A milestone's dispute as its parties see it: who opened it and why, the claim, the time left to answer,
// the evidence from both sides (its files to download), and, while it is open, accepting the other side's
// claim or adding evidence.
import { money, splitFee } from '@shared/money';
import { useSync, useViewAll } from '../app/sync-context';
import { formatDateTime, formatMoney } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { AttachmentDownload } from '../money/download-button';
import type { ViewDoc } from '../sync/optimistic';
import { useDraft } from '../ui/use-draft';
import { useNowPast } from '../ui/use-now-past';
import { claimApplies, claimMoney } from './claim-outcome';
import { ConfirmStep } from './confirm-step';
import { answerWindowClosed } from './dispute-guidance';
import { EvidenceForm } from './evidence-form';
import { moneyMessages } from './money-messages';

interface Props {
  dispute: ViewDoc<'disputes'>;
  /** The viewer's side in the booking; null for an admin reading. */
  side: 'client' | 'worker' | null;
  /** The milestone's platform fee, which the worker's share of the claim pays. */
  feeBps: number;
  /** The milestone machine lets the viewer settle it on the claim (not while the client's bank holds the money). */
  mayAccept: boolean;
  /** The client's bank holds the part's money (a chargeback): the claim cannot apply until the bank gives it back. */
  heldByBank: boolean;
  disabled: boolean;
  run(issue: () => Promise<{ id: string }>): Promise<boolean>;
}

export function DisputeBox({ dispute, side, feeBps, mayAccept, heldByBank, disabled, run }: Props) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const client = useSync();
  const messages = useViewAll('messages', { selector: { bookingId: dispute.bookingId } });
  const fmt = (amount: number) => formatMoney(money(amount, dispute.amount.currency), locale);
  const who = (by: string, actorId: string) =>
    actorId === client.userId ? t('you') : by === 'client' ? t('theClient') : by === 'worker' ? t('theWorker') : t('aMediator');
  const other = dispute.openedBy === 'client' ? 'worker' : 'client';
  const otherName = other === 'client' ? t('theClient') : t('theWorker');
  // Where the claim's money goes if it applies, the worker's fee taken from the release as the server settles it.
  const applies = claimMoney(dispute, feeBps);
  const claim = { refund: formatMoney(applies.refund, locale), release: formatMoney(applies.release, locale) };
  const bodyOf = new Map((messages ?? []).map((m) => [m.id, m.body]));
  const open = dispute.status === 'open';
  // Past the deadline with no answer the claim applies, and the server takes no more evidence from the parties.
  const closed = answerWindowClosed(dispute, useNowPast([dispute.respondBy]));
  // Evidence being written is kept on the device while it can still be sent, and forgotten once it cannot.
  const evidence = useDraft(client.db.name, `evidence.${dispute.id}`, open && !closed);

  /** The claim, to its reader; all of it one way is said as all of it, not as "$0.00" the other way. */
  function claimLine(): string {
    const worth = { ...claim, net: formatMoney(applies.net, locale), fee: formatMoney(applies.fee, locale) };
    if (applies.release.amount === 0) return t(side === 'worker' ? 'claimAllBackWorker' : side === 'client' ? 'claimAllBackYou' : 'claimAllBack', worth);
    if (applies.refund.amount === 0) return t(side === 'worker' ? 'claimAllReleasedWorker' : 'claimAllReleased', worth);
    return side === 'worker' ? t('claimWorker', worth) : t(side === 'client' ? 'claimYou' : 'claim', worth);
  }

  /**
   * How it was settled, said to its reader as the texts say it: the client what came back to them and what the worker
   * received after the fee; the worker what they received; an admin the amounts as the ledger moved them.
   */
  function settledLine(): string {
    const date = formatDateTime(dispute.resolvedAt ?? dispute.updatedAt, locale);
    const refund = fmt(dispute.refundedAmount?.amount ?? 0);
    const released = money(dispute.releasedAmount?.amount ?? 0, dispute.amount.currency);
    if (side === null) return t('resolved', { date, refund, release: formatMoney(released, locale) });
    const { fee, net } = splitFee(released, feeBps);
    const vars = { date, refund, net: formatMoney(net, locale), fee: formatMoney(fee, locale) };
    // All of it one way is said as all of it: "$0.00 after the $0.00 platform fee" tells no one anything.
    if (released.amount === 0) return t(side === 'client' ? 'resolvedAllBackYou' : 'resolvedAllBackWorker', vars);
    if ((dispute.refundedAmount?.amount ?? 0) === 0) return t(side === 'client' ? 'resolvedPaidInFullClient' : 'resolvedPaidInFullWorker', vars);
    return t(side === 'client' ? 'resolvedYouClient' : 'resolvedYouWorker', vars);
  }

  /** Where the answer stands: who may answer until when, who answered, or that the time ran out. */
  function answerLine(): string {
    const date = formatDateTime(dispute.respondBy, locale);
    if (closed) return t(heldByBank ? 'respondClosedHeld' : 'respondClosed', { date });
    if (dispute.respondedAt) return side === null ? t('answeredBy', { who: otherName }) : other === side ? t('answeredYou') : t('answeredThem', { who: otherName });
    if (other === side) return t(heldByBank ? 'respondByYouHeld' : 'respondByYou', { date });
    return t(heldByBank ? 'respondByHeld' : 'respondBy', { who: otherName, date });
  }

  return (
    <div className="dispute card" data-testid="dispute" data-status={dispute.status}>
      <h4>{t('disputeHeading')}</h4>
      {/* "You" as a subject takes its own verb in Spanish ("Tú puede" is wrong): whole sentences for it. */}
      <p>
        {dispute.openedBy === side
          ? t('openedByYou', { date: formatDateTime(dispute.openedAt, locale), reason: dispute.reason })
          : t('openedBy', { who: dispute.openedBy === 'client' ? t('clientLower') : t('workerLower'), date: formatDateTime(dispute.openedAt, locale), reason: dispute.reason })}
      </p>
      {open ? (
        <>
          <p data-testid="dispute-claim">
            {claimLine()}
          </p>
          <p className="hint">{answerLine()}</p>
        </>
      ) : (
        <>
          <p data-testid="dispute-outcome">
            <strong>
              {settledLine()}
            </strong>
          </p>
          <p className="hint">
            {dispute.resolvedHow === 'accepted'
              ? t('howAccepted')
              : dispute.resolvedHow === 'default'
                ? t('howDefault')
                : dispute.resolvedHow === 'bank'
                  ? t('howBank')
                  : t('howAdmin', { reason: dispute.resolutionReason ?? '' })}
          </p>
        </>
      )}

      <h5>{t('evidence')}</h5>
      {dispute.evidence.length === 0 ? (
        <p className="muted">{t('noEvidence')}</p>
      ) : (
        <ol className="evidence" data-testid="evidence">
          {dispute.evidence.map((e) => (
            <li key={e.id}>
              <p className="chat-meta">
                <span className="chat-sender">{who(e.by, e.actorId)}</span> <time dateTime={e.at}>{formatDateTime(e.at, locale)}</time>
              </p>
              {e.text && <p className="chat-body">{e.text}</p>}
              {e.messageIds.map((id) => (
                <p key={id} className="timeline-note">
                  {bodyOf.has(id) ? t('cited', { body: bodyOf.get(id)! }) : t('citedGone')}
                </p>
              ))}
              {e.attachments.length > 0 && (
                <ul className="attachments">
                  {e.attachments.map((a) => (
                    <li key={a.id}>
                      {/* Cited by evidence, a file is both parties' to see (the server says so, not this page). */}
                      <AttachmentDownload id={a.id} name={a.name} size={a.size} />
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}

      {open && side === other && mayAccept && (
        <ConfirmStep
          ask={t('acceptClaim')}
          askClassName="btn"
          question={t('acceptQuestion', { outcome: claimApplies(dispute, feeBps, other, t, locale) })}
          confirm={t('confirmAccept')}
          keep={t('keepDispute')}
          disabled={disabled}
          onConfirm={() => run(() => client.issue('dispute.accept', { disputeId: dispute.id }))}
        />
      )}
      {open && side && !closed && <EvidenceForm dispute={dispute} meId={client.userId} disabled={disabled} run={run} text={evidence} />}
    </div>
  );
}
