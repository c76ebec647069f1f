// Replication requests that hear nothing are given up, so that RxDB retries them; slow answers are not.
import { describe, expect, it } from 'vitest';
import { DEVICE_TIME_HEADER } from '@shared/replication';
import { authorizedFetch, withSilenceLimit } from './authorized-fetch';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fetch standing in for the network: it honours the abort signal, as a browser's does. */
function network(answer: (signal: AbortSignal) => Promise<Response>): typeof fetch {
  return (_input, init) =>
    new Promise<Response>((resolve, reject) => {
      const signal = init!.signal!;
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      answer(signal).then(resolve, reject);
    });
}

/** A body that sends `chunks`, `gapMs` apart, then ends; or stalls for good after them when `stall`. */
function trickle(chunks: string[], gapMs: number, signal: AbortSignal, stall = false): Response {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i === chunks.length) {
        if (!stall) return controller.close();
        await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })).catch((e) => controller.error(e));
        return;
      }
      await sleep(gapMs);
      controller.enqueue(new TextEncoder().encode(chunks[i++]));
    },
  });
  return new Response(body, { status: 200 });
}

describe('withSilenceLimit', () => {
  it('gives up a request that gets no answer', async () => {
    const f = withSilenceLimit(network(() => new Promise<Response>(() => {})), 50);
    const t0 = Date.now();
    await expect(f('https://sync.test/graphql')).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('gives up even when the fetch underneath ignores the abort', async () => {
    const f = withSilenceLimit(() => new Promise<Response>(() => {}), 50);
    await expect(f('https://sync.test/graphql')).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('gives up an answer whose body stops arriving', async () => {
    const f = withSilenceLimit(network(async (signal) => trickle(['{"data":', '{"a":1'], 10, signal, true)), 80);
    const res = await f('https://sync.test/graphql');
    await expect(res.text()).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('keeps a slow answer whose bytes keep coming, longer in all than the limit', async () => {
    const chunks = Array.from({ length: 8 }, (_, i) => `${i},`);
    const f = withSilenceLimit(network(async (signal) => trickle(chunks, 30, signal)), 100);
    const res = await f('https://sync.test/graphql');
    expect(await res.text()).toBe(chunks.join(''));
  });

  it('gives a request body time to go up at the slowest uplink before the answer is due', async () => {
    const answerAt = (ms: number) =>
      network(async () => {
        await sleep(ms);
        return new Response('{}');
      });
    // 400 bytes at 1 byte/ms: 400 ms on top of the 100 ms limit.
    const body = 'x'.repeat(400);
    expect(await (await withSilenceLimit(answerAt(300), 100)('https://sync.test/graphql', { method: 'POST', body })).text()).toBe('{}');
    await expect(withSilenceLimit(answerAt(300), 100)('https://sync.test/graphql', { method: 'POST', body: 'x' })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('leaves the caller\'s own abort in charge', async () => {
    const caller = new AbortController();
    const f = withSilenceLimit(network(() => new Promise<Response>(() => {})), 10_000);
    const pending = f('https://sync.test/graphql', { signal: caller.signal });
    caller.abort(new Error('stopped by the replication'));
    await expect(pending).rejects.toThrow('stopped by the replication');
  });
});

describe('authorizedFetch', () => {
  it('sends the access token and this device’s clock as the request leaves, again on the retry after a 401', async () => {
    const seen: Headers[] = [];
    const base: typeof fetch = async (input) => {
      seen.push((input as Request).headers);
      return new Response(null, { status: seen.length === 1 ? 401 : 200 });
    };
    const before = Date.now();
    const res = await authorizedFetch(({ forceRefresh }) => (forceRefresh ? 'fresh' : 'stale'), base)('https://sync.test/graphql', { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    expect(seen.map((h) => h.get('authorization'))).toEqual(['Bearer stale', 'Bearer fresh']);
    for (const h of seen) expect(Number(h.get(DEVICE_TIME_HEADER))).toBeGreaterThanOrEqual(before);
  });
});
