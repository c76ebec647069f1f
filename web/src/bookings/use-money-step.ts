// The online-only side of money steps on the booking page: whether the server can be reached, which rail
// pays, and one notice per milestone for its commands.
import { useEffect, useState } from 'react';
import { useSync, useSyncStatus } from '../app/sync-context';
import { moneyGet } from '../money/money-api';
import type { SyncClient } from '../sync/client';
import type { Notice } from './command-notice';

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

/** One step at a time per milestone: the command it became, followed by a notice until the server answers. */
export function useMoneyStep() {
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  /** Issues the command; resolves once it is stored on the device (and so on its way). */
  async function run(issue: () => Promise<{ id: string }>): Promise<void> {
    setBusy(true);
    setNotice(null);
    try {
      const { id } = await issue();
      setNotice({ commandId: id });
    } finally {
      setBusy(false);
    }
  }
  return { busy, notice, run };
}
