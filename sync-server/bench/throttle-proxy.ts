// A TCP proxy that behaves like a slow mobile link: each direction gets its own bandwidth and one-way
// delay, bytes stay in order (one ordered queue and one timer per connection and direction: a timer per
// chunk can fire out of order when the event loop lags), and the proxy counts what crossed it. Used by bench:sync for "Slow 3G"
// (400 kbit/s each way, 400 ms round trip) and for counting bytes on the wire; loopback only.
import net from 'node:net';

export interface LinkProfile {
  /** Bits per second in each direction. */
  bitsPerSecond: number;
  /** Round-trip time in ms; each direction adds half. */
  rttMs: number;
}

export const SLOW_3G: LinkProfile = { bitsPerSecond: 400_000, rttMs: 400 };
/** No shaping: only counting. */
export const UNLIMITED: LinkProfile = { bitsPerSecond: Infinity, rttMs: 0 };

export interface Counters {
  /** Bytes from server to client, and from client to server. */
  down: number;
  up: number;
  connections: number;
}

export interface ThrottleProxy {
  port: number;
  counters: Counters;
  reset(): void;
  close(): Promise<void>;
}

/** One direction of the link: when it is next free, shared by all connections (first come, first sent). */
interface Lane {
  freeAt: number;
}

/** One connection's bytes in one direction: queued with their arrival times and written in order. */
function pipe(from: net.Socket, to: net.Socket, lane: Lane, link: LinkProfile, count: (n: number) => void): void {
  const oneWay = link.rttMs / 2;
  const queue: { at: number; chunk: Buffer }[] = [];
  let timer: NodeJS.Timeout | null = null;
  let ended = false;
  const drain = () => {
    timer = null;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.at <= now + 0.5) {
      const { chunk } = queue.shift()!;
      if (!to.destroyed) to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(drain, queue[0]!.at - now);
    else if (ended) to.end();
  };
  from.on('data', (chunk: Buffer) => {
    count(chunk.length);
    const now = performance.now();
    const start = Math.max(now, lane.freeAt);
    lane.freeAt = start + (Number.isFinite(link.bitsPerSecond) ? (chunk.length * 8 * 1000) / link.bitsPerSecond : 0);
    queue.push({ at: lane.freeAt + oneWay, chunk });
    if (!timer) timer = setTimeout(drain, lane.freeAt + oneWay - now);
  });
  from.on('end', () => {
    ended = true;
    if (!timer) drain();
  });
}

/**
 * `shared` (the default) puts every connection on one link, as one phone's radio is: a device that opens
 * several connections (RxDB pulls five collections at once) shares the bandwidth. `shared: false` gives
 * each TCP connection a link of its own.
 */
export async function startThrottleProxy(targetPort: number, link: LinkProfile, opts: { shared?: boolean } = {}): Promise<ThrottleProxy> {
  const counters: Counters = { down: 0, up: 0, connections: 0 };
  const sockets = new Set<net.Socket>();
  const sharedUp: Lane = { freeAt: 0 };
  const sharedDown: Lane = { freeAt: 0 };
  const server = net.createServer((client) => {
    const up = opts.shared === false ? { freeAt: 0 } : sharedUp;
    const down = opts.shared === false ? { freeAt: 0 } : sharedDown;
    counters.connections++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    pipe(client, upstream, up, link, (n) => (counters.up += n));
    pipe(upstream, client, down, link, (n) => (counters.down += n));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    counters,
    reset: () => Object.assign(counters, { down: 0, up: 0, connections: 0 }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
