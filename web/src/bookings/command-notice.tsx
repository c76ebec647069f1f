// A live line under a screen's actions: what the last action's command is doing, or a sentence to read.
import { useEffect, useState } from 'react';
import { useView } from '../app/sync-context';

/** How long "Done: the server confirmed it." stays: long enough to read, not so long that old ones pile up. */
export const DONE_NOTE_MS = 8_000;

/** True while `on` holds, for at most `ms` after it first held for `key` (a command): a note that fades. */
export function useBriefly(on: boolean, key: string | undefined, ms = DONE_NOTE_MS): boolean {
  const [expired, setExpired] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (!on || key === undefined) return;
    const timer = setTimeout(() => setExpired(key), ms);
    return () => clearTimeout(timer);
  }, [on, key, ms]);
  return on && key !== expired;
}

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
  const applied = useBriefly(command?.status === 'applied', commandId);
  let text = '';
  if (notice && 'text' in notice) text = notice.text;
  else if (command?.status === 'pending') text = pendingText;
  else if (applied) text = appliedText;
  // Always in the page, so screen readers announce each change.
  return (
    <p role="status" className={text ? 'hint' : undefined} data-testid={testId}>
      {text}
    </p>
  );
}
