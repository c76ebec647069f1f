// A real sync server on a loopback port (HTTP and, when attached, graphql-ws streams) over a test
// database, for tests that need a network between a device and the server.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createApp } from '../src/app';
import { createSchema } from '../src/sync/graphql';
import type { Sql } from '../src/db/sql';
import { createTestApp } from './app';

export interface RunningServer {
  port: number;
  http: string;
  ws: string;
  close(): Promise<void>;
}

export type Attach = (server: Server, deps: ReturnType<typeof createTestApp>['deps'], schema: ReturnType<typeof createSchema>) => { close(): Promise<void> };

export async function startServer(sql: Sql, opts: { env?: Record<string, string>; attach?: Attach; port?: number } = {}): Promise<RunningServer> {
  const { deps } = createTestApp(sql, opts.env);
  const schema = createSchema();
  const app = createApp(deps, schema);
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
  });
  const streams = opts.attach?.(server, deps, schema);
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    http: `http://127.0.0.1:${port}/graphql`,
    ws: `ws://127.0.0.1:${port}/graphql`,
    async close() {
      await streams?.close();
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
