// A step that cannot be undone, asked first: the button, then the question with the step and a way back.
// Focus goes to the question when it opens and back to the button when the step is kept back.
import { useRef, useState, type ReactNode } from 'react';

interface Props {
  /** The first button's words and look. */
  ask: string;
  askClassName: string;
  question: string;
  confirm: string;
  keep: string;
  disabled: boolean;
  /** Takes the step; the question closes once it is taken (true), and stays to be answered again if not. */
  onConfirm(): Promise<boolean>;
  /** Said, or asked for, with the question (a reason to give, what follows from the step). */
  children?: ReactNode;
  /** Beside the first button (a mark that the step is on its way). */
  beside?: ReactNode;
  /** The look of the question's box and of the button that takes the step. */
  boxClassName?: string;
  confirmClassName?: string;
  /** The step is being taken now (aria-busy on both buttons). */
  busy?: boolean;
}

export function ConfirmStep(p: Props) {
  const { ask, askClassName, question, confirm, keep, disabled, onConfirm, children, beside, boxClassName = 'confirm-step', confirmClassName = 'btn btn-primary' } = p;
  const busy = p.busy || undefined;
  const [confirming, setConfirming] = useState(false);
  const questionRef = useRef<HTMLParagraphElement>(null);
  const askRef = useRef<HTMLButtonElement>(null);
  return confirming ? (
    <div className={boxClassName}>
      <p ref={questionRef} tabIndex={-1}>
        <strong>{question}</strong>
      </p>
      {children}
      <div className="actions">
        <button type="button" className={confirmClassName} disabled={disabled} aria-busy={busy} onClick={() => void onConfirm().then((taken) => taken && setConfirming(false))}>
          {confirm}
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => {
            setConfirming(false);
            // Back on the button that asked, not lost to the page.
            setTimeout(() => askRef.current?.focus(), 0);
          }}
        >
          {keep}
        </button>
      </div>
    </div>
  ) : (
    <div className="actions">
      <button
        ref={askRef}
        type="button"
        className={askClassName}
        disabled={disabled}
        aria-busy={busy}
        onClick={() => {
          setConfirming(true);
          // Land keyboard and screen-reader users on the question they must answer.
          setTimeout(() => questionRef.current?.focus(), 0);
        }}
      >
        {ask}
      </button>
      {beside}
    </div>
  );
}
