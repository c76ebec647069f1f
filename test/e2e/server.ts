// The real sync server for browser tests: a fresh database with the demo data, the dev SMS sink and inbox,
// graphql-ws streams, and the run's PWA build, all on one loopback origin.
import net, { type AddressInfo } from 'node:net';
import { inject } from 'vitest';
import { seedDemo } from '../../sync-server/src/db/seed';
import { createLogger } from '../../sync-server/src/log';
import { createDemoRail } from '../../sync-server/src/payments';
import { attachStreams } from '../../sync-server/src/sync/stream';
import { createTestDb, type TestDb } from '../../sync-server/test/db';
import { startServer } from '../../sync-server/test/server';

export interface E2eServer {
  /** http://127.0.0.1:PORT, the app's origin (a secure context, so service workers run). */
  baseUrl: string;
  db: TestDb;
  close(): Promise<void>;
}

/** A free loopback port, taken before the server starts: it must know its own address (checkout return links). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export async function startE2eServer(opts: { env?: Record<string, string> } = {}): Promise<E2eServer> {
  const db = await createTestDb();
  const port = await freePort();
  // The demo rail, as the server below runs it by default: seeded operators get payouts set up on it.
  await seedDemo(db.sql, createLogger('silent'), createDemoRail({ sql: db.sql, publicBaseUrl: `http://127.0.0.1:${port}` }));
  const server = await startServer(db.sql, {
    port,
    // The demo checkout sends the browser back to PUBLIC_BASE_URL/b/<booking>.
    env: { WEB_DIST_DIR: inject('webDist'), SMS_PROVIDER: 'dev', PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, ...opts.env },
    attach: attachStreams,
  });
  return {
    baseUrl: `http://127.0.0.1:${server.port}`,
    db,
    async close() {
      await server.close();
      await db.drop();
    },
  };
}
