// The booking's payment plan: the plan one side proposed and the other may accept (milestone.accept), and the
// form to propose a new one (milestone.propose). Either side proposes; a newer proposal withdraws the one
// waiting, so a booking has at most one. Like every money step, it needs a connection.
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { planOpen } from '@shared/booking-machine';
import { replacedByPlan } from '@shared/milestone-machine';
import { minorUnits, money, sum, type CurrencyCode, type Money } from '@shared/money';
import type { Locale } from '@shared/locales';
import { useSync } from '../app/sync-context';
import { amountLimits, formatBps, formatDay, formatMoney, moneyInputProblem, parseMoneyInput } from '../i18n/format';
import { AmountReadAs } from '../ui/amount-read-as';
import { useLocale, useT, type Translate } from '../i18n/i18n';
import { rejectionText } from '../i18n/rejections';
import { newId } from '../sync/ids';
import type { ViewDoc } from '../sync/optimistic';
import type { FieldError } from '../consumer/gig-form';
import { ConfirmStep } from './confirm-step';
import { StepProgress } from './step-progress';
import { moneyMessages, type MoneyKey } from './money-messages';
import {
  MAX_PART_DESCRIPTION, MAX_PLAN_PARTS, emptyPart, planPayload, planSummary, startingParts,
  type PartProblems, type PlanPartInput,
} from './plan-form';
import { useMoneyStep } from './use-money-step';

interface Props {
  booking: ViewDoc<'bookings'>;
  side: 'client' | 'worker';
  /** Every milestone of the booking, cancelled ones included. */
  milestones: readonly ViewDoc<'milestones'>[];
  reachable: boolean;
  /** A plan command of the viewer's for this booking still waits for the server. */
  waiting: boolean;
}

