// The mediator's decision on an open dispute: release all, refund all or split by amount, with a written reason,
// checked here (dispute-decision.ts) and sent as dispute.resolve; the server's answer is shown where it was asked.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { CommandInput } from '@shared/commands';
import { minorUnits, money, type CurrencyCode } from '@shared/money';
import { useCanReachServer } from '../bookings/use-money-step';
import { amountLimits, formatBps, formatDateTime, formatMoney } from '../i18n/format';
import { useLocale, useT } from '../i18n/i18n';
import { rejectionText } from '../i18n/rejections';
import type { DisputeDetail } from '../money/api-types';
import { useMoneyCommand } from '../money/use-money-command';
import { TextAreaField } from '../ui/text-area-field';
import { checkDecision, decisionBlockedBy, decisionPreview, OUTCOMES, type DecisionCheck, type DecisionDraft, type Outcome } from './dispute-decision';
import { adminMoneyMessages } from './money-messages';

type Problems = Extract<DecisionCheck, { ok: false }>['problems'];

const OUTCOME_LABELS = { release_all: 'releaseAll', refund_all: 'refundAll', split: 'split' } as const;

/** An amount as a person would type it in this currency: "45.50", "4550" (no minor unit), "45.500". */
const exampleAmount = (currency: CurrencyCode) => {
  const digits = minorUnits(currency);
  return digits === 0 ? '4550' : `45.${'5'.padEnd(digits, '0')}`;
};

/**
 * `onDecided`: the server applied the decision. `onRefused`: it refused it, with the sentence shown; the page
 * reads the dispute again, since the usual refusal is that it was settled meanwhile (the other side accepted
 * the claim, the window closed) and the page should then show how.
 */
