// The refusal of my latest attempt to accept one gig, until the person dismisses it (here or in the status bar).
import { map } from 'rxjs';
import type { StoredDocTypes } from '@shared/rxdb-schemas';
import { useSync, useSyncStatus } from '../app/sync-context';
import { useObservable } from '../app/use-observable';
import type { RejectedCommand } from '../sync/client';

type CommandDoc = StoredDocTypes['commands'];

const gigIdOf = (doc: CommandDoc): string | undefined => {
  try {
    return (JSON.parse(doc.payload) as { gigId?: string }).gigId;
  } catch {
    return undefined;
  }
};

/** The newest gig.accept for this gig; a later attempt (retried, or applied) replaces an old refusal. */
export function latestAccept(docs: readonly CommandDoc[], gigId: string): CommandDoc | undefined {
  return docs
    .filter((d) => d.type === 'gig.accept' && gigIdOf(d) === gigId)
    .reduce<CommandDoc | undefined>((last, d) => (!last || d.issuedAt > last.issuedAt || (d.issuedAt === last.issuedAt && d.id > last.id) ? d : last), undefined);
}

export function useAcceptRejection(gigId: string): RejectedCommand | undefined {
  const client = useSync();
  const { rejected } = useSyncStatus();
  const latest = useObservable(
    () => client.db.commands.find({ selector: { type: 'gig.accept' } }).$.pipe(map((docs) => latestAccept(docs.map((d) => d.toJSON() as CommandDoc), gigId))),
    [client, gigId],
  );
  // The status bar's list is the source of "not yet dismissed" (and of "issued on this device").
  return latest?.status === 'rejected' ? rejected.find((r) => r.id === latest.id) : undefined;
}
