// bench:sync, part 2: many live stream subscriptions on two server instances (child processes), commands
// applied that concern two subscribers each, and the time from the command's commit to each of them
// receiving the document; plus the servers' memory per subscription.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { v7 as uuidv7 } from 'uuid';
import { RESYNC_CHECKPOINT_ID, streamField, type PullBulk } from '@shared/replication';
import { applyCommand } from '../src/commands/apply';
import type { Sql } from '../src/db/sql';
import { streamQuery } from '../test/stream-client';
import type { Instance } from './sync-instance';
import type { Pairs, Subscriber } from './sync-seed';

const FIELD = streamField('messages');
const QUERY = streamQuery('messages');

interface Subscription {
  subscriber: Subscriber;
  instance: Instance;
  client: Client;
  /** Resolves at the stream's first event (RESYNC): the server has registered it and placed its cursor. */
  ready: Promise<void>;
  errors: unknown[];
}

/** Every document a subscriber received: `${docId}|${userId}` → performance.now() at arrival (the first). */
type Receipts = Map<string, number>;

function subscribe(instance: Instance, subscriber: Subscriber, receipts: Receipts): Subscription {
  const errors: unknown[] = [];
  let readyNow!: () => void;
  let failed!: (e: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => ((readyNow = resolve), (failed = reject)));
  const client = createClient({
    url: instance.ws,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${subscriber.token}` },
    lazy: true,
    retryAttempts: 0,
    on: { closed: (e) => failed(new Error(`socket closed: ${(e as { code?: number }).code} ${(e as { reason?: string }).reason}`)) },
  });
  client.subscribe<Record<string, PullBulk<{ id: string }>>>(
    { query: QUERY },
    {
      next: (result) => {
        const at = performance.now();
        if (result.errors) errors.push(...result.errors);
        const bulk = result.data?.[FIELD];
        if (!bulk) return;
        if (bulk.checkpoint?.id === RESYNC_CHECKPOINT_ID) readyNow();
        for (const doc of bulk.documents) {
          const key = `${doc.id}|${subscriber.userId}`;
          if (!receipts.has(key)) receipts.set(key, at);
        }
      },
      error: (e) => {
        errors.push(e);
        failed(e);
      },
      complete: () => {},
    },
  );
  return { subscriber, instance, client, ready, errors };
}

/** Opens subscriptions `batch` at a time, each batch waiting for its streams to start. */
async function subscribeAll(pairs: { instance: Instance; subscriber: Subscriber }[], receipts: Receipts, batch = 50): Promise<Subscription[]> {
  const subs: Subscription[] = [];
  for (let i = 0; i < pairs.length; i += batch) {
    const some = pairs.slice(i, i + batch).map((p) => subscribe(p.instance, p.subscriber, receipts));
    subs.push(...some);
    await withTimeout(Promise.all(some.map((s) => s.ready)), 30_000, `subscriptions ${i}..${i + some.length - 1} to start`);
  }
  return subs;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)))]).finally(() => clearTimeout(timer));
}

async function disposeAll(subs: Subscription[]): Promise<void> {
  await Promise.all(subs.map((s) => s.client.dispose()));
}

interface Change {
  messageId: string;
  /** The affected subscribers and which instance holds each. */
  to: { userId: string; instance: string }[];
  /** performance.now() when applyCommand resolved (the transaction had committed). */
  appliedAt: number;
  applyMs: number;
}

export interface PropagationResult {
  subscribers: number;
  perInstance: Record<string, number>;
  changes: number;
  /** ms from applyCommand resolving to arrival, per affected subscriber; Infinity for a delivery that never came. */
  latencies: number[];
  byInstance: Record<string, number[]>;
  applyMs: number[];
  missing: number;
  /** Documents that reached someone they do not concern (must be 0). */
  stray: number;
  streamErrors: number;
  memory: { before: Record<string, number>; after: Record<string, number>; heapBefore: Record<string, number>; heapAfter: Record<string, number>; live: Record<string, number> };
  issueSeconds: number;
}

export interface PropagationOptions {
  sql: Sql;
  pairs: Pairs;
  /** Subscribers i < split go to instances[0], the rest to instances[1]. */
  instances: [Instance, Instance];
  split: number;
  warmupChanges: number;
  changes: number;
  ratePerSecond: number;
  say: (line: string) => void;
  /** Called around the measured changes, for CPU sampling. */
  onMeasure?: (phase: 'start' | 'end') => void;
}

/** Deterministic shuffle of 0..n-1. */
function order(n: number): number[] {
  const xs = Array.from({ length: n }, (_, i) => i);
  let s = 12345;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

export async function measurePropagation(o: PropagationOptions): Promise<PropagationResult> {
  const { pairs, instances, split, say } = o;
  const receipts: Receipts = new Map();
  const placed = pairs.subscribers.map((subscriber, i) => ({ subscriber, instance: i < split ? instances[0] : instances[1] }));
  const instanceOf = new Map(placed.map((p) => [p.subscriber.userId, p.instance.name]));

  // Warm both servers' code paths, then let go, so that "before" is a warmed server without subscriptions.
  const warm = await subscribeAll([...placed.slice(0, 20), ...placed.slice(split, split + 5)], receipts);
  await disposeAll(warm);
  await new Promise((r) => setTimeout(r, 500));
  const before = await Promise.all(instances.map((i) => i.memory()));

  const started = performance.now();
  const subs = await subscribeAll(placed, receipts);
  say(`  ${subs.length} subscriptions started in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await new Promise((r) => setTimeout(r, 1000));
  const after = await Promise.all(instances.map((i) => i.memory()));

  const pairOrder = order(pairs.bookingIds.length);
  const changes: Change[] = [];
  const failures: string[] = [];
  const issue = async (k: number): Promise<Change | null> => {
    const pair = pairOrder[k % pairOrder.length]!;
    const client = pairs.clientOf(pair);
    const worker = pairs.workerOf(pair);
    const sender = k % 2 === 0 ? client : worker;
    const messageId = uuidv7();
    const t0 = performance.now();
    const outcome = await applyCommand(o.sql, sender.userId, {
      id: uuidv7(),
      type: 'message.send',
      payload: { messageId, bookingId: pairs.bookingIds[pair]!, body: `Update ${k}: arriving in about ten minutes.` },
      issuedAt: new Date().toISOString(),
    });
    const appliedAt = performance.now();
    if (outcome.status !== 'applied') {
      failures.push(`${outcome.rejection?.code}: ${outcome.rejection?.message}`);
      return null;
    }
    return { messageId, appliedAt, applyMs: appliedAt - t0, to: [client, worker].map((s) => ({ userId: s.userId, instance: instanceOf.get(s.userId)! })) };
  };

  /** Issues `count` changes starting at index `from`, paced at the rate (several may be in flight). */
  const burst = async (from: number, count: number): Promise<Change[]> => {
    const t = performance.now();
    const inFlight: Promise<Change | null>[] = [];
    for (let k = 0; k < count; k++) {
      const due = t + (k * 1000) / o.ratePerSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(issue(from + k));
    }
    return (await Promise.all(inFlight)).filter((c): c is Change => c !== null);
  };
  const delivered = (cs: Change[]) => cs.every((c) => c.to.every((t) => receipts.has(`${c.messageId}|${t.userId}`)));
  const settle = async (cs: Change[], ms: number) => {
    const until = performance.now() + ms;
    while (!delivered(cs) && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
  };

  const warmup = await burst(0, o.warmupChanges);
  await settle(warmup, 5_000);
  o.onMeasure?.('start');
  const issueStart = performance.now();
  changes.push(...(await burst(o.warmupChanges, o.changes)));
  const issueSeconds = (performance.now() - issueStart) / 1000;
  await settle(changes, 10_000);
  o.onMeasure?.('end');
  if (failures.length > 0) say(`  warning: ${failures.length} commands were refused, e.g. ${failures[0]}`);

  const latencies: number[] = [];
  const byInstance: Record<string, number[]> = Object.fromEntries(instances.map((i) => [i.name, []]));
  let missing = 0;
  for (const c of changes)
    for (const t of c.to) {
      const at = receipts.get(`${c.messageId}|${t.userId}`);
      const ms = at === undefined ? Infinity : at - c.appliedAt;
      if (at === undefined) missing++;
      latencies.push(ms);
      byInstance[t.instance]!.push(ms);
    }
  // A document is meant only for its booking's two parties.
  const meant = new Set([...warmup, ...changes].flatMap((c) => c.to.map((t) => `${c.messageId}|${t.userId}`)));
  const stray = [...receipts.keys()].filter((k) => !meant.has(k)).length;
  const streamErrors = subs.reduce((n, s) => n + s.errors.length, 0);
  const live = Object.fromEntries(instances.map((inst, i) => [inst.name, after[i]!.subscriptions]));

  await disposeAll(subs);
  const byName = (xs: { rss: number }[]) => Object.fromEntries(instances.map((inst, i) => [inst.name, xs[i]!.rss]));
  const heap = (xs: { heapUsed: number }[]) => Object.fromEntries(instances.map((inst, i) => [inst.name, xs[i]!.heapUsed]));
  return {
    subscribers: subs.length,
    perInstance: Object.fromEntries(instances.map((inst) => [inst.name, subs.filter((s) => s.instance === inst).length])),
    changes: changes.length,
    latencies,
    byInstance,
    applyMs: changes.map((c) => c.applyMs),
    missing,
    stray,
    streamErrors,
    memory: { before: byName(before), after: byName(after), heapBefore: heap(before), heapAfter: heap(after), live },
    issueSeconds,
  };
}
