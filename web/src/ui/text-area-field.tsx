// A labelled textarea whose problem, when there is one, is announced and tied to it (aria-invalid,
// aria-describedby); typing clears the problem.
import type { Ref } from 'react';

export interface TextAreaFieldProps {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  error?: string;
  onClearError?(): void;
  rows?: number;
  maxLength?: number;
  textareaRef?: Ref<HTMLTextAreaElement>;
}

export function TextAreaField({ id, label, value, onChange, error, onClearError, rows = 2, maxLength = 2000, textareaRef }: TextAreaFieldProps) {
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        ref={textareaRef}
        rows={rows}
        maxLength={maxLength}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(e) => {
          onChange(e.target.value);
          if (error) onClearError?.();
        }}
      />
      {error && (
        <p className="field-error" id={errorId} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