export function DecisionForm({ detail, onDecided, onRefused }: { detail: DisputeDetail; onDecided(): void; onRefused(sentence: string): void }) {
  const t = useT(adminMoneyMessages);
  const { locale } = useLocale();
  const resolve = useMoneyCommand('dispute.resolve');
  // Moving the held money is the server's to do now: offline the decision waits, with what was typed.
  const reachable = useCanReachServer();
  const [draft, setDraft] = useState<DecisionDraft>({ outcome: null, refund: '', reason: '' });
  const [problems, setProblems] = useState<Problems>({});
  // A decision that passed the checks, asked once more before it is sent: it moves the money and cannot be undone.
  const [confirming, setConfirming] = useState<CommandInput<'dispute.resolve'> | null>(null);
  const confirmRef = useRef<HTMLParagraphElement>(null);
  const outcomeRef = useRef<HTMLInputElement>(null);
  const refundRef = useRef<HTMLInputElement>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const ids = { outcome: useId(), refund: useId(), refundHint: useId(), reason: useId(), blocked: useId() };

  const d = detail.dispute;
  const amount = money(d.amount, d.currency);
  const amountText = formatMoney(amount, locale);
  const preview = decisionPreview(draft, amount, detail.milestone.feeBps);
  const decided = resolve.outcome.state === 'applied';
  const sending = resolve.outcome.state === 'pending';
  // The client's bank holds the money while it disputes the payment: no decision can move it until it decides.
  const blocked = decisionBlockedBy(detail.milestone);
  // Nothing to send now: on its way or taken already, no server to take it, or the bank holds the money.
  const unable = sending || decided || !reachable || blocked !== null;

  // The decision is the server's now: read the dispute again to show how it was settled.
  useEffect(() => {
    if (decided) onDecided();
  }, [decided, onDecided]);
  const refusal = resolve.outcome.state === 'rejected' ? t('refused', { reason: rejectionText(resolve.outcome.code, resolve.outcome.message, locale) }) : null;
  useEffect(() => {
    if (refusal) onRefused(refusal);
  }, [refusal, onRefused]);

  const problemText = {
    outcome_required: t('outcomeRequired'),
    refund_format: t('refundFormat', { currency: d.currency, example: exampleAmount(d.currency) }),
    refund_grouping: t('refundGrouping', { example: exampleAmount(d.currency) }),
    refund_range: t('refundRange', { amount: amountText }),
    refund_step: t('refundStep', amountLimits(d.currency, locale)),
    reason_required: t('reasonRequired'),
  };

  function change(next: Partial<DecisionDraft>, clear: keyof Problems) {
    setDraft((prev) => ({ ...prev, ...next }));
    setConfirming(null);
    if (problems[clear]) setProblems(({ [clear]: _, ...rest }) => rest);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (unable) return;
    const check = checkDecision(d.id, draft, amount, locale);
    if (!check.ok) {
      setProblems(check.problems);
      // Focus goes to the first thing to fix.
      (check.problems.outcome ? outcomeRef : check.problems.refund ? refundRef : reasonRef).current?.focus();
      return;
    }
    setProblems({});
    setConfirming(check.payload);
    setTimeout(() => confirmRef.current?.focus(), 0);
  }

  async function confirm() {
    if (!confirming || unable) return;
    await resolve.issue(confirming);
    setConfirming(null);
  }

  return (
    <section aria-labelledby="decision-heading">
      <h2 id="decision-heading">{t('decisionHeading')}</h2>
      {!d.respondedAt && Date.parse(d.respondBy) > Date.now() && (
        <p className="notice" data-testid="decide-early">
          {t('decideEarly', { when: formatDateTime(d.respondBy, locale) })}
        </p>
      )}
      {blocked && (
        <p className="notice" id={ids.blocked} data-testid="decide-blocked" data-code={blocked}>
          {t('decideBankHeld')}
        </p>
      )}
      <form className="decision-form" onSubmit={(e) => void submit(e)} noValidate data-testid="decision-form">
        <fieldset aria-describedby={problems.outcome ? ids.outcome : undefined}>
          <legend>{t('outcome')}</legend>
          {OUTCOMES.map((o: Outcome, i) => (
            <label className="check" key={o}>
              <input
                type="radio"
                name="outcome"
                value={o}
                ref={i === 0 ? outcomeRef : undefined}
                checked={draft.outcome === o}
                onChange={() => change({ outcome: o }, 'outcome')}
              />
              {t(OUTCOME_LABELS[o])}
            </label>
          ))}
          {problems.outcome && (
            <p className="field-error" id={ids.outcome} role="alert">
              {problemText[problems.outcome]}
            </p>
          )}
        </fieldset>
        {draft.outcome === 'split' && (
          <div className="field">
            <label htmlFor={ids.refund}>{t('refundLabel', { currency: d.currency })}</label>
            <input
              id={ids.refund}
              ref={refundRef}
              inputMode={minorUnits(d.currency) === 0 ? 'numeric' : 'decimal'}
              autoComplete="off"
              value={draft.refund}
              aria-invalid={problems.refund ? true : undefined}
              aria-describedby={problems.refund ? `${ids.refund}-error ${ids.refundHint}` : ids.refundHint}
              onChange={(e) => change({ refund: e.target.value }, 'refund')}
              data-testid="split-refund"
            />
            <p className="hint" id={ids.refundHint}>
              {t('refundHint', { amount: amountText })}
            </p>
            {problems.refund && (
              <p className="field-error" id={`${ids.refund}-error`} role="alert">
                {problemText[problems.refund]}
              </p>
            )}
          </div>
        )}
        {preview && (
          <p className="hint" data-testid="decision-preview">
            {preview.refund.amount === amount.amount
              ? t('decisionPreviewAllBack', { refund: formatMoney(preview.refund, locale) })
              : t('decisionPreview', {
                  refund: formatMoney(preview.refund, locale),
                  net: formatMoney(preview.net, locale),
                  fee: formatMoney(preview.fee, locale),
                  rate: formatBps(detail.milestone.feeBps, locale),
                })}
          </p>
        )}
        <TextAreaField
          id={ids.reason}
          label={t('reasonLabel')}
          value={draft.reason}
          onChange={(reason) => change({ reason }, 'reason')}
          error={problems.reason ? problemText[problems.reason] : undefined}
          rows={3}
          textareaRef={reasonRef}
        />
        {confirming ? (
          <div className="confirm-step" data-testid="decide-confirm">
            <p ref={confirmRef} tabIndex={-1}>
              <strong>{t('decideQuestion')}</strong>
            </p>
            <div className="actions">
              <button type="button" className="btn btn-primary" disabled={unable} onClick={() => void confirm()}>
                {t('decideConfirm')}
              </button>
              <button type="button" className="btn" onClick={() => setConfirming(null)}>
                {t('decideKeep')}
              </button>
            </div>
          </div>
        ) : (
          <div className="actions">
            <button
              type="submit"
              className="btn btn-primary"
              disabled={unable}
              aria-describedby={blocked ? ids.blocked : undefined}
              data-testid="decide"
            >
              {t('decide')}
            </button>
          </div>
        )}
        {!reachable && !decided && (
          <p className="hint" data-testid="decide-offline">
            {t('decideOffline')}
          </p>
        )}
        <p role="status" className={sending || decided ? 'hint' : undefined} data-testid="decision-outcome">
          {sending ? t('deciding') : decided ? t('decided') : ''}
        </p>
        {resolve.outcome.state === 'rejected' && (
          <p className="error" role="alert" data-testid="decision-refused" data-code={resolve.outcome.code}>
            {refusal}
          </p>
        )}
      </form>
    </section>
  );
}
