// Requests to the sync server with the signed-in user's access token: replication's HTTP pulls and pushes,
// and the few online-only calls screens make (checkout, evidence uploads). Its own module so that screens
// can use it without loading the replication chunk.
import { DEVICE_TIME_HEADER } from '@shared/replication';

/**
 * The current access token. Called before every HTTP request and every socket (re)connection, so it
 * should answer from a cache and refresh only near expiry; `forceRefresh` is set after a 401.
 */
export type TokenSource = (options: { forceRefresh: boolean }) => Promise<string> | string;

/**
 * A fetch that puts a fresh access token and the device's clock (DEVICE_TIME_HEADER) on every request (setHeaders() would freeze one token) and,
 * after a 401, asks for a refreshed token and tries once more.
 */
export function authorizedFetch(getToken: TokenSource, base: typeof fetch = globalThis.fetch.bind(globalThis)): typeof fetch {
  const send = async (request: Request, forceRefresh: boolean) => {
    request.headers.set('Authorization', `Bearer ${await getToken({ forceRefresh })}`);
    // Read as late as possible, so that it is this device's clock as the request leaves.
    request.headers.set(DEVICE_TIME_HEADER, String(Date.now()));
    return base(request);
  };
  return async (input, init) => {
    const request = new Request(input, init);
    const first = await send(request.clone(), false);
    if (first.status !== 401) return first;
    await first.body?.cancel();
    return send(request, true);
  };
}

/**
 * How long a replication request may hear nothing before it is given up. A connection that dies silently on a
 * mobile network (a radio stall, a NAT that forgot it) is otherwise found out only by TCP's own timeouts, many
 * minutes later, and meanwhile the outbox waits behind the push in flight. Giving up makes RxDB retry, which
 * is safe: a replayed push is answered from its stored outcome. Silence, not the whole request, is timed, so
 * that a large page arriving slowly over 2G is not cut off while its bytes still come.
 */
export const REPLICATION_SILENCE_MS = 45_000;

/**
 * The slowest uplink a request body is given time for before its answer is due, in bytes per millisecond
 * (1 KB/s, below GPRS): the upload cannot be watched, so a large push gets time in proportion to its size.
 */
const SLOWEST_UPLINK_BYTES_PER_MS = 1;

const bodyBytes = (body: RequestInit['body']): number =>
  typeof body === 'string' ? new TextEncoder().encode(body).length : body instanceof Blob ? body.size : body instanceof ArrayBuffer || ArrayBuffer.isView(body) ? body.byteLength : 0;

const rejectOnAbort = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

/**
 * A fetch that aborts once `ms` pass without an answer (plus the time its body takes to send at the slowest
 * uplink), or, while the answer arrives, without a new chunk of it.
 */
export function withSilenceLimit(base: typeof fetch, ms = REPLICATION_SILENCE_MS): typeof fetch {
  return async (input, init) => {
    const silence = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const heard = (allowMs = ms) => {
      clearTimeout(timer);
      timer = setTimeout(() => silence.abort(new DOMException(`No answer for ${Math.round(allowMs / 1000)} s.`, 'TimeoutError')), allowMs);
    };
    const done = () => clearTimeout(timer);
    // The caller's own abort still applies (without AbortSignal.any, which older Safari lacks).
    const outer = init?.signal;
    if (outer?.aborted) silence.abort(outer.reason);
    else outer?.addEventListener('abort', () => silence.abort(outer.reason), { once: true });
    const signal = silence.signal;
    heard(ms + bodyBytes(init?.body) / SLOWEST_UPLINK_BYTES_PER_MS);
    let res: Response;
    try {
      // Raced against the signal as well, for a fetch that does not honour it (a stub, a polyfill).
      res = await Promise.race([base(input, { ...init, signal }), rejectOnAbort(signal)]);
    } catch (e) {
      done();
      throw e;
    }
    if (!res.body) {
      done();
      return res;
    }
    heard();
    const reader = res.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const chunk = await reader.read();
          if (chunk.done) {
            done();
            controller.close();
          } else {
            heard();
            controller.enqueue(chunk.value);
          }
        } catch (e) {
          done();
          controller.error(e);
        }
      },
      cancel(reason) {
        done();
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}
