// One sync-server instance for bench:sync, run as a child process (sync-instance.ts starts it) so that its
// memory is its own: HTTP and graphql-ws streams on 127.0.0.1, its own pool and LISTEN connection.
// IPC: sends {type: 'ready', port}; answers {type: 'memory'} with its memory after a full GC and its live
// subscription count; exits on {type: 'close'} or when the parent goes away.
import { createSql } from '../src/db/sql';
import { registry } from '../src/ops/metrics';
import { attachStreams } from '../src/sync/stream';
import { startServer } from '../test/server';

export interface InstanceMemory {
  rss: number;
  heapUsed: number;
  external: number;
  subscriptions: number;
  sockets: number;
}

export type ToInstance = { type: 'memory'; id: number } | { type: 'close' };
export type FromInstance = { type: 'ready'; port: number } | { type: 'memory'; id: number; memory: InstanceMemory } | { type: 'error'; message: string };

const send = (m: FromInstance) => process.send?.(m);

async function gauge(name: string): Promise<number> {
  const metric = registry.getSingleMetric(name);
  const value = metric ? (await metric.get()).values[0]?.value : undefined;
  return value ?? 0;
}

async function memory(): Promise<InstanceMemory> {
  // Two collections and a pause: freed objects go, and the allocator settles, before RSS is read.
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 2; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 100));
  }
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    external: m.external,
    subscriptions: await gauge('fieldwork_stream_subscriptions'),
    sockets: await gauge('fieldwork_stream_sockets'),
  };
}

async function main(): Promise<void> {
  const url = process.env.FW_BENCH_DATABASE_URL;
  if (!url) throw new Error('FW_BENCH_DATABASE_URL is not set');
  const sql = createSql(url, { max: 10, applicationName: `fieldwork-bench-${process.env.FW_BENCH_INSTANCE ?? 'instance'}` });
  const server = await startServer(sql, { attach: attachStreams });
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    await server.close().catch(() => {});
    await sql.end({ timeout: 2 }).catch(() => {});
    process.exit(0);
  };
  process.on('message', (m: ToInstance) => {
    if (m.type === 'close') void close();
    if (m.type === 'memory') void memory().then((memory) => send({ type: 'memory', id: m.id, memory }));
  });
  process.on('disconnect', () => void close());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void close());
  send({ type: 'ready', port: server.port });
}

main().catch((e: unknown) => {
  send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
});
