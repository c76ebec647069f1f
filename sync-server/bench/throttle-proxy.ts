// A TCP proxy that behaves like a slow mobile link: each direction gets its own bandwidth and one-way
// delay, bytes stay in order, and the proxy counts what crossed it. Used by bench:sync for "Slow 3G"
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

/**
 * One direction of a link: a chunk leaves when the link is free and arrives one-way-delay later, so a
 * burst is paced at the bandwidth and every byte also pays the latency.
 */
function pipe(from: net.Socket, to: net.Socket, link: LinkProfile, count: (n: number) => void) {
  let linkFreeAt = 0;
  const oneWay = link.rttMs / 2;
  from.on('data', (chunk: Buffer) => {
    count(chunk.length);
    const now = performance.now();
    const sendStart = Math.max(now, linkFreeAt);
    const txMs = Number.isFinite(link.bitsPerSecond) ? (chunk.length * 8 * 1000) / link.bitsPerSecond : 0;
    linkFreeAt = sendStart + txMs;
    const arriveIn = linkFreeAt + oneWay - now;
    if (arriveIn <= 0) to.write(chunk);
    else setTimeout(() => to.destroyed || to.write(chunk), arriveIn);
  });
  from.on('end', () => setTimeout(() => to.end(), Math.max(0, linkFreeAt + oneWay - performance.now())));
}

export async function startThrottleProxy(targetPort: number, link: LinkProfile): Promise<ThrottleProxy> {
  const counters: Counters = { down: 0, up: 0, connections: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
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
    pipe(client, upstream, link, (n) => (counters.up += n));
    pipe(upstream, client, link, (n) => (counters.down += n));
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
