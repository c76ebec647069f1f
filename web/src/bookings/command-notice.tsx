// A live line under a screen's actions: what the last action's command is doing, or a sentence to read.
import { useView } from '../app/sync-context';

/** Either words to show as they are, or the id of a command whose progress to follow. */
export type Notice = { text: string } | { commandId: string } | null;

interface Props {
  notice: Notice;
  /** Shown while the command waits for the server. */
  pendingText: string;
  /** Shown once the server applied it. A refusal is said by the status bar, with its reason. */
  appliedText: string;
  testId?: string;
}

export function CommandNotice({ notice, pendingText, appliedText, testId }: Props) {
  const commandId = notice && 'commandId' in notice ? notice.commandId : undefined;
  const command = useView('commands', commandId);
  let text = '';
  if (notice && 'text' in notice) text = notice.text;
  else if (command?.status === 'pending') text = pendingText;
  else if (command?.status === 'applied') text = appliedText;
  // Always in the page, so screen readers announce each change.
  return (
    <p role="status" className={text ? 'hint' : undefined} data-testid={testId}>
      {text}
    </p>
  );
}
