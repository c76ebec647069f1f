// bench:sync, part 1: a fresh device's initial sync through a TCP proxy that counts the bytes (and, for
// Slow 3G, shapes the link), with the figures the issue asks for.
import { gzipSync } from 'node:zlib';
import { COLLECTIONS, type CollectionName } from '@shared/replication';
import { initialSync, type SyncRequest } from './sync-device';
import { round } from './stats';
import type { LinkProfile, ThrottleProxy } from './throttle-proxy';

export type StartProxy = (targetPort: number, link: LinkProfile) => Promise<ThrottleProxy>;

export interface SyncRun {
  wallS: number;
  down: number;
  up: number;
  wireBytes: number;
  /** HTTP requests the device made: each is one round trip. */
  roundTrips: number;
  connections: number;
  requests: SyncRequest[];
  counts: Record<CollectionName, number>;
  /** gzip (node:zlib defaults) of every stored document of every collection as one JSON array. */
  gzipBytes: number;
  jsonBytes: number;
  perCollection: Record<CollectionName, { docs: number; jsonBytes: number; gzipBytes: number; requests: number }>;
}

const OPERATION = {
  gigs: 'PullGigs', bookings: 'PullBookings', messages: 'PullMessages', profiles: 'PullProfiles', commands: 'PullCommands',
  milestones: 'PullMilestones', disputes: 'PullDisputes',
} as const satisfies Record<CollectionName, string>;

export async function syncThrough(
  startProxy: StartProxy,
  link: LinkProfile,
  target: { port: number; http: string },
  device: { userId: string; token: string; batchSize: number },
): Promise<SyncRun> {
  const proxy = await startProxy(target.port, link);
  try {
    const run = await initialSync({ http: target.http.replace(`:${target.port}/`, `:${proxy.port}/`), ...device });
    const { down, up, connections } = proxy.counters;
    const all = COLLECTIONS.flatMap((c) => run.stored[c]);
    const json = JSON.stringify(all);
    const perCollection = Object.fromEntries(
      COLLECTIONS.map((c) => {
        const text = JSON.stringify(run.stored[c]);
        return [c, { docs: run.counts[c], jsonBytes: Buffer.byteLength(text), gzipBytes: gzipSync(text).length, requests: run.requests.filter((r) => r.operation === OPERATION[c]).length }];
      }),
    ) as SyncRun['perCollection'];
    return {
      wallS: run.wallMs / 1000,
      down,
      up,
      wireBytes: down + up,
      roundTrips: run.requests.length,
      connections,
      requests: run.requests,
      counts: run.counts,
      gzipBytes: gzipSync(json).length,
      jsonBytes: Buffer.byteLength(json),
      perCollection,
    };
  } finally {
    await proxy.close();
  }
}

/** The serial lower bound the issue names: every byte at the link's rate, plus one RTT per request. */
export function idealSeconds(run: Pick<SyncRun, 'wireBytes' | 'roundTrips'>, link: LinkProfile): number {
  return (run.wireBytes * 8) / link.bitsPerSecond + (run.roundTrips * link.rttMs) / 1000;
}

const kib = (n: number) => `${round(n / 1024, 1)} KiB`;

export function describeRun(run: SyncRun, say: (line: string) => void, opts: { perCollection?: boolean } = {}): void {
  say(`  ${round(run.wallS, 2)} s; ${run.roundTrips} requests over ${run.connections} connections; wire ${kib(run.wireBytes)} (down ${kib(run.down)}, up ${kib(run.up)})`);
  const failed = run.requests.filter((r) => r.status !== 200);
  if (failed.length > 0) say(`  ${failed.length} requests failed and were retried: ${failed.map((r) => `${r.operation} ${r.error ?? r.status}`).join(', ')}`);
  say(`  stored: ${COLLECTIONS.map((c) => `${run.counts[c]} ${c}`).join(', ')}; as one JSON array ${kib(run.jsonBytes)}, gzip ${kib(run.gzipBytes)}`);
  if (opts.perCollection === false) return;
  for (const c of COLLECTIONS) {
    const p = run.perCollection[c];
    say(`    ${c.padEnd(9)} ${String(p.docs).padStart(6)} docs  ${String(p.requests).padStart(3)} requests  json ${kib(p.jsonBytes).padStart(11)}  gzip ${kib(p.gzipBytes).padStart(10)}`);
  }
}
