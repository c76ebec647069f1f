// The refused role changes this device issued, by person: read from the status (undismissed refusals) and the commands collection.
import { useSyncStatus, useViewAll } from '../app/sync-context';
import type { RejectedCommand } from '../sync/client';
import { refusalsByUser } from './role-refusals';

export function useRoleRefusals(): Map<string, RejectedCommand[]> {
  const status = useSyncStatus();
  const ids = status.rejected.filter((r) => r.type === 'user.set_roles').map((r) => r.id);
  // The status names the refused command; its payload (stored locally) names the person it was about.
  const commands = useViewAll('commands', { selector: { id: { $in: ids } } });
  return refusalsByUser(status.rejected, commands ?? []);
}
