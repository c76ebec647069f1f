// Starts the whole server: configuration, the PWA build, Postgres (embedded unless DATABASE_URL),
// migrations, demo data, HTTP. Ctrl-C stops it in reverse order: stop accepting, drain, close the pool, stop Postgres.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger, type Logger } from './log';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded';
import { createSql, withDatabase } from './db/sql';
import { migrate } from './db/migrate';
import { seedDemo } from './db/seed';
import { createSms } from './sms';
import { createApp } from './app';
import { createSchema } from './sync/graphql';
import { attachStreams } from './sync/stream';
import { ensureWebBuild } from './web/ensure-build';
import { createPaymentProvider } from './payments';
import { installJobSchema, jobConnectionString, startJobRunner } from './jobs/runner';
import { ESCROW_CRONTAB, escrowTasks } from './escrow/tasks';
import { GIG_CRONTAB, gigTasks } from './gigs/tasks';
import { disputeTasks } from './disputes/tasks';
import { NOTIFICATION_CRONTAB, notificationTasks } from './notifications/tasks';
import { deliverSoon } from './notifications/soon';
import { vapidKeysFor } from './push/keys';
import { createWebPushSender } from './push/sender';

/** In development the signing key is generated once and kept beside the data, so sessions survive restarts. */
async function secretFor(config: Config): Promise<string> {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  const file = path.resolve(config.DATA_DIR, 'jwt-secret');
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    const secret = randomBytes(48).toString('base64url');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, secret, { mode: 0o600, flag: 'wx' }).catch(() => undefined);
    return (await fs.readFile(file, 'utf8')).trim();
  }
}

async function databaseUrl(config: Config, log: Logger): Promise<{ url: string; embedded?: EmbeddedPostgres }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL };
  const embedded = await startEmbeddedPostgres({ dataDir: config.DATA_DIR, log: log.child({ component: 'postgres' }) });
  const admin = createSql(embedded.url, { max: 1 });
  const [exists] = await admin`select 1 from pg_database where datname = 'fieldwork'`;
  if (!exists) await admin`create database fieldwork`;
  await admin.end();
  return { url: withDatabase(embedded.url, 'fieldwork'), embedded };
}

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const log = createLogger(config.LOG_LEVEL);
  // The PWA builds (when missing or stale) while Postgres starts; both finish before the server listens.
  const webBuild = ensureWebBuild(config, log.child({ component: 'web' }));
  webBuild.catch(() => undefined); // awaited below; this only keeps a database failure from also reporting it unhandled
  const { url, embedded } = await databaseUrl(config, log);
  const stopEmbedded = async () => embedded?.stop();
  try {
    await webBuild;
    const sql = createSql(url, { max: config.DATABASE_POOL_MAX });
    const applied = await migrate(sql);
    if (applied.length) log.info({ applied }, 'migrations applied');
    // The job queue's own schema (graphile-worker), beside ours; commands queue timers into it.
    await installJobSchema(url, log);
    const sms = createSms(config, sql, log);
    const now = () => new Date();
    const payments = createPaymentProvider(config, sql, log, now);
    if (config.SEED_DEMO) await seedDemo(sql, log, payments);
    const push = createWebPushSender(await vapidKeysFor(config), config.VAPID_SUBJECT);
    const deps = { config, sql, log, sms, payments, push, secret: await secretFor(config), now };
    // Escrow's timers and provider calls, the dispute response window, gigs' expiry and the delivery of news;
    // each job runs once across however many instances share the database.
    const jobs = await startJobRunner({
      connectionString: jobConnectionString(url),
      sql,
      tasks: { ...escrowTasks(payments), ...disputeTasks, ...gigTasks, ...notificationTasks(sms, push, config.PUBLIC_BASE_URL) },
      crontab: [...ESCROW_CRONTAB, ...GIG_CRONTAB, ...NOTIFICATION_CRONTAB],
      concurrency: 4,
      log,
    });
    // News a command writes goes out within seconds rather than at the next minute's tick.
    deliverSoon(sql, log);
    const schema = createSchema();
    const app = createApp(deps, schema);
    const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
      log.info({ port: info.port, database: embedded ? 'embedded' : 'external', sms: sms.name, payments: payments.name }, `Fieldwork is running at http://localhost:${info.port}`);
      if (payments.name === 'demo') log.info('Payments use the demo rail: no real money moves (set PAYMENTS_PROVIDER=stripe and keys for Stripe)');
      if (sms.name === 'dev') log.info(`Sign-in codes appear at http://localhost:${info.port}/dev/inbox`);
    });
    // Replication streams (graphql-ws) share the port and the /graphql path.
    const streams = attachStreams(server, deps, schema);

    let stoppingSince: number | null = null;
    const shutdown = async (signal: string) => {
      if (stoppingSince !== null) {
        // Ctrl-C in a terminal signals the whole process group, and `npm start`'s tsx relays it to us as well: the
        // same keypress arrives twice within milliseconds. Only a later one is a person asking to stop at once.
        if (Date.now() - stoppingSince < SAME_KEYPRESS_MS) return;
        log.warn('second signal: exiting now, without stopping the database (the next start stops it)');
        process.exit(1);
      }
      stoppingSince = Date.now();
      log.info({ signal }, 'shutting down');
      // Live sockets first (devices reconnect to another instance), then HTTP, then the pool.
      await streams.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive sockets would hold close() open; requests in flight get a moment to finish.
        setTimeout(() => ('closeAllConnections' in server ? server.closeAllConnections() : undefined), 3000).unref();
      });
      // Running jobs finish (or are retried elsewhere) before the pool they use closes.
      await jobs.stop();
      await sql.end({ timeout: 5 });
      await stopEmbedded();
      log.info('stopped');
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
  } catch (e) {
    log.fatal({ err: e }, 'failed to start');
    await stopEmbedded();
    process.exit(1);
  }
}

/** Signals this close together are one Ctrl-C, delivered twice (see shutdown). */
const SAME_KEYPRESS_MS = 1000;

void main();
