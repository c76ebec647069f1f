// The real sync server for browser tests: a fresh database with the demo data, the dev SMS sink and inbox,
// graphql-ws streams, and the run's PWA build, all on one loopback origin.
import { inject } from 'vitest';
import { seedDemo } from '../../sync-server/src/db/seed';
import { createLogger } from '../../sync-server/src/log';
import { attachStreams } from '../../sync-server/src/sync/stream';
import { createTestDb, type TestDb } from '../../sync-server/test/db';
import { startServer } from '../../sync-server/test/server';

export interface E2eServer {
  /** http://127.0.0.1:PORT, the app's origin (a secure context, so service workers run). */
  baseUrl: string;
  db: TestDb;
  close(): Promise<void>;
}

export async function startE2eServer(opts: { env?: Record<string, string> } = {}): Promise<E2eServer> {
  const db = await createTestDb();
  await seedDemo(db.sql, createLogger('silent'));
  const server = await startServer(db.sql, {
    env: { WEB_DIST_DIR: inject('webDist'), SMS_PROVIDER: 'dev', ...opts.env },
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
