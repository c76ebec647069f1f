// Replication benchmark: `npm run bench:sync` (about two minutes). Issue 3, "Benchmark".
//
// What it measures. One embedded Postgres in a temp folder (durable defaults), migrated; servers run as
// child processes (sync-instance-main.ts), so that their CPU and memory are theirs and not the bench's.
//   1. Initial sync. An operator whose scope holds OPEN_GIGS open gigs (their skills, inside their area),
//      BOOKINGS bookings where they are the worker (each on its own gig, with one milestone) and MESSAGES
//      messages in those bookings, seeded with SQL. A fresh device (web/'s RxDB replication, memory storage, live: false,
//      pull.batchSize BATCH_SIZE) pulls everything through throttle-proxy.ts:
//        - UNLIMITED: wall time, bytes on the wire both ways, HTTP requests (each one round trip), and
//          the ratio of the wire bytes to gzip (node:zlib defaults) of every stored document of the seven
//          collections as one JSON array. Target ≤ 1.25. Then "where the bytes go": the device's requests
//          replayed over raw sockets, each response split into headers, chunk framing and gzip body,
//          beside other encodings of the same bodies.
//        - SLOW_3G (400 kbit/s each way, 400 ms RTT): wall time against the ideal computed from the same
//          run, wire bytes ÷ bandwidth + requests × RTT. Target ≤ 1.5×. Pulls of the seven collections
//          run in parallel, so the run may beat the serial ideal. Run twice: on one link shared by all
//          the device's connections (throttle-proxy.ts (shared link); the figures in the JSON), and through
//          throttle-proxy.ts with shared: false, which shapes each TCP connection on its own and so hands a device with
//          several connections several times the bandwidth (slow3g_per_connection_*).
//   2. Propagation. Fresh instances A and B on the same database; SUBSCRIBERS users, each its own
//      graphql-ws socket streaming messages: SPLIT on A, the rest on B. Users pair up over a booking;
//      message.send (applyCommand, as the push endpoint calls it) in a pair's booking concerns exactly two
//      subscribers, on one instance or across both. Latency is from applyCommand resolving (the
//      transaction committed) to each affected subscriber's socket delivering the document. Target p99 ≤
//      500 ms. Memory: each instance's RSS after a full GC, with no subscriptions (warmed up) and with all
//      of them; (ΔA + ΔB) ÷ subscriptions. Target ≤ 64 KiB.
//
// The machine may be shared (2 cores here, other work running): each phase prints who used the CPU.
// BENCH_CHANGES and BENCH_RATE change the number of measured messages (300) and their rate per second (25).
// The last line printed is one JSON object; everything before it is for people.
import os from 'node:os';
import { MAX_PULL_LIMIT } from '@shared/replication';
import { migrate } from '../src/db/migrate';
import { installJobSchema } from '../src/jobs/runner';
import { createSql, withDatabase, type Sql } from '../src/db/sql';
import { signIn } from '../test/stream-client';
import { fetchRequestHead, replay } from './sync-bytes';
import { describePhaseCpu, sampleCpu, type PhaseCpu } from './sync-cpu';
import { describeRun, idealSeconds, syncThrough, type SyncRun } from './sync-initial';
import { killInstances, startInstance, type Instance } from './sync-instance';
import { measurePropagation } from './sync-propagation';
import { seedOperatorScope, seedPairs } from './sync-seed';
import { percentile, round, wholeFromEnv } from './stats';
import { SLOW_3G, UNLIMITED, startThrottleProxy, type LinkProfile } from './throttle-proxy';
import { startThrowawayPostgres } from './throwaway-postgres';

const OPEN_GIGS = 5_000;
const BOOKINGS = 1_000;
const MESSAGES_PER_BOOKING = 10;
const CLIENTS = 250;
/** The contract's maximum page: fewest round trips, and a page of the largest documents stays ~0.5 MB of JSON. */
const BATCH_SIZE = MAX_PULL_LIMIT;
const SUBSCRIBERS = 1_050;
const SPLIT = 1_000;
const WARMUP_CHANGES = 20;

const TARGETS = { wireToGzip: 1.25, slow3g: 1.5, p99Ms: 500, kibPerSubscriber: 64 };

const say = (line = '') => process.stdout.write(`${line}\n`);
const kib = (n: number) => `${round(n / 1024, 1)} KiB`;
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
const finite = (x: number) => (Number.isFinite(x) ? x : null);

