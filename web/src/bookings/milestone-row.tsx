// One milestone on the booking page: its amount, where its money is (in plain words), what each side gets,
// and the money steps the viewer may take on it now. Every step but paying is a command with no optimistic
// projection: the row shows the server's state, marked as waiting, until the server answers.
import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { droppedStep, heldByBank, milestoneMachine, type MilestoneEvent, type MilestoneState } from '@shared/milestone-machine';
import { money } from '@shared/money';
import { REJECTION_MESSAGES, type RejectionCode } from '@shared/rejections';
import { useSync } from '../app/sync-context';
import { formatBps, formatDay, formatDateTime, formatMoney } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { rejectionText } from '../i18n/rejections';
import type { ViewDoc } from '../sync/optimistic';
import { MoneyText } from '../ui/money-text';
import { PendingMark } from '../ui/pending-mark';
import { TextAreaField } from '../ui/text-area-field';
import { useDraft } from '../ui/use-draft';
import { ConfirmStep } from './confirm-step';
import { chargedBack } from './bank-dispute';
import { claimMoney } from './claim-outcome';
import { PartHistory } from './booking-timeline';
import { DisputeBox } from './dispute-box';
import { DisputeForm } from './dispute-form';
import { FundAction } from './fund-action';
import { StepProgress } from './step-progress';
import { claimAcceptable, type MoneyAction, type OfferedMoneyAction } from './money-actions';
import { moneyMessages, type MoneyKey } from './money-messages';
import { useMoneyStep, type PaymentRail } from './use-money-step';

/** The escrow status in the words the issue asks for; a submitted milestone also says when it approves itself. */
const STATUS_WORDS: Record<MilestoneState, MoneyKey> = {
  proposed: 'stProposed',
  agreed: 'stWaiting',
  payment_pending: 'stWaiting',
  funded: 'stFunded',
  submitted: 'stSubmitted',
  changes_requested: 'stChanges',
  disputed: 'stDisputed',
  released: 'stReleased',
  refunded: 'stRefunded',
  split: 'stSplit',
  cancelled: 'stCancelled',
};

/** The hand-in a review is about, as this device shows it: the server refuses the review if it was handed in again since. */
const handIn = (m: { submittedAt?: string | null }) => (m.submittedAt ? { submittedAt: m.submittedAt } : {});

/** Whether the part may still take `event` from where it is: a draft for a step it can no longer take is forgotten. */
const stillTakes = (status: MilestoneState, event: MilestoneEvent) => event in milestoneMachine.transitions[status];

/** The step whose note is what the viewer acts on while the part waits in this state. */
const WAITING_STEP: Partial<Record<MilestoneState, string>> = { submitted: 'submit', changes_requested: 'request_changes' };

interface Props {
  milestone: ViewDoc<'milestones'>;
  /** The money steps the viewer may take on it now (offeredMoneyActions). */
  offered: readonly OfferedMoneyAction[];
  side: 'client' | 'worker' | null;
  /** The milestone's latest dispute, if any. */
  dispute: ViewDoc<'disputes'> | undefined;
  /** Types of the viewer's money commands on this milestone or its dispute still waiting for the server. */
  waiting: readonly string[];
  reachable: boolean;
  rail: PaymentRail | null;
  /** The client just came back from this milestone's checkout. */
  justPaid: boolean;
  /** Shown as "Part n" when the booking has several. */
  number: number | null;
  /** The booking's parties, for who did what in the part's history. */
  names: { clientName: string; workerName: string };
}