export function PlanPanel({ booking, side, milestones, reachable, waiting }: Props) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const client = useSync();
  const proposal = milestones.filter((m) => m.status === 'proposed');
  // What the plan's steps change: a proposal's parts arrive (in whatever state), an accepted plan's parts stop
  // being proposed. A step stays busy until that change is here, whatever else of the booking changes meanwhile.
  const step = useMoneyStep(planState(milestones));
  // What the form was opened on: what a plan would replace, and the plan waiting, if any.
  const situation = [...proposal, ...milestones.filter((m) => replacedByPlan(m.status))].map((m) => `${m.id}:${m.status}`).join();
  const [editing, setEditing] = useState<{ parts: PlanPartInput[]; situation: string } | null>(null);
  // The form stays open, with what was typed, until the server has taken the plan: a refusal (payouts not
  // set up, a booking that moved on) is said beside it, and the parts can be sent again as they are.
  const [sentFromForm, setSentFromForm] = useState(false);
  const [formRefusal, setFormRefusal] = useState<string | null>(null);
  useEffect(() => {
    if (!sentFromForm || step.busy) return;
    setSentFromForm(false);
    if (step.applied) setEditing(null);
    else if (step.refusal) setFormRefusal(rejectionText(step.refusal.code, step.refusal.message, locale));
  }, [sentFromForm, step.busy, step.applied, step.refusal, locale]);

  const openForm = (parts: PlanPartInput[]) => {
    setFormRefusal(null);
    setEditing({ parts, situation });
  };
  /** The form's first rows for the situation now: the plan waiting, else what a plan would replace. */
  const startNow = () => startingParts(proposal.length > 0 ? proposal : milestones.filter((m) => replacedByPlan(m.status)), locale);
  const open = planOpen(booking.status);
  // A plan still waiting when the booking ended can never be accepted: it is history, not an offer. While a
  // dispute holds the booking it waits, and says so.
  if (!open && editing && proposal.length === 0)
    return (
      <p className="notice" data-testid="plan-closed-while-editing">
        {t('planClosedWhileEditing')}
      </p>
    );
  if (!open && (proposal.length === 0 || booking.status !== 'disputed')) return null;

  const currency = booking.price.currency;
  // A new part's rate is the category's now, as the newest part has it (the server sets it at proposal).
  const feeBps = milestones.reduce((newest, m) => (m.position > newest.position ? m : newest), milestones[0]!).feeBps;
  const other = side === 'client' ? t('workerLower') : t('clientLower');
  const disabled = !reachable || step.busy || waiting;
  const fmt = (m: Money) => formatMoney(m, locale);
  const progress = <StepProgress step={step} testId="plan-notice" />;
  /** A button that opens the form on the plan as it is now; focus comes back to it when the form is closed. */
  const opener = (label: string) => (
    <div className="actions">
      <button type="button" className="btn" data-plan-opener disabled={disabled} onClick={() => openForm(startNow())}>
        {label}
      </button>
    </div>
  );
  // Said beside the plan's buttons: the page's sentence about the connection may be a screen away.
  const offline = !reachable && <p className="hint" data-testid="plan-offline">{t('planOffline')}</p>;

  // The form goes with the chance to propose (a dispute opened meanwhile, the booking ended).
  if (editing && open)
    return (
      <PlanForm
        key={editing.situation}
        parts={editing.parts}
        setParts={(change) => setEditing((e) => e && { ...e, parts: change(e.parts) })}
        // Not while its own plan is on its way: that plan's arrival changes the situation too, and closes the form.
        changed={!step.busy && editing.situation !== situation && <PlanChanged proposal={proposal.length > 0} onRestart={() => openForm(startNow())} />}
        currency={currency}
        feeBps={feeBps}
        side={side}
        other={other}
        milestones={milestones}
        disabled={disabled}
        offline={offline}
        refusal={sentFromForm ? null : formRefusal}
        progress={progress}
        onCancel={() => {
          setEditing(null);
          // Back on the button that opened the form, not lost to the page.
          setTimeout(() => document.querySelector<HTMLElement>('[data-plan-opener]')?.focus(), 0);
        }}
        onSend={(parts) =>
          step.run(() => client.issue('milestone.propose', { bookingId: booking.id, planId: newId(), milestones: parts })).then((kept) => {
            setSentFromForm(kept);
            return kept;
          })
        }
      />
    );

  if (proposal.length === 0)
    return (
      <div className="plan" data-testid="plan">
        {lastWithdrawn(milestones) && <p className="notice" data-testid="plan-withdrawn">{t('planWithdrawnPaid')}</p>}
        {progress}
        {opener(t('changePlan'))}
        {offline}
        {/* With every part paid for there is nothing to split or re-price: only more work to add. */}
        <p className="hint">{t(milestones.some((m) => replacedByPlan(m.status)) ? 'changePlanHint' : 'changePlanHintAllPaid', { who: other })}</p>
      </div>
    );

  const proposedByMe = proposal[0]!.timeline.find((e) => e.event === 'proposed')?.by === side;
  const { staying, total } = planSummary(milestones, proposal.map((m) => m.amount), currency, feeBps);
  // Each part's net as the server worked it out, at the rate it set on the part.
  const net = sum(proposal.map((m) => m.net), currency);
  return (
    <section className="plan card" data-testid="plan-proposal" aria-labelledby="plan-proposal-heading">
      <h3 id="plan-proposal-heading">{t('proposalHeading')}</h3>
      <p>{proposedByMe ? t('proposalByYou') : t('proposalBy', { who: side === 'client' ? t('theWorker') : t('theClient') })}</p>
      <ol className="plan-parts" data-testid="proposal-parts">
        {proposal.map((m) => (
          <li key={m.id}>
            {m.description}: <strong>{fmt(m.amount)}</strong>
            {m.dueAt && <span className="muted"> ({t('dueOn', { date: formatDay(m.dueAt, locale) })})</span>}
          </li>
        ))}
      </ol>
      <p data-testid="proposal-total">
        {staying.amount > 0 ? t('proposalTotalKept', { staying: fmt(staying), total: fmt(total) }) : t('proposalTotal', { total: fmt(total) })}
      </p>
      {side === 'worker' && <p className="hint">{t('proposalNet', { net: fmt(net), rate: formatBps(proposal[0]!.feeBps, locale) })}</p>}
      {!open && <p className="hint">{t('proposalOnHold')}</p>}
      {progress}
      {open && offline}
      {proposedByMe ? (
        open && (
          <>
            <p className="hint">{t('proposalWaiting', { who: other })}</p>
            {opener(t('changeProposal'))}
          </>
        )
      ) : (
        open && (
          <>
            <ConfirmStep
              // A newer plan in its place closes the question: it asked about the plan that was shown.
              key={proposal[0]!.id}
              ask={t('acceptPlan')}
              askClassName="btn btn-primary"
              question={t('acceptPlanQuestion', { total: fmt(total) })}
              confirm={t('confirmAcceptPlan')}
              keep={t('keepPlan')}
              disabled={disabled}
              // Named by a part: the device does not know the plan's id, and a part names exactly the plan shown.
              onConfirm={() => step.run(() => client.issue('milestone.accept', { bookingId: booking.id, milestoneId: proposal[0]!.id }))}
            />
            {opener(t('counterPlan'))}
          </>
        )
      )}
    </section>
  );
}

/** Said in the form when the plan it was opened on changed meanwhile: the other side proposed, or a part was paid. */
function PlanChanged({ proposal, onRestart }: { proposal: boolean; onRestart(): void }) {
  const t = useT(moneyMessages);
  return (
    <div className="notice" role="alert" data-testid="plan-changed">
      <p>{t(proposal ? 'planChangedProposal' : 'planChangedParts')}</p>
      <button type="button" className="btn" onClick={onRestart}>
        {t('planRestart')}
      </button>
    </div>
  );
}