function latencyLine(sorted: number[]): string {
  const p = (q: number) => round(percentile(sorted, q), 1);
  return `p50 ${p(0.5)} ms, p90 ${p(0.9)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms (n=${sorted.length})`;
}

async function main(): Promise<void> {
  const changes = wholeFromEnv('BENCH_CHANGES', 300);
  const rate = wholeFromEnv('BENCH_RATE', 25);

  // Last resort if we die before cleanup finished: stop the children (the helper's own hook, registered
  // after this one, stops our postmaster and removes its folder).
  process.once('exit', killInstances);
  const tp = await startThrowawayPostgres('fieldwork-bench-sync', say, { stopping: 'servers and Postgres' });
  const { pg, dir, pid: postgresPid } = tp;
  let sql: Sql | undefined;
  const instances: Instance[] = [];
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await Promise.all(instances.map((i) => i.close().catch(() => {})));
      killInstances();
      await sql?.end({ timeout: 5 }).catch(() => {});
      await tp.cleanup();
    })());
  // Ctrl-C: the phases take no signal, so clean up at once and leave (a second one leaves without waiting).
  const interrupted = () => void cleanup().finally(() => process.exit(130));
  if (tp.signal.aborted) interrupted();
  else tp.signal.addEventListener('abort', interrupted, { once: true });

  try {
    const admin = createSql(pg.url, { max: 1 });
    await admin.unsafe('create database fieldwork').finally(() => admin.end());
    const url = withDatabase(pg.url, 'fieldwork');
    sql = createSql(url, { max: 8, applicationName: 'fieldwork-bench-sync' });
    await migrate(sql);
    await installJobSchema(url); // commands queue escrow timers into it
    say(`postgres: ${dir}, port ${pg.port}; ${os.availableParallelism()} cores on this machine, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

    // --- 1. Initial sync -------------------------------------------------------------------------------
    say(`\n1. initial sync`);
    let t = performance.now();
    const scope = await seedOperatorScope(sql, { openGigs: OPEN_GIGS, bookings: BOOKINGS, messagesPerBooking: MESSAGES_PER_BOOKING, clients: CLIENTS });
    say(`  seeded in ${round((performance.now() - t) / 1000, 1)} s: operator with ${scope.openGigs} open gigs in their feed, ${scope.bookings} bookings as worker (each with its gig and one milestone), ${scope.messages} messages`);
    const a = await startInstance('A', url);
    instances.push(a);
    const { token } = await signIn(sql, scope.operatorId, { ttlSeconds: 3600 });
    const device = { userId: scope.operatorId, token, batchSize: BATCH_SIZE };
    const head = await fetchRequestHead();
    say(`  device: web/src/sync replication, RxDB memory storage (no dev-mode, no validation), live: false, pull.batchSize ${BATCH_SIZE}`);
    say(`  Node fetch sends Accept-Encoding: ${head.acceptEncoding}`);

    // A first sync warms the server and the client (JIT, pools, caches) the way a running server is warm.
    t = performance.now();
    await syncThrough(startThrottleProxy, UNLIMITED, a, device);
    say(`  warm-up sync: ${round((performance.now() - t) / 1000, 2)} s (not counted)`);

    say(`  unlimited link (counting only):`);
    let cpu0 = sampleCpu(postgresPid, [a.pid]);
    const fast: SyncRun = await syncThrough(startThrottleProxy, UNLIMITED, a, device);
    say(`  cpu: ${describePhaseCpu(cpu0, sampleCpu(postgresPid, [a.pid]))}`);
    describeRun(fast, say);
    const expected = { gigs: scope.openGigs + scope.bookings, bookings: scope.bookings, milestones: scope.milestones, messages: scope.messages, profiles: 1, commands: 0, disputes: 0 };
    for (const [c, n] of Object.entries(expected))
      if (fast.counts[c as keyof typeof expected] !== n) throw new Error(`the device holds ${fast.counts[c as keyof typeof expected]} ${c}, expected ${n}: the sync is broken`);
    const wireToGzip = fast.wireBytes / fast.gzipBytes;
    say(`  wire ÷ gzip: ${round(wireToGzip, 3)} (target ≤ ${TARGETS.wireToGzip}: ${verdict(wireToGzip <= TARGETS.wireToGzip)}); down only ÷ gzip: ${round(fast.down / fast.gzipBytes, 3)}`);
    const sentBodies = fast.requests.reduce((n, r) => n + r.bodyBytes, 0);
    say(`  content-encoding of responses: ${[...new Set(fast.requests.map((r) => r.contentEncoding))].join(', ')}; request bodies ${kib(sentBodies)} in total`);

    t = performance.now();
    const bytes = await replay(a.port, fast.requests.filter((r) => r.status === 200), head.head, token);
    say(`  where the bytes go (the ${bytes.responses} requests replayed, ${round((performance.now() - t) / 1000, 1)} s):`);
    say(`    down ${kib(fast.down)} = response heads ${kib(bytes.headBytes)} (${Math.round(bytes.headBytes / bytes.responses)} B each) + chunk framing ${kib(bytes.framingBytes)} + ${bytes.encodings.join('/')} bodies ${kib(bytes.encodedBytes)} (replay total ${kib(bytes.headBytes + bytes.framingBytes + bytes.encodedBytes)})`);
    say(`    up ${kib(fast.up)} = request heads ≈ ${kib(fast.up - sentBodies)} (${Math.round((fast.up - sentBodies) / fast.roundTrips)} B each, the token included) + bodies ${kib(sentBodies)}`);
    say(`    response JSON ${kib(bytes.jsonBytes)} vs the stored documents' JSON ${kib(fast.jsonBytes)}; ${bytes.tombstones} tombstones`);
    say(`    the same response bodies as: gzip-6 per response ${kib(bytes.gzip6Bytes)}, gzip-9 ${kib(bytes.gzip9Bytes)}, brotli-5 ${kib(bytes.brotli5Bytes)}; one gzip stream for all ${kib(bytes.oneStreamGzipBytes)}`);
    say(`    without nulls and "deleted": false (as stored): gzip-6 per response ${kib(bytes.strippedGzipBytes)}; the stored documents as one array: gzip-6 ${kib(fast.gzipBytes)}`);

    // Slow 3G twice: on one link shared by all the device's connections (what a phone has, and what the
    // ideal assumes), then through throttle-proxy.ts, which gives every connection a link of its own and,
    // with one timer per chunk, can deliver a connection's chunks out of order when the event loop lags
    // (failed requests then show up here as HPE_INVALID_CONSTANT).
    const slowRuns: { label: string; run: SyncRun; ideal: number; ratio: number }[] = [];
    for (const [label, startProxy] of [
      ['one link shared by all connections', startThrottleProxy],
      ['a link per TCP connection', (port: number, link: LinkProfile) => startThrottleProxy(port, link, { shared: false })],
    ] as const) {
      say(`  slow 3G (${SLOW_3G.bitsPerSecond / 1000} kbit/s each way, ${SLOW_3G.rttMs} ms RTT), ${label}:`);
      cpu0 = sampleCpu(postgresPid, [a.pid]);
      const run = await syncThrough(startProxy, SLOW_3G, a, device);
      say(`  cpu: ${describePhaseCpu(cpu0, sampleCpu(postgresPid, [a.pid]))}`);
      describeRun(run, say, { perCollection: false });
      const ideal = idealSeconds(run, SLOW_3G);
      const ratio = run.wallS / ideal;
      say(`  ideal ${round(ideal, 2)} s = ${kib(run.wireBytes)} at ${SLOW_3G.bitsPerSecond / 1000} kbit/s (${round((run.wireBytes * 8) / SLOW_3G.bitsPerSecond, 2)} s) + ${run.roundTrips} × ${SLOW_3G.rttMs} ms`);
      say(`  wall ÷ ideal: ${round(ratio, 3)} (target ≤ ${TARGETS.slow3g}: ${verdict(ratio <= TARGETS.slow3g)})`);
      slowRuns.push({ label, run, ideal, ratio });
    }
    const [shared, perConnection] = slowRuns as [(typeof slowRuns)[number], (typeof slowRuns)[number]];
    const slow = shared.run;
    const ideal = shared.ideal;
    const slowRatio = shared.ratio;
    await a.close();
    instances.splice(instances.indexOf(a), 1);

    // --- 2. Propagation --------------------------------------------------------------------------------
    say(`\n2. propagation`);
    t = performance.now();
    const pairs = await seedPairs(sql, SUBSCRIBERS / 2);
    say(`  seeded ${SUBSCRIBERS} users with sessions and tokens, ${pairs.bookingIds.length} bookings between pairs, in ${round((performance.now() - t) / 1000, 1)} s`);
    const [pa, pb] = await Promise.all([startInstance('A', url), startInstance('B', url)]);
    instances.push(pa!, pb!);
    let cpuStart: PhaseCpu | undefined;
    let cpuLine = '';
    const result = await measurePropagation({
      sql,
      pairs,
      instances: [pa!, pb!],
      split: SPLIT,
      warmupChanges: WARMUP_CHANGES,
      changes,
      ratePerSecond: rate,
      say,
      onMeasure: (phase) => {
        if (phase === 'start') cpuStart = sampleCpu(postgresPid, [pa!.pid, pb!.pid]);
        else cpuLine = describePhaseCpu(cpuStart!, sampleCpu(postgresPid, [pa!.pid, pb!.pid]));
      },
    });
    const live = Object.entries(result.memory.live).map(([n, c]) => `${n} ${c}`).join(', ');
    say(`  subscriptions held by the servers: ${live}`);
    say(`  ${result.changes} message.send at ${rate}/s (after ${WARMUP_CHANGES} warm-up ones) issued in ${round(result.issueSeconds, 1)} s; each concerns 2 subscribers`);
    say(`  cpu: ${cpuLine}`);
    const sorted = [...result.latencies].sort((x, y) => x - y);
    say(`  commit → subscriber: ${latencyLine(sorted)}`);
    for (const [name, ms] of Object.entries(result.byInstance)) say(`    on ${name}: ${latencyLine([...ms].sort((x, y) => x - y))}`);
    say(`  applyCommand itself: ${latencyLine([...result.applyMs].sort((x, y) => x - y))}`);
    say(`  missing deliveries ${result.missing}, deliveries to someone not concerned ${result.stray}, stream errors ${result.streamErrors}`);
    const p50 = percentile(sorted, 0.5);
    const p99 = percentile(sorted, 0.99);
    say(`  p99 ${round(p99, 1)} ms (target ≤ ${TARGETS.p99Ms} ms: ${verdict(p99 <= TARGETS.p99Ms)})`);
    let delta = 0;
    for (const [name, after] of Object.entries(result.memory.after)) {
      const d = after - result.memory.before[name]!;
      const dh = result.memory.heapAfter[name]! - result.memory.heapBefore[name]!;
      delta += d;
      const n = result.perInstance[name]!;
      say(`  memory ${name}: RSS ${kib(result.memory.before[name]!)} → ${kib(after)} with ${n} subscriptions: ${kib(d / n)} RSS, ${kib(dh / n)} heap each`);
    }
    const perSub = delta / 1024 / result.subscribers;
    say(`  RSS per subscription, both instances: ${round(perSub, 1)} KiB (target ≤ ${TARGETS.kibPerSubscriber} KiB: ${verdict(perSub <= TARGETS.kibPerSubscriber)})`);
    if (result.missing > 0) say(`  warning: ${result.missing} deliveries never arrived; they count as infinitely late`);

    await cleanup();
    say(`\nsummary`);
    say(`  initial sync ${round(fast.wallS, 2)} s, ${kib(fast.wireBytes)} on the wire, ${round(wireToGzip, 3)}× gzip, ${fast.roundTrips} round trips`);
    say(`  slow 3G ${round(slow.wallS, 2)} s against an ideal of ${round(ideal, 2)} s: ${round(slowRatio, 3)}× (a link per connection: ${round(perConnection.run.wallS, 2)} s, ${round(perConnection.ratio, 3)}×)`);
    say(`  propagation p50 ${round(p50, 1)} ms, p99 ${round(p99, 1)} ms over ${result.latencies.length} deliveries to ${result.subscribers} subscribers; ${round(perSub, 1)} KiB RSS each`);
    say(
      JSON.stringify({
        initial_sync_s: round(fast.wallS, 3),
        wire_bytes: fast.wireBytes,
        wire_to_gzip_ratio: round(wireToGzip, 3),
        round_trips: fast.roundTrips,
        slow3g_s: round(slow.wallS, 3),
        slow3g_ideal_s: round(ideal, 3),
        slow3g_ratio: round(slowRatio, 3),
        propagation_p50_ms: finite(round(p50, 1)),
        propagation_p99_ms: finite(round(p99, 1)),
        subscribers: result.subscribers,
        rss_per_subscriber_kib: round(perSub, 1),
        // Beyond the keys: Slow 3G through throttle-proxy.ts (a link per TCP connection).
        slow3g_per_connection_s: round(perConnection.run.wallS, 3),
        slow3g_per_connection_ratio: round(perConnection.ratio, 3),
      }),
    );
  } finally {
    await cleanup();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
