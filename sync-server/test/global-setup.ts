// One Postgres for the whole test run: the embedded one in a throwaway folder, or TEST_DATABASE_URL /
// DATABASE_URL when set. A migrated template database is made once; each test file clones it.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/db/embedded';
import { createSql, withDatabase } from '../src/db/sql';
import { migrate, readMigrations } from '../src/db/migrate';
import { installJobSchema, JOB_SCHEMA_VERSION } from '../src/jobs/runner';
import { createLogger } from '../src/log';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
  }
}

let embedded: EmbeddedPostgres | undefined;
let dir: string | undefined;

export async function setup(project: TestProject) {
  let adminUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!adminUrl) {
    // /tmp is searchable by the postgres user even when the checkout is not (a root CI in a 0700 temp dir).
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fieldwork-test-'));
    await fs.chmod(dir, 0o755);
    embedded = await startEmbeddedPostgres({
      dataDir: dir,
      log: createLogger('warn'),
      // A throwaway cluster: durability buys nothing here and costs seconds.
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: 300 },
    });
    adminUrl = embedded.url;
  }
  const migrations = await readMigrations();
  const hash = createHash('sha256').update(migrations.map((m) => m.checksum).join() + JOB_SCHEMA_VERSION).digest('hex').slice(0, 12);
  const template = `fw_template_${hash}`;
  const admin = createSql(adminUrl, { max: 1 });
  const [exists] = await admin`select 1 from pg_database where datname = ${template}`;
  if (!exists) {
    await admin.unsafe(`create database "${template}_wip"`);
    const t = createSql(withDatabase(adminUrl, `${template}_wip`), { max: 1 });
    await migrate(t);
    await t.end();
    await installJobSchema(withDatabase(adminUrl, `${template}_wip`));
    await admin.unsafe(`alter database "${template}_wip" rename to "${template}"`);
  }
  await admin.end();
  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template);
}

export async function teardown() {
  await embedded?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
}