/**
 * What the plan's steps change, as a string that moves when they take effect: every part's id, and which are
 * proposed (a proposal's parts arrive; an accepted or withdrawn plan's parts stop being proposed).
 */
const planState = (milestones: readonly ViewDoc<'milestones'>[]) => milestones.map((m) => (m.status === 'proposed' ? `${m.id}*` : m.id)).join();

interface FormProps {
  /** The parts as typed: kept by the panel, so that they outlive the form (while a dispute closes plans). */
  parts: PlanPartInput[];
  setParts(change: (parts: PlanPartInput[]) => PlanPartInput[]): void;
  /** Said at the top of the form when what it was opened on has changed since. */
  changed: ReactNode;
  currency: CurrencyCode;
  feeBps: number;
  side: 'client' | 'worker';
  other: string;
  milestones: readonly ViewDoc<'milestones'>[];
  disabled: boolean;
  /** Why the plan cannot be sent now, when the device is offline. */
  offline: ReactNode;
  /** Why the server refused the plan last sent from this form, in the person's language. */
  refusal: string | null;
  /** Where the plan sent stands (StepProgress). */
  progress: ReactNode;
  onCancel(): void;
  onSend(parts: Extract<ReturnType<typeof planPayload>, { ok: true }>['milestones']): Promise<boolean>;
}

