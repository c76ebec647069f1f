// A money action issued as a command (payout.request, dispute.resolve) and the server's decision on it, followed
// through the device's command store like every other command.
import { useState } from 'react';
import { useSync, useView } from '../app/sync-context';
import type { CommandInput, CommandType } from '@shared/commands';
import { REJECTION_MESSAGES, type RejectionCode } from '@shared/rejections';

export type MoneyCommandState =
  | { state: 'idle' }
  | { state: 'pending' }
  | { state: 'applied' }
  | { state: 'rejected'; code: string; message: string };

export function useMoneyCommand<T extends CommandType>(type: T) {
  const client = useSync();
  const [commandId, setCommandId] = useState<string | undefined>();
  const command = useView('commands', commandId);

  async function issue(payload: CommandInput<T>) {
    const { id } = await client.issue(type, payload);
    setCommandId(id);
  }

  let outcome: MoneyCommandState = { state: 'idle' };
  if (commandId) {
    if (!command || command.status === 'pending') outcome = { state: 'pending' };
    else if (command.status === 'applied') outcome = { state: 'applied' };
    else {
      const code = (command.rejectionCode ?? 'invalid_command') as RejectionCode;
      outcome = { state: 'rejected', code, message: command.rejectionMessage || REJECTION_MESSAGES[code] || '' };
    }
  }
  return { issue, outcome, commandId };
}
