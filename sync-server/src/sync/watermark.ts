// The replication watermark, probed once for every subscription in this process: the oldest transaction
// still running (pg_snapshot_xmin). Every row written by a transaction below it is committed or gone for
// good, which is exactly what a gap-free pull hands out (pull.ts, contract step 2).
//
// Why streams need it: a notification says transaction x committed, but a pull can only hand x's rows out
// once every older transaction has finished too. A subscription therefore knows it has delivered x only
// when a watermark measured *before* its pull was above x. Subscriptions share probes (one query answers
// all those woken by the same notification) and share one backoff timer while waiting for a transaction
// that holds the watermark back, so an idle subscription costs no timer and no query.
import type { Sql } from '../db/sql';

export interface Snapshot {
  /** Oldest running transaction: everything below has finished. */
  xmin: bigint;
  /** Next transaction id to be assigned: everything that has started is below. */
  xmax: bigint;
}

interface Probe {
  startedAt: number;
  result: Promise<Snapshot>;
  settled: boolean;
}

interface Waiter {
  above: bigint;
  wake: (probeStartedAt: number) => void;
}

/** Retry delays while an older transaction keeps the watermark at or below what a subscription waits for. */
export const RETRY_FIRST_MS = 25;
export const RETRY_MAX_MS = 250;

export class Watermark {
  /** The latest probe started (possibly still running). */
  private last: Probe | null = null;
  /** A probe waiting for `last` to finish, shared by every caller that arrived meanwhile. */
  private queued: Promise<Snapshot> | null = null;
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private delay = RETRY_FIRST_MS;
  private closed = false;

  constructor(
    private readonly sql: Sql,
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  /**
   * A snapshot taken no earlier than `since` (a performance.now() reading). Callers woken by the same
   * notification pass the same instant and share one query; callers arriving while a probe runs share the
   * next one, so a burst of subscriptions costs about one probe per round trip.
   */
  after(since: number): Promise<Snapshot> {
    const last = this.last;
    if (last && last.startedAt >= since) return last.result;
    if (!last || last.settled) return this.probe().result;
    return (this.queued ??= last.result
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.probe().result;
      }));
  }

  private probe(): Probe {
    const startedAt = performance.now();
    const result = this.sql<{ xmin: string; xmax: string }[]>`
      select pg_snapshot_xmin(s)::text as xmin, pg_snapshot_xmax(s)::text as xmax from pg_current_snapshot() s`.then(([r]) => ({
      xmin: BigInt(r!.xmin),
      xmax: BigInt(r!.xmax),
    }));
    const probe: Probe = { startedAt, result, settled: false };
    this.last = probe;
    result.then(
      () => (probe.settled = true),
      () => {
        probe.settled = true;
        // A failed probe must not be reused.
        if (this.last === probe) this.last = null;
      },
    );
    return probe;
  }

  /**
   * Calls `wake` once the watermark is above `above` (so the rows of transaction `above` can be pulled),
   * passing the start time of the probe that showed it (usable with `after`). One timer for all waiters,
   * backing off from RETRY_FIRST_MS to RETRY_MAX_MS while the watermark does not move. Returns a cancel.
   */
  waitAbove(above: bigint, wake: (probeStartedAt: number) => void): () => void {
    if (this.closed) return () => {};
    const waiter = { above, wake };
    this.waiters.push(waiter);
    if (!this.timer) {
      this.delay = RETRY_FIRST_MS;
      this.schedule();
    }
    return () => {
      this.waiters = this.waiters.filter((w) => w !== waiter);
    };
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.tick(), this.delay);
  }

  private async tick(): Promise<void> {
    let snap: Snapshot;
    const probe = this.probe();
    try {
      snap = await probe.result;
    } catch (e) {
      this.onError(e);
      snap = { xmin: 0n, xmax: 0n };
    }
    if (this.closed) return;
    const ready = this.waiters.filter((w) => w.above < snap.xmin);
    this.waiters = this.waiters.filter((w) => w.above >= snap.xmin);
    this.delay = ready.length > 0 ? RETRY_FIRST_MS : Math.min(this.delay * 2, RETRY_MAX_MS);
    if (this.waiters.length > 0) this.schedule();
    else this.timer = null;
    for (const w of ready) w.wake(probe.startedAt);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.waiters = [];
  }
}