function PlanForm({ parts, setParts, changed, currency, feeBps, side, other, milestones, disabled, offline, refusal, progress, onCancel, onSend }: FormProps) {
  const t = useT(moneyMessages);
  const { locale } = useLocale();
  const id = useId();
  const [problems, setProblems] = useState<PartProblems[]>([]);
  const form = useRef<HTMLFormElement>(null);
  // The button that opened the form is gone: keyboard and screen-reader users land on the form instead.
  useEffect(() => form.current?.querySelector<HTMLElement>('h3')?.focus(), []);
  /** After a part is removed, the part now in its place (or the last one), so that focus is not lost. */
  const focusPart = (i: number) =>
    setTimeout(() => {
      const rows = form.current?.querySelectorAll<HTMLElement>('[data-testid="plan-part"]');
      rows?.[Math.min(i, rows.length - 1)]?.querySelector<HTMLElement>('input')?.focus();
    }, 0);

  const set = (i: number, field: 'description' | 'amount' | 'due', value: string) => {
    setParts((ps) => ps.map((p, j) => (j === i ? { ...p, [field]: value } : p)));
    setProblems((ps) => ps.map((p, j) => (j === i ? { ...p, [field]: undefined } : p)));
  };
  // What the typed amounts come to so far; a part not yet a valid amount counts as nothing.
  const typed = parts.map((p) => parseMoneyInput(p.amount, currency) ?? money(0, currency));
  const { staying, planned, total, net } = planSummary(milestones, typed, currency, feeBps);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const result = planPayload(parts, currency, newId, new Date(), locale);
    if (!result.ok) {
      setProblems(result.problems);
      // The first field with a problem, for keyboard and screen-reader users.
      setTimeout(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);
      return;
    }
    await onSend(result.milestones);
  }

  return (
    <form ref={form} className="plan card action-form" data-testid="plan-form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`} tabIndex={-1}>
        {t('proposalHeading')}
      </h3>
      {changed}
      <p className="hint">{t('planFormHint', { who: other })}</p>
      <ol className="plan-parts">
        {parts.map((p, i) => {
          const problem = problems[i] ?? {};
          const field = (name: string) => `${id}-${p.key}-${name}`;
          const described = (name: string, has: boolean) => (has ? { 'aria-invalid': true as const, 'aria-describedby': `${field(name)}-error` } : {});
          return (
            <li key={p.key} className="plan-part" data-testid="plan-part">
              <fieldset>
                <legend>{t('part', { n: i + 1 })}</legend>
                <div className="field">
                  <label htmlFor={field('description')}>{t('partDescription')}</label>
                  <input
                    id={field('description')}
                    value={p.description}
                    maxLength={MAX_PART_DESCRIPTION + 50}
                    autoComplete="off"
                    onChange={(e) => set(i, 'description', e.target.value)}
                    {...described('description', !!problem.description)}
                  />
                  {problem.description && (
                    <p className="field-error" id={`${field('description')}-error`}>
                      {problem.description === 'required' ? t('errPartDescription') : t('errPartDescriptionLong', { n: MAX_PART_DESCRIPTION })}
                    </p>
                  )}
                </div>
                <div className="field">
                  <label htmlFor={field('amount')}>{t('partAmount', { currency })}</label>
                  <input
                    id={field('amount')}
                    inputMode="decimal"
                    autoComplete="off"
                    value={p.amount}
                    onChange={(e) => set(i, 'amount', e.target.value)}
                    {...described('amount', !!problem.amount)}
                  />
                  {problem.amount ? (
                    <p className="field-error" id={`${field('amount')}-error`}>
                      {amountProblemText(t, problem.amount, locale)}
                    </p>
                  ) : typedWithGrouping(p.amount, currency, locale) ? (
                    // Said while typing: left out of the total below until it is typed plainly, it must not look counted.
                    <p className="hint" data-testid="part-grouping" aria-live="polite">
                      {amountProblemText(t, { problem: 'grouping', limit: minorUnits(currency) }, locale)}
                    </p>
                  ) : (
                    <AmountReadAs text={p.amount} currency={currency} say={(amount) => t('partReadAs', { amount })} testId="part-read-as" />
                  )}
                </div>
                <div className="field">
                  <label htmlFor={field('due')}>{t('partDue')}</label>
                  <input id={field('due')} type="date" value={p.due} onChange={(e) => set(i, 'due', e.target.value)} {...described('due', !!problem.due)} />
                  {problem.due && (
                    <p className="field-error" id={`${field('due')}-error`}>
                      {problem.due === 'inPast' ? t('errPartDuePast') : t('errPartDue')}
                    </p>
                  )}
                </div>
                {parts.length > 1 && (
                  <button
                    type="button"
                    className="btn btn-link"
                    onClick={() => {
                      setParts((ps) => ps.filter((_, j) => j !== i));
                      setProblems((ps) => ps.filter((_, j) => j !== i));
                      focusPart(i);
                    }}
                  >
                    {t('removePart', { n: i + 1 })}
                  </button>
                )}
              </fieldset>
            </li>
          );
        })}
      </ol>
      {parts.length < MAX_PLAN_PARTS && (
        <div className="actions">
          <button
            type="button"
            className="btn"
            onClick={() => {
              setParts((ps) => [...ps, emptyPart()]);
              focusPart(parts.length);
            }}
          >
            {t('addPart')}
          </button>
        </div>
      )}
      <div className="plan-summary" data-testid="plan-summary">
        {staying.amount > 0 && <p>{t('planStaying', { amount: formatMoney(staying, locale) })}</p>}
        <p>{t('planThis', { amount: formatMoney(planned, locale) })}</p>
        <p>
          <strong>{t('planNewTotal', { amount: formatMoney(total, locale) })}</strong>
        </p>
        {side === 'worker' && <p className="hint">{t('proposalNet', { net: formatMoney(net, locale), rate: formatBps(feeBps, locale) })}</p>}
      </div>
      {problems.some((p) => Object.values(p).some(Boolean)) && (
        <p className="field-error" role="alert">
          {t('planProblems')}
        </p>
      )}
      {offline}
      {progress}
      {refusal && (
        <p className="error" role="alert" data-testid="plan-refused">
          {t('planRefused', { reason: refusal })}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={disabled}>
          {t('sendPlan')}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          {t('neverMind')}
        </button>
      </div>
    </form>
  );
}

/** Text with thousands separators ("1.044,50"), which is no amount the plan reads (moneyInputProblem). */
const typedWithGrouping = (text: string, currency: CurrencyCode, locale: Locale) =>
  text.trim() !== '' && !parseMoneyInput(text, currency) && moneyInputProblem(text, currency, locale) === 'grouping';

/** An amount's problem (budgetError's, for one part) as a sentence naming the cap or step in the plan's currency. */
function amountProblemText(t: Translate<MoneyKey>, error: FieldError, locale: Locale): string {
  switch (error.problem) {
    case 'required':
      return t('errPartAmountRequired');
    case 'grouping':
      return error.limit === 0 ? t('errPartAmountGroupingWhole') : t('errPartAmountGrouping');
    case 'decimals':
      return error.limit === 0 ? t('errPartAmountWhole') : t('errPartAmountDecimals', { n: error.limit ?? 0 });
    case 'tooBig':
      return t('errPartAmountTooBig', amountLimits(error.currency, locale));
    case 'offStep':
      return t('errPartAmountOffStep', amountLimits(error.currency, locale));
    default:
      return t('errPartAmountInvalid');
  }
}

/**
 * Whether the latest plan proposed was withdrawn by the server rather than answered: a part it would replace
 * was paid first (escrow/step.ts). Without a word, the plan would just vanish from both sides' pages.
 */
function lastWithdrawn(milestones: readonly ViewDoc<'milestones'>[]): boolean {
  let latest: { at: string; m: ViewDoc<'milestones'> } | null = null;
  for (const m of milestones) {
    const proposed = m.timeline.find((e) => e.event === 'proposed');
    if (proposed && (!latest || proposed.at > latest.at)) latest = { at: proposed.at, m };
  }
  return latest !== null && latest.m.status === 'cancelled' && latest.m.timeline.at(-1)?.by === 'system';
}
