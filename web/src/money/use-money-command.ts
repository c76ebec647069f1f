// A money action issued as a command (payout.request, dispute.resolve) and the server's decision on it, followed
// through the device's command store like every other command.
import { useEffect, useRef, useState } from 'react';
import { useSync, useView } from '../app/sync-context';
import type { CommandInput, CommandType } from '@shared/commands';
import { REJECTION_MESSAGES, type RejectionCode } from '@shared/rejections';

export type MoneyCommandState =
  | { state: 'idle' }
  | { state: 'pending' }
  | { state: 'applied'; result: Record<string, unknown> }
  | { state: 'rejected'; code: string; message: string };

/** The server's result of an applied command, as the device stores it (JSON text); empty when it cannot be read. */
function parsedResult(text: string | undefined): Record<string, unknown> {
  try {
    const value: unknown = text ? JSON.parse(text) : {};
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function useMoneyCommand<T extends CommandType>(type: T) {
  const client = useSync();
  const [commandId, setCommandId] = useState<string | undefined>();
  const [storing, setStoring] = useState(false);
  // Set in the click itself, before anything is awaited: a second tap that lands before React re-renders
  // with "pending" must not issue a second command (its refusal would be what the screen shows).
  const inFlight = useRef(false);
  const command = useView('commands', commandId);
  const decided = command !== undefined && command.status !== 'pending';

  // The server answered: the next action may be issued.
  useEffect(() => {
    if (decided) inFlight.current = false;
  }, [decided]);

  /** Issues the command, unless one is already on its way; the first one is the one followed. */
  async function issue(payload: CommandInput<T>) {
    if (inFlight.current) return;
    inFlight.current = true;
    setStoring(true);
    try {
      const { id } = await client.issue(type, payload);
      setCommandId(id);
    } catch (err) {
      inFlight.current = false;
      throw err;
    } finally {
      setStoring(false);
    }
  }

  let outcome: MoneyCommandState = { state: 'idle' };
  if (storing) outcome = { state: 'pending' };
  else if (commandId) {
    if (!command || command.status === 'pending') outcome = { state: 'pending' };
    else if (command.status === 'applied') outcome = { state: 'applied', result: parsedResult(command.result) };
    else {
      const code = (command.rejectionCode ?? 'invalid_command') as RejectionCode;
      outcome = { state: 'rejected', code, message: command.rejectionMessage || REJECTION_MESSAGES[code] || '' };
    }
  }
  return { issue, outcome, commandId };
}
