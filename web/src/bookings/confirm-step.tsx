// A money step that cannot be undone, asked first: the button, then the question with the step and a way back.
import { useRef, useState } from 'react';

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
}

export function ConfirmStep({ ask, askClassName, question, confirm, keep, disabled, onConfirm }: Props) {
  const [confirming, setConfirming] = useState(false);
  const questionRef = useRef<HTMLParagraphElement>(null);
  const askRef = useRef<HTMLButtonElement>(null);
  return confirming ? (
    <div className="confirm-step">
      <p ref={questionRef} tabIndex={-1}>
        <strong>{question}</strong>
      </p>
      <div className="actions">
        <button type="button" className="btn btn-primary" disabled={disabled} onClick={() => void onConfirm().then((taken) => taken && setConfirming(false))}>
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
        onClick={() => {
          setConfirming(true);
          // Land keyboard and screen-reader users on the question they must answer.
          setTimeout(() => questionRef.current?.focus(), 0);
        }}
      >
        {ask}
      </button>
    </div>
  );
}
