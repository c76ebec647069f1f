// The server's API paths and the service worker's navigation denylist are one list kept in two places:
// the server cannot import the build configuration, so this test holds them together.
import { describe, expect, it } from 'vitest';
import { API_PREFIXES as SERVER } from '../sync-server/src/web/static';
import { API_PREFIXES as SERVICE_WORKER } from '../vite.config';

describe('API prefixes', () => {
  it('are the same for the server and the service worker', () => {
    expect([...SERVICE_WORKER].sort()).toEqual([...SERVER].sort());
  });
});
