// The online-only side of money steps on the booking page: whether the server can be reached, which rail
// pays, and one step at a time per milestone, followed until the server's change to it is on the device.
import { useEffect, useRef, useState } from 'react';
import { useSync, useSyncStatus, useView } from '../app/sync-context';
import { moneyGet } from '../money/money-api';
import type { SyncClient } from '../sync/client';
import { useBriefly } from './command-notice';

/**
 * Money steps need the server now (DESIGN, "Money"; the issue's "Screens"): the device says it has a network
 * and replication is connected. Everything else on the page keeps working without.
 */
export function useCanReachServer(): boolean {
  const { online, connected } = useSyncStatus();
  return online && connected;
}

export type PaymentRail = 'demo' | 'stripe';

/** One answer per signed-in client: the rail does not change while the server runs. */
const rails = new WeakMap<SyncClient, Promise<PaymentRail>>();

/**
 * Which rail pays (GET /pay/rail), so the page can say "demo payment" before sending the client to a
 * checkout. Null until known; asked again after a failure once the device is back online.
 */
export function usePaymentRail(wanted: boolean): PaymentRail | null {
  const client = useSync();
  const reachable = useCanReachServer();
  const [rail, setRail] = useState<PaymentRail | null>(null);
  useEffect(() => {
    if (!wanted || !reachable) return;
    let live = true;
    let asked = rails.get(client);
    if (!asked) {
      asked = moneyGet<{ provider: unknown }>(client, '/pay/rail').then(({ provider }) => {
        if (provider !== 'demo' && provider !== 'stripe') throw new Error(`GET /pay/rail named no rail: ${String(provider)}`);
        return provider;
      });
      rails.set(client, asked);
      asked.catch(() => rails.delete(client));
    }
    asked.then(
      (r) => live && setRail(r),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client, wanted, reachable]);
  return rail;
}

/**
 * One step at a time per milestone: the command it became, followed by a notice until the server answers.
 * `version` names the state of what the steps act on (the milestone's version and its dispute's): an applied
 * command keeps the row busy until that state has moved on, since the server says "applied" before the
 * milestone it changed reaches the device, and until then the row still offers the step just taken.
 */
export function useMoneyStep(version: string) {
  // `settled` is kept once reached: the state the step acted on may later come back to what it was when the
  // step was taken (a plan proposed when none waited, then accepted or withdrawn: no plan waits again), and
  // that is not the step's change still on its way.
  const [step, setStep] = useState<{ commandId: string; version: string; settled?: true } | null>(null);
  const [storing, setStoring] = useState(false);
  /** Why the last step could not be kept on this device (a full disk, storage taken away), if it could not. */
  const [failed, setFailed] = useState<string | null>(null);
  // Set in the tap itself, before anything is awaited, so a second tap cannot issue a second command.
  const inFlight = useRef(false);
  const command = useView('commands', step?.commandId);

  const reached = command !== undefined && (command.status === 'rejected' || (command.status === 'applied' && version !== step?.version));
  const settled = step?.settled === true || reached;
  const busy = storing || (step !== null && !settled);
  useEffect(() => {
    if (!busy) inFlight.current = false;
  }, [busy]);
  const reachedId = reached ? step?.commandId : undefined;
  useEffect(() => {
    if (reachedId) setStep((s) => (s && s.commandId === reachedId && !s.settled ? { ...s, settled: true } : s));
  }, [reachedId]);

  /**
   * Issues the command unless a step is already under way. Resolves true once it is stored on the device;
   * false when it was not taken (a step under way) or could not be stored, which `failed` then says.
   */
  async function run(issue: () => Promise<{ id: string }>): Promise<boolean> {
    if (inFlight.current) return false;
    inFlight.current = true;
    setStoring(true);
    setFailed(null);
    try {
      const { id } = await issue();
      setStep({ commandId: id, version });
      return true;
    } catch (err) {
      inFlight.current = false;
      setFailed(err instanceof Error ? err.message : String(err));
      return false;
    } finally {
      setStoring(false);
    }
  }
  /** What to say about the last step: on its way (until its change is here), done, or nothing (refused: the status bar says why). */
  const done = useBriefly(!busy && settled && command?.status === 'applied', step?.commandId);
  const progress: 'waiting' | 'done' | null = busy ? 'waiting' : done ? 'done' : null;
  /** The last step's end, once the server has answered it and its change is here: taken, or refused and why. */
  const applied = !busy && settled && command?.status === 'applied';
  const refusal = !busy && settled && command?.status === 'rejected' ? { code: command.rejectionCode ?? '', message: command.rejectionMessage ?? '' } : null;
  return { busy, progress, failed, run, applied, refusal };
}
