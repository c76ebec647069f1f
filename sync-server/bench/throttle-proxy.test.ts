import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startThrottleProxy, type ThrottleProxy } from './throttle-proxy';

let echo: net.Server | undefined;
let proxy: ThrottleProxy | undefined;
afterAll(async () => {
  await proxy?.close();
  echo?.close();
});

describe('throttle proxy', () => {
  it('paces bytes at the link rate, adds the round trip, and counts both directions', async () => {
    echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo!.listen(0, '127.0.0.1', r));
    proxy = await startThrottleProxy((echo.address() as net.AddressInfo).port, { bitsPerSecond: 800_000, rttMs: 200 });
    const payload = Buffer.alloc(50_000, 7); // 400 kbit: 0.5 s each way at 800 kbit/s
    const started = performance.now();
    const received = await new Promise<number>((resolve, reject) => {
      const c = net.connect(proxy!.port, '127.0.0.1', () => c.write(payload));
      let n = 0;
      c.on('data', (d: Buffer) => {
        n += d.length;
        if (n >= payload.length) {
          c.destroy();
          resolve(n);
        }
      });
      c.on('error', reject);
    });
    const ms = performance.now() - started;
    expect(received).toBe(payload.length);
    // Up and back down, each paced (≥ 0.5 s) plus half the round trip; pipelined, so at least ~0.7 s.
    expect(ms).toBeGreaterThan(650);
    expect(ms).toBeLessThan(3000);
    expect(proxy.counters).toMatchObject({ up: 50_000, down: 50_000, connections: 1 });
  });
});