export function MilestoneRow({ milestone: m, offered, side, dispute, waiting, reachable, rail, justPaid, number, names }: Props) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const client = useSync();
  // The milestone's state and its dispute's: a step stays busy until the server's change to them is here.
  const step = useMoneyStep(`${m.version}/${dispute?.id ?? ''}/${dispute?.version ?? ''}`);
  // What the viewer writes for a step is kept on the device until the step is sent: a worker on a weak signal
  // writes the hand-in note where the work is done and sends it when the connection comes back, reloads between.
  const [note, setNote] = useDraft(client.db.name, `submit.${m.id}`, stillTakes(m.status, 'submit'));
  const [changes, setChanges] = useDraft(client.db.name, `changes.${m.id}`, stillTakes(m.status, 'request_changes'));
  const disputeReason = useDraft(client.db.name, `dispute.${m.id}`, stillTakes(m.status, 'dispute'));
  const [changesError, setChangesError] = useState('');
  const [dropReason, setDropReason] = useState('');
  const changesField = useRef<HTMLTextAreaElement>(null);

  const fmt = (amount: number) => formatMoney(money(amount, m.amount.currency), locale);
  // While a dispute is open, what the worker would get if its claim applied.
  const claimed = m.status === 'disputed' && dispute?.status === 'open' ? claimMoney(dispute, m.feeBps) : undefined;
  const sentence = (code: RejectionCode) => rejectionText(code, REJECTION_MESSAGES[code], locale);
  const offer = (action: MoneyAction) => offered.find((a) => a.action === action);
  const disabled = !reachable || step.busy || waiting.length > 0;
  // A chargeback: the client's bank holds the money until it decides, or it decided for the client and
  // returned the payment itself (no refund of Fieldwork's to follow on the receipt).
  const held = heldByBank(m.timeline);
  const returned = m.status === 'refunded' && chargedBack(m.timeline);
  // Dropped by one side while the work went on: by whom, and why when they said.
  const dropped = droppedStep(m);
  const nameOf = (by: string) => (by === 'client' ? names.clientName || t('theClient') : names.workerName || t('theWorker'));
  const dropper = dropped && nameOf(dropped.by);
  /** Where the part's money is, in words to the viewer. */
  function statusWords(): string {
    if (dropped) return dropped.actorId === client.userId ? t('stDroppedYou') : t('stDropped', { who: dropper! });
    if (held) return t(side === 'client' ? 'stBankHeldYours' : 'stBankHeld');
    if (returned) return t(side === 'client' ? 'stChargedBackYou' : 'stChargedBack');
    if (m.status === 'submitted' && !m.autoApproveAt) return t('stSubmittedNoDate');
    if (m.status === 'released' && side === 'worker') return t('stReleasedYou');
    return t(STATUS_WORDS[m.status], { date: m.autoApproveAt ? formatDateTime(m.autoApproveAt, locale) : '' });
  }
  const words = statusWords();
  const net = m.releasedAmount.amount - m.feeAmount.amount;
  // What the other side wrote with the step that is now waiting on the viewer: the work handed in, or the
  // changes asked for. (Every step's note is in the part's history; this one is what to act on. A bank's step
  // leaves the state as it was and may carry a note of its own: it is not this.)
  const latest = WAITING_STEP[m.status] ? [...m.timeline].reverse().find((e) => e.event === WAITING_STEP[m.status]) : undefined;
  const theirNote = latest?.note && latest.actorId !== client.userId ? latest : undefined;

  const submitStep = (e: FormEvent) => {
    e.preventDefault();
    const text = note.trim();
    void step.run(() => client.issue('milestone.submit', { milestoneId: m.id, ...(text ? { note: text } : {}) })).then((kept) => kept && setNote(''));
  };
  const requestChanges = (e: FormEvent) => {
    e.preventDefault();
    const reason = changes.trim();
    if (!reason) {
      setChangesError(sentence('reason_required'));
      changesField.current?.focus();
      return;
    }
    void step.run(() => client.issue('milestone.request_changes', { milestoneId: m.id, reason, ...handIn(m) })).then((kept) => kept && setChanges(''));
  };

  const fund = offer('fund');
  const submit = offer('submit');
  const approve = offer('approve');
  const changesOffer = offer('request_changes');
  const withdraw = offer('withdraw');

  return (
    <li className="milestone card" data-testid="milestone" data-status={m.status}>
      <h3>{number === null ? m.description : `${t('part', { n: number })}: ${m.description}`}</h3>
      <dl className="facts">
        <div className="fact">
          <dt>{t('amount')}</dt>
          <dd>
            <MoneyText value={m.amount} />
          </dd>
        </div>
        {m.dueAt && (
          <div className="fact" data-testid="milestone-due">
            <dt>{t('due')}</dt>
            <dd>{formatDay(m.dueAt, locale)}</dd>
          </div>
        )}
        <div className="fact">
          <dt>{t('status')}</dt>
          <dd className="escrow-status" data-testid="escrow-status" data-status={m.status}>
            <strong>{words}</strong>
            <PendingMark show={waiting.length > 0} />
          </dd>
        </div>
      </dl>

      {held && (
        <p className="notice" data-testid="bank-hold">
          {side === 'client' ? t('bankHoldYours') : side === 'worker' ? t('bankHoldWorker') : t('bankHold')}
          {side === 'worker' && submit && !submit.blockedBy && ` ${t('bankHoldSubmit')}`}
        </p>
      )}
      {m.status === 'released' && m.timeline.some((e) => e.event === 'auto_approve') && (
        <p data-testid="auto-approved">{t(side === 'client' ? 'autoApprovedYou' : 'autoApprovedLine')}</p>
      )}
      {m.status === 'split' && (
        <p data-testid="settled-amounts">
          {t(side === 'client' ? 'splitLineYou' : side === 'worker' ? 'splitLineWorker' : 'splitLine', { refunded: fmt(m.refundedAmount.amount), released: fmt(m.releasedAmount.amount) })}
        </p>
      )}
      {m.status === 'refunded' &&
        (returned ? (
          <p data-testid="settled-amounts">
            {t(side === 'client' ? 'chargedBackLineYou' : 'chargedBackLine')}
            {/* The bank took back part of the payment: Fieldwork refunds what the part still held. */}
            {m.refundedAmount.amount > 0 && ` ${t(side === 'client' ? 'refundedLineYou' : 'refundedLine', { amount: fmt(m.refundedAmount.amount) })}`}
          </p>
        ) : (
          <p data-testid="settled-amounts">{t(side === 'client' ? 'refundedLineYou' : 'refundedLine', { amount: fmt(m.refundedAmount.amount) })}</p>
        ))}
      {/* "Refunded" is the ledger's word; whether the provider has paid it back yet is on the receipt. */}
      {side === 'client' && m.refundedAmount.amount > 0 && (
        <p>
          <Link href={`~/c/receipts/${m.id}`}>{t('refundOnReceipt')}</Link>
        </p>
      )}
      {side === 'worker' &&
        (m.releasedAmount.amount > 0 ? (
          <p data-testid="worker-net">{t('youReceived', { net: fmt(net), fee: fmt(m.feeAmount.amount) })}</p>
        ) : (
          m.status !== 'refunded' &&
          m.status !== 'cancelled' && (
            <p className="hint" data-testid="worker-net">
              {claimed
                ? // What the claim would leave the worker, its own fee taken: the fee is on what is released, not on the whole.
                  claimed.net.amount > 0
                  ? t('youReceiveDisputed', { claim: formatMoney(claimed.refund, locale), claimNet: formatMoney(claimed.net, locale), claimFee: formatMoney(claimed.fee, locale), rate: formatBps(m.feeBps, locale), net: formatMoney(m.net, locale) })
                  : t('youReceiveDisputedNothing', { net: formatMoney(m.net, locale) })
                : m.status === 'disputed'
                  ? // Its dispute not on this device yet: held all the same, whatever the claim.
                    t('youReceiveDisputedHeld', { net: formatMoney(m.net, locale) })
                  : t('youReceive', { net: formatMoney(m.net, locale), fee: formatMoney(m.fee, locale), rate: formatBps(m.feeBps, locale) })}
            </p>
          )
        ))}
      {dropped?.note && (
        <p className="timeline-note" data-testid="milestone-note">
          {t('noteFrom', { who: dropped.actorId === client.userId ? t('you') : dropper!, note: dropped.note })}
        </p>
      )}
      {theirNote && (
        <p className="timeline-note" data-testid="milestone-note">
          {t('noteFrom', { who: nameOf(theirNote.by), note: theirNote.note! })}
        </p>
      )}
      {justPaid && (m.status === 'agreed' || m.status === 'payment_pending') && <p className="notice">{t('paidReturn')}</p>}

      <StepProgress step={step} testId="money-notice" />

      {fund && <FundAction milestone={m} reachable={reachable && waiting.length === 0} rail={rail} returned={justPaid} />}

      {submit &&
        (submit.blockedBy ? (
          <p className="hint">{submit.blockedBy === 'start_first' ? t('startFirst') : sentence(submit.blockedBy)}</p>
        ) : (
          <form className="action-form" onSubmit={submitStep}>
            <TextAreaField id={`submit-${m.id}-note`} label={t('submitNote')} value={note} onChange={setNote} />
            <button type="submit" className="btn btn-primary" disabled={disabled} aria-busy={step.busy || undefined}>
              {t('submit')}
            </button>
          </form>
        ))}

      {approve && (
        <ConfirmStep
          ask={t('approve', { amount: formatMoney(m.amount, locale) })}
          askClassName="btn btn-primary"
          question={t('approveQuestion', { amount: formatMoney(m.amount, locale) })}
          confirm={t('confirmApprove', { amount: formatMoney(m.amount, locale) })}
          keep={t('keepApprove')}
          disabled={disabled}
          onConfirm={() => step.run(() => client.issue('milestone.approve', { milestoneId: m.id, ...handIn(m) }))}
        />
      )}

      {changesOffer &&
        (changesOffer.blockedBy ? (
          <p className="notice">{sentence(changesOffer.blockedBy as RejectionCode)}</p>
        ) : (
          <form className="action-form" onSubmit={requestChanges} noValidate>
            <TextAreaField
              id={`changes-${m.id}`}
              label={t('changesReason')}
              value={changes}
              onChange={setChanges}
              error={changesError}
              onClearError={() => setChangesError('')}
              rows={3}
              textareaRef={changesField}
            />
            <button type="submit" className="btn" disabled={disabled}>
              {t('requestChanges')}
            </button>
          </form>
        ))}

      {side && withdraw && (
        <ConfirmStep
          ask={t('withdraw')}
          askClassName="btn"
          question={t(side === 'worker' ? 'withdrawQuestionWorker' : 'withdrawQuestionClient', { amount: formatMoney(m.amount, locale) })}
          confirm={t('confirmWithdraw')}
          keep={t('keepWithdraw')}
          disabled={disabled}
          onConfirm={() => {
            const reason = dropReason.trim();
            return step.run(() => client.issue('milestone.withdraw', { milestoneId: m.id, ...(reason ? { reason } : {}) }));
          }}
        >
          <TextAreaField id={`withdraw-${m.id}`} label={t('withdrawReason')} value={dropReason} onChange={setDropReason} maxLength={500} />
        </ConfirmStep>
      )}

      {side && offer('dispute') && <DisputeForm milestone={m} side={side} disabled={disabled} run={step.run} reason={disputeReason} />}
      {dispute && (
        <DisputeBox
          dispute={dispute}
          side={side}
          feeBps={m.feeBps}
          mayAccept={side !== null && claimAcceptable(m, { refund: dispute.refundAmount.amount, amount: dispute.amount.amount }, side)}
          heldByBank={held}
          disabled={disabled}
          run={step.run}
        />
      )}
      {m.timeline.length > 0 && <PartHistory milestone={m} names={names} meId={client.userId} />}
    </li>
  );
}
