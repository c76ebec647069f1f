// Opening a dispute on a milestone whose money is held: what went wrong, and the claim. The client says how
// much should come back to them, the worker how much should be released to them; both default to all of it.
// Focus goes to the first field when the form opens and back to the button that opened it when it is closed.
import { useRef, useState, type FormEvent } from 'react';
import { minorUnits, money } from '@shared/money';
import { useSync } from '../app/sync-context';
import { amountLimits, formatMoney, moneyInputProblem, moneyInputText, parseMoneyInput } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { newId } from '../sync/ids';
import type { ViewDoc } from '../sync/optimistic';
import { TextAreaField } from '../ui/text-area-field';
import { claimMoney } from './claim-outcome';
import { claimRefund } from './money-actions';
import { moneyMessages } from './money-messages';

interface Props {
  milestone: ViewDoc<'milestones'>;
  side: 'client' | 'worker';
  /** Disabled offline and while another step of this milestone waits. */
  disabled: boolean;
  run(issue: () => Promise<{ id: string }>): Promise<boolean>;
  /** What went wrong as written so far, kept on the device (a draft) and its setter. */
  reason: [string, (value: string) => void];
}

export function DisputeForm({ milestone, side, disabled, run, reason: [reason, setReason] }: Props) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const client = useSync();
  // Open on what was written before a reload, not hidden behind the button.
  const [open, setOpen] = useState(() => reason !== '');
  const [reasonError, setReasonError] = useState('');
  const [claim, setClaim] = useState(() => moneyInputText(milestone.amount, locale));
  const [claimError, setClaimError] = useState('');
  // The claim as checked, waiting for a yes; any change to the form takes the question back.
  const [asked, setAsked] = useState<{ reason: string; refundAmount: number } | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const reasonField = useRef<HTMLTextAreaElement>(null);
  const claimField = useRef<HTMLInputElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const id = `dispute-${milestone.id}`;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const text = reason.trim();
    const { currency } = milestone.amount;
    const typed = parseMoneyInput(claim, currency);
    // Not read as an amount at all: say why when it can be told (thousands separators, too many decimals).
    const checked = typed ? claimRefund(side, typed, milestone.amount) : { problem: moneyInputProblem(claim, currency, locale) };
    const limits = amountLimits(currency, locale);
    const digits = minorUnits(currency);
    setReasonError(text ? '' : t('reasonMissing'));
    // The least claim is one step of the currency (0.010 KWD): the server refuses anything finer.
    setClaimError(
      'refundAmount' in checked
        ? ''
        : checked.problem === 'offStep'
          ? t('claimOffStep', limits)
          : checked.problem === 'grouping'
            ? t(digits === 0 ? 'errPartAmountGroupingWhole' : 'errPartAmountGrouping')
            : checked.problem === 'decimals'
              ? digits === 0
                ? t('errPartAmountWhole')
                : t('errPartAmountDecimals', { n: digits })
              : t('claimInvalid', { min: limits.step, max: formatMoney(milestone.amount, locale) }),
    );
    if (!text) return reasonField.current?.focus();
    if (!('refundAmount' in checked)) return claimField.current?.focus();
    // Asked once, with the claim as read and what it means for each side: a slip ("1,50" for 150) would otherwise
    // go out at once, and the other side may accept it before it could be put right.
    setAsked({ reason: text, refundAmount: checked.refundAmount });
    setTimeout(() => confirmButton.current?.focus(), 0);
  }

  async function confirm() {
    if (!asked) return;
    const { reason: text, refundAmount } = asked;
    if (!(await run(() => client.issue('dispute.open', { disputeId: newId(), milestoneId: milestone.id, reason: text, refundAmount })))) return;
    setAsked(null);
    setOpen(false);
    setReason('');
  }

  /** The question before a dispute is opened: what comes back to the client and what goes to the worker if the claim applies. */
  function question(refundAmount: number): string {
    const applies = claimMoney({ amount: milestone.amount, refundAmount: money(refundAmount, milestone.amount.currency) }, milestone.feeBps);
    const said = { refund: formatMoney(applies.refund, locale), release: formatMoney(applies.release, locale), net: formatMoney(applies.net, locale), fee: formatMoney(applies.fee, locale) };
    return t(side === 'client' ? 'disputeQuestionClient' : 'disputeQuestionWorker', said);
  }

  if (!open)
    return (
      <div className="actions">
        <button
          ref={opener}
          type="button"
          className="btn btn-danger"
          disabled={disabled}
          onClick={() => {
            setOpen(true);
            // The button gives way to the form: land on what to fill in first, not lost to the page.
            setTimeout(() => reasonField.current?.focus(), 0);
          }}
        >
          {t('openDispute')}
        </button>
      </div>
    );

  const claimErrorId = `${id}-claim-error`;
  return (
    <form className="action-form card" onSubmit={(e) => void submit(e)} noValidate aria-label={t('openDispute')}>
      <TextAreaField
        id={`${id}-reason`}
        label={t('disputeReason')}
        value={reason}
        onChange={(value) => {
          setReason(value);
          setAsked(null);
        }}
        error={reasonError}
        onClearError={() => setReasonError('')}
        rows={3}
        textareaRef={reasonField}
      />
      <div className="field">
        <label htmlFor={`${id}-claim`}>{side === 'client' ? t('claimRefund') : t('claimRelease')}</label>
        <input
          id={`${id}-claim`}
          ref={claimField}
          inputMode="decimal"
          autoComplete="off"
          value={claim}
          aria-invalid={claimError ? true : undefined}
          aria-describedby={claimError ? `${id}-claim-of ${claimErrorId}` : `${id}-claim-of`}
          onChange={(e) => {
            setClaim(e.target.value);
            setClaimError('');
            setAsked(null);
          }}
        />
        <p className="hint" id={`${id}-claim-of`}>
          {t('claimOf', { amount: formatMoney(milestone.amount, locale) })}
        </p>
        {claimError && (
          <p className="field-error" id={claimErrorId} role="alert">
            {claimError}
          </p>
        )}
      </div>
      {asked && (
        <p className="notice" data-testid="dispute-question">
          {question(asked.refundAmount)}
        </p>
      )}
      <div className="actions">
        {asked ? (
          <>
            <button ref={confirmButton} type="button" className="btn btn-danger" disabled={disabled} onClick={() => void confirm()}>
              {t('confirmDispute')}
            </button>
            <button
              type="button"
              className="btn"
              onClick={() => {
                setAsked(null);
                setTimeout(() => claimField.current?.focus(), 0);
              }}
            >
              {t('changeDispute')}
            </button>
          </>
        ) : (
          <button type="submit" className="btn btn-danger" disabled={disabled}>
            {t('sendDispute')}
          </button>
        )}
        <button
          type="button"
          className="btn"
          onClick={() => {
            setOpen(false);
            setReason(''); // not kept to open the form again after a reload
            // Back on the button that opened the form.
            setTimeout(() => opener.current?.focus(), 0);
          }}
        >
          {t('neverMind')}
        </button>
      </div>
    </form>
  );
}
