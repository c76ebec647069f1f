// Where a money step stands, under the controls that took it: sent and waiting for the server (or, with the
// connection gone since the tap, unconfirmed: it may have reached the server, whose answer was lost, or be kept
// on this device until it can be sent; either way it happens once), done, or not kept on this device (and so not
// sent).
import { useT } from '../i18n/i18n';
import { moneyMessages } from './money-messages';
import { useCanReachServer, type useMoneyStep } from './use-money-step';

export function StepProgress({ step, testId }: { step: Pick<ReturnType<typeof useMoneyStep>, 'progress' | 'failed'>; testId: string }) {
  const t = useT(moneyMessages);
  const reachable = useCanReachServer();
  return (
    <>
      <p role="status" className={step.progress ? 'hint' : undefined} data-testid={testId}>
        {step.progress === 'waiting' ? t(reachable ? 'sentPending' : 'savedNotSent') : step.progress === 'done' ? t('applied') : ''}
      </p>
      {step.failed && (
        <p role="alert" className="error">
          {t('notStored', { reason: step.failed })}
        </p>
      )}
    </>
  );
}
