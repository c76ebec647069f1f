// Where a money step stands, under the controls that took it: sent and waiting for the server, done, or not
// kept on this device (and so not sent).
import { useT } from '../i18n/i18n';
import { moneyMessages } from './money-messages';
import type { useMoneyStep } from './use-money-step';

export function StepProgress({ step, testId }: { step: Pick<ReturnType<typeof useMoneyStep>, 'progress' | 'failed'>; testId: string }) {
  const t = useT(moneyMessages);
  return (
    <>
      <p role="status" className={step.progress ? 'hint' : undefined} data-testid={testId}>
        {step.progress === 'waiting' ? t('sentPending') : step.progress === 'done' ? t('applied') : ''}
      </p>
      {step.failed && (
        <p role="alert" className="error">
          {t('notStored', { reason: step.failed })}
        </p>
      )}
    </>
  );
}
