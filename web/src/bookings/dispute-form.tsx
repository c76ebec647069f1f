// Opening a dispute on a milestone whose money is held: what went wrong, and the claim. The client says how
// much should come back to them, the worker how much should be released to them; both default to all of it.
import { useRef, useState, type FormEvent } from 'react';
import { useSync } from '../app/sync-context';
import { amountLimits, formatMoney, moneyInputText, parseMoneyInput } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { newId } from '../sync/ids';
import type { ViewDoc } from '../sync/optimistic';
import { TextAreaField } from '../ui/text-area-field';
import { claimRefund } from './money-actions';
import { moneyMessages } from './money-messages';

interface Props {
  milestone: ViewDoc<'milestones'>;
  side: 'client' | 'worker';
  /** Disabled offline and while another step of this milestone waits. */
  disabled: boolean;
  run(issue: () => Promise<{ id: string }>): Promise<boolean>;
}

export function DisputeForm({ milestone, side, disabled, run }: Props) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const client = useSync();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState('');
  const [claim, setClaim] = useState(() => moneyInputText(milestone.amount, locale));
  const [claimError, setClaimError] = useState('');
  const reasonField = useRef<HTMLTextAreaElement>(null);
  const claimField = useRef<HTMLInputElement>(null);
  const id = `dispute-${milestone.id}`;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const text = reason.trim();
    const typed = parseMoneyInput(claim, milestone.amount.currency);
    const checked = typed ? claimRefund(side, typed, milestone.amount) : { problem: 'range' as const };
    const limits = amountLimits(milestone.amount.currency, locale);
    setReasonError(text ? '' : t('reasonMissing'));
    // The least claim is one step of the currency (0.010 KWD): the server refuses anything finer.
    setClaimError(
      'refundAmount' in checked
        ? ''
        : checked.problem === 'offStep'
          ? t('claimOffStep', limits)
          : t('claimInvalid', { min: limits.step, max: formatMoney(milestone.amount, locale) }),
    );
    if (!text) return reasonField.current?.focus();
    if (!('refundAmount' in checked)) return claimField.current?.focus();
    const { refundAmount } = checked;
    if (!(await run(() => client.issue('dispute.open', { disputeId: newId(), milestoneId: milestone.id, reason: text, refundAmount })))) return;
    setOpen(false);
    setReason('');
  }

  if (!open)
    return (
      <div className="actions">
        <button type="button" className="btn btn-danger" disabled={disabled} onClick={() => setOpen(true)}>
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
        onChange={setReason}
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
      <div className="actions">
        <button type="submit" className="btn btn-danger" disabled={disabled}>
          {t('sendDispute')}
        </button>
        <button type="button" className="btn" onClick={() => setOpen(false)}>
          {t('neverMind')}
        </button>
      </div>
    </form>
  );
}
