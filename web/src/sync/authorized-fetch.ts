// Requests to the sync server with the signed-in user's access token: replication's HTTP pulls and pushes,
// and the few online-only calls screens make (checkout, evidence uploads). Its own module so that screens
// can use it without loading the replication chunk.

/**
 * The current access token. Called before every HTTP request and every socket (re)connection, so it
 * should answer from a cache and refresh only near expiry; `forceRefresh` is set after a 401.
 */
export type TokenSource = (options: { forceRefresh: boolean }) => Promise<string> | string;

/**
 * A fetch that puts a fresh access token on every request (setHeaders() would freeze one token) and,
 * after a 401, asks for a refreshed token and tries once more.
 */
export function authorizedFetch(getToken: TokenSource, base: typeof fetch = globalThis.fetch.bind(globalThis)): typeof fetch {
  const send = async (request: Request, forceRefresh: boolean) => {
    request.headers.set('Authorization', `Bearer ${await getToken({ forceRefresh })}`);
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
